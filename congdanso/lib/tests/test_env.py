"""Typed settings readers: NAME, NAME_FILE secrets, bool/int/list parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from congdanso.lib import env
from congdanso.lib.env import EnvError

NAME = "CDS_TEST_SETTING"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def test_unset_gives_defaults() -> None:
    assert env.raw(NAME) is None
    assert env.env_str(NAME, "mặc định") == "mặc định"
    assert env.env_bool(NAME, True) is True
    assert env.env_int(NAME, 7) == 7
    assert env.env_list(NAME, ["a"]) == ["a"]
    assert env.env_list(NAME) == []


def test_file_secret_is_read_and_stripped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("  bí-mật-từ-tệp\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env.raw(NAME) == "bí-mật-từ-tệp"
    assert env.env_str(NAME, "x") == "bí-mật-từ-tệp"


def test_explicit_value_wins_over_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    monkeypatch.setenv(NAME, "from-env")
    assert env.env_str(NAME) == "from-env"


def test_unreadable_file_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(EnvError, match=f"{NAME}_FILE"):
        env.env_str(NAME)


def test_file_works_for_typed_readers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    value = tmp_path / "value"
    monkeypatch.setenv(f"{NAME}_FILE", str(value))
    value.write_text("42\n", encoding="utf-8")
    assert env.env_int(NAME, 0) == 42
    value.write_text("yes\n", encoding="utf-8")
    assert env.env_bool(NAME) is True
    value.write_text("key-1, key-2\n", encoding="utf-8")
    assert env.env_list(NAME) == ["key-1", "key-2"]


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "On", " on "])
def test_bool_true_words(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv(NAME, word)
    assert env.env_bool(NAME, False) is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off", ""])
def test_bool_false_words(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv(NAME, word)
    assert env.env_bool(NAME, True) is False


@pytest.mark.parametrize("word", ["2", "maybe", "có", "y"])
def test_bool_rejects_other_words(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv(NAME, word)
    with pytest.raises(EnvError, match=NAME):
        env.env_bool(NAME)


def test_int_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " 120 ")
    assert env.env_int(NAME, 0) == 120
    monkeypatch.setenv(NAME, "-3")
    assert env.env_int(NAME, 0) == -3
    monkeypatch.setenv(NAME, "")
    assert env.env_int(NAME, 9) == 9


@pytest.mark.parametrize("word", ["ten", "1.5", "5s"])
def test_int_rejects_non_integers(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv(NAME, word)
    with pytest.raises(EnvError, match=NAME):
        env.env_int(NAME, 0)


def test_list_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " a.vn , b.vn,,c.vn , ")
    assert env.env_list(NAME, ["default"]) == ["a.vn", "b.vn", "c.vn"]
    monkeypatch.setenv(NAME, "")
    assert env.env_list(NAME, ["default"]) == []  # set but empty means an empty list, not the default


def test_env_error_is_a_value_error() -> None:
    assert issubclass(EnvError, ValueError)
