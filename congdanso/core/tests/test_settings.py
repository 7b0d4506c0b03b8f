"""Settings from the environment: production refuses insecure defaults; DATA_DIR decides where SQLite lives.

Each case runs Django in a fresh process with a clean copy of the environment (settings are read at import).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from congdanso.core.tests.conftest import PYTHON, clean_env, manage, run

GOOD_SECRET = secrets.token_urlsafe(48)
GOOD_FIELD_KEYS = f"{secrets.token_urlsafe(32)},{secrets.token_urlsafe(32)}"
PRINT_SETTINGS = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'name': str(settings.DATABASES['default']['NAME']), "
    "'engine': settings.DATABASES['default']['ENGINE'], 'debug': settings.DEBUG, "
    "'secret': settings.SECRET_KEY, 'field_keys': settings.FIELD_ENCRYPTION_KEYS, "
    "'data_dir': str(settings.DATA_DIR)}))"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def print_settings(**env: str) -> dict[str, object]:
    result = run([PYTHON, "-c", PRINT_SETTINGS], clean_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(last_line(result.stdout))


def test_production_without_secrets_refuses_to_start(data_dir: Path) -> None:
    result = manage("check", env=clean_env(DEBUG="0", DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "ImproperlyConfigured" in error
    assert "SECRET_KEY" in error
    assert "FIELD_ENCRYPTION_KEYS" in error


def test_production_with_only_a_good_secret_key_still_names_the_field_keys(data_dir: Path) -> None:
    result = manage("check", env=clean_env(DEBUG="0", SECRET_KEY=GOOD_SECRET, DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "FIELD_ENCRYPTION_KEYS" in error
    assert "SECRET_KEY" not in error


def test_production_refuses_a_short_secret_key(data_dir: Path) -> None:
    result = manage("check", env=clean_env(DEBUG="0", SECRET_KEY="too-short", FIELD_ENCRYPTION_KEYS=GOOD_FIELD_KEYS,
                                           DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    assert "SECRET_KEY" in last_line(result.stderr)


def test_production_with_good_secrets_passes_the_checks(data_dir: Path) -> None:
    env = clean_env(DEBUG="0", SECRET_KEY=GOOD_SECRET, FIELD_ENCRYPTION_KEYS=GOOD_FIELD_KEYS, DATA_DIR=str(data_dir))
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_secrets_can_come_from_files(tmp_path: Path, data_dir: Path) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(GOOD_SECRET + "\n", encoding="utf-8")
    keys_file = tmp_path / "field_keys"
    keys_file.write_text(GOOD_FIELD_KEYS + "\n", encoding="utf-8")
    env = {"DEBUG": "0", "SECRET_KEY_FILE": str(secret_file), "FIELD_ENCRYPTION_KEYS_FILE": str(keys_file),
           "DATA_DIR": str(data_dir)}
    result = manage("check", env=clean_env(**env))
    assert result.returncode == 0, result.stderr
    values = print_settings(**env)
    assert values["secret"] == GOOD_SECRET
    assert values["field_keys"] == GOOD_FIELD_KEYS.split(",")
    assert values["debug"] is False


def test_an_unreadable_secret_file_stops_start_up(tmp_path: Path, data_dir: Path) -> None:
    result = manage("check", env=clean_env(SECRET_KEY_FILE=str(tmp_path / "missing"), DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE" in last_line(result.stderr)


def test_empty_field_key_list_is_refused_clearly(data_dir: Path) -> None:
    result = manage("check", env=clean_env(FIELD_ENCRYPTION_KEYS=" , ", DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "ImproperlyConfigured" in error
    assert "FIELD_ENCRYPTION_KEYS" in error


def test_a_malformed_boolean_is_refused(data_dir: Path) -> None:
    result = manage("check", env=clean_env(DEBUG="maybe", DATA_DIR=str(data_dir)))
    assert result.returncode != 0
    assert "DEBUG='maybe'" in last_line(result.stderr)


def test_development_defaults_start_without_any_setting(data_dir: Path) -> None:
    result = manage("check", env=clean_env(DATA_DIR=str(data_dir)))
    assert result.returncode == 0, result.stderr


def test_each_data_dir_gets_its_own_sqlite_file(tmp_path: Path) -> None:
    first = print_settings(DATA_DIR=str(tmp_path / "one"))
    second = print_settings(DATA_DIR=str(tmp_path / "two"))
    assert first["engine"] == second["engine"] == "django.db.backends.sqlite3"
    assert first["name"] != second["name"]
    assert first["name"] == str((tmp_path / "one" / "congdanso.sqlite3").resolve())
    assert second["name"] == str((tmp_path / "two" / "congdanso.sqlite3").resolve())
    assert (tmp_path / "one").is_dir() and (tmp_path / "two").is_dir()


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    values = print_settings(DATA_DIR=str(tmp_path), DATABASE_URL="postgres://cds@db.example:5432/congdanso")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "congdanso"
