"""Vietnamese text folding for diacritics-insensitive search."""

from __future__ import annotations

import unicodedata

import pytest

from congdanso.lib.text import fold


def test_street_name_folds_to_plain_lower_case() -> None:
    assert fold("Đường Nguyễn Huệ") == "duong nguyen hue"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("đ", "d"),
        ("Đ", "d"),
        ("ĐẠI LỘ ĐÔNG TÂY", "dai lo dong tay"),
        ("Quận Bình Thạnh", "quan binh thanh"),
        # Stacked marks: a vowel with a hat/horn/breve plus a tone mark.
        ("ệ", "e"),
        ("ữ", "u"),
        ("Phường Bến Thành", "phuong ben thanh"),
        ("Trường Chinh ằẳẵặ ướừửữự", "truong chinh aaaa uouuuu"),
        ("Ỷ Lan", "y lan"),
    ],
)
def test_diacritics_and_d_stroke_are_removed(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_nfc_and_nfd_input_fold_the_same() -> None:
    composed = unicodedata.normalize("NFC", "Đường Nguyễn Huệ, Phường Sài Gòn")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed  # the test really feeds two different code-point sequences
    assert fold(composed) == fold(decomposed) == "duong nguyen hue, phuong sai gon"


def test_whitespace_is_collapsed_and_trimmed() -> None:
    assert fold("  Lê \t Lợi \n\n  Quận 1\u00a0 ") == "le loi quan 1"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_input_gives_empty_string(empty: str | None) -> None:
    assert fold(empty) == ""


def test_digits_and_punctuation_are_kept() -> None:
    assert fold("Số 12/3A, Hẻm 45") == "so 12/3a, hem 45"


def test_folding_is_idempotent() -> None:
    once = fold("Hồ Chí Minh")
    assert fold(once) == once == "ho chi minh"
