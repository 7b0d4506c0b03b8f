"""Fail when the environment lacks a requirement of the project, the dev extra included.

`make install` installs `requirements.lock` and then the project without dependencies. `pip check` catches a
runtime dependency that the lock lacks but not a missing dev tool (pip ignores extras); this script checks both, so
a `pyproject.toml` edited without `make lock` stops the install with the names of what is missing.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement


def missing(project: str = "congdanso", extras: tuple[str, ...] = ("dev",)) -> list[str]:
    problems: list[str] = []
    for line in requires(project) or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in ("", *extras)
        ):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            problems.append(f"{requirement.name}{requirement.specifier} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name}{requirement.specifier} ({installed} installed)")
    return problems


def main() -> int:
    problems = missing()
    for problem in problems:
        print(f"missing from requirements.lock: {problem}", file=sys.stderr)
    if problems:
        print("run `make lock`, then `make install`", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
