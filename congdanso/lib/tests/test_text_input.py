"""The one normaliser of text from outside: refuses, never silently strips; NFC; trims; XML-safe output."""

from __future__ import annotations

import pytest

from congdanso.lib.text import TextRejected, clean_text, problem, xml_safe


@pytest.mark.parametrize(("value", "code"), [
    ("a\x00b", "nul"), ("a\x01", "control"), ("\x1b[31m", "control"), ("x\x7f", "control"), ("x\x85", "control"),
    ("\ud800", "surrogate"), ("ok\udc00", "surrogate"), ("\ufffe", "control"),
    ("\u200b", "invisible"), ("\u200b\u200c\u200d\u2060\ufeff", "invisible"), ("\u3164", "invisible"),
    ("\u2800 \u00ad", "invisible"), ("\u0301", "invisible"),
])
def test_refused(value, code):
    assert problem(value) == code
    with pytest.raises(TextRejected) as caught:
        clean_text(value)
    assert caught.value.code == code


@pytest.mark.parametrize(("value", "clean"), [
    ("  Ổ gà  ", "Ổ gà"), ("O\u031b\u0309 ga\u0300", "Ở gà"), ("\ufeffxin chào\u200b", "xin chào"),
    ("dòng 1\r\ndòng 2\rdòng 3", "dòng 1\ndòng 2\ndòng 3"), ("a\tb", "a\tb"), ("   ", ""), ("", ""), (None, ""),
    ("नमस्ते", "नमस्ते"),  # ends with a combining mark: kept, it belongs to the letter before it
])
def test_normalised(value, clean):
    assert clean_text(value) == clean


def test_single_line_length_and_required():
    assert clean_text("a\nb", multiline=False) == "a b"
    with pytest.raises(TextRejected) as caught:
        clean_text("x" * 11, max_length=10)
    assert caught.value.code == "too_long" and caught.value.limit == 10
    assert clean_text("  " + "x" * 10 + "  ", max_length=10) == "x" * 10  # length after trimming
    with pytest.raises(TextRejected) as caught:
        clean_text(" \n ", required=True)
    assert caught.value.code == "required"


def test_xml_safe_replaces_what_xml_forbids_and_keeps_the_rest():
    assert xml_safe("a\x00b\x01\ud800\tc\n") == "a\ufffdb\ufffd\ufffd\tc\n"
    assert xml_safe("Đường <&> \u200b") == "Đường <&> \u200b"
