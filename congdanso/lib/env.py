"""Typed readers for settings taken from environment variables.

Every ``NAME`` may instead be given as ``NAME_FILE``: the path of a file holding the value (Docker/Kubernetes
secrets). Reading the file wins over nothing, and an explicit ``NAME`` wins over the file.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """A variable is set to something its reader cannot use."""


def raw(name: str) -> str | None:
    if name in os.environ:
        return os.environ[name]
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise EnvError(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return None


def env_str(name: str, default: str = "") -> str:
    value = raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    value = raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise EnvError(f"{name}={value!r} is not a whole number") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
