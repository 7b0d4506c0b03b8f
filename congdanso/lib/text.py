"""Vietnamese text folding for search: lower case, no diacritics, single spaces.

``fold("Đường Nguyễn Huệ") == "duong nguyen hue"``. Đ/đ is not a combining mark in Unicode, so NFD alone leaves it:
it is mapped explicitly.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


# --- text from outside: one normaliser for every channel (DESIGN.md, convention 11) ------------------------------
#
# Refused, never silently stripped: NUL and the other C0 controls except tab, LF and CR; DEL and the C1 controls;
# lone surrogates (a JSON "\ud800" escape decodes to one, and no encoder can write it); U+FFFE/U+FFFF, which XML 1.0
# forbids. Whatever passes can be stored by PostgreSQL and SQLite and written into any XML or JSON document.

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Code points that draw nothing but are not whitespace: fillers that many fonts leave blank.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc", "Zs", "Zl", "Zp"})
# Characters XML 1.0 does not allow anywhere (the same set as _FORBIDDEN minus tab/LF/CR, which XML allows).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class TextRejected(ValueError):
    """``code``: ``nul``, ``control``, ``surrogate`` (bad characters), ``invisible`` (nothing visible),
    ``required`` (empty after trimming), ``too_long``."""

    def __init__(self, code: str, *, limit: int | None = None):
        super().__init__(code)
        self.code = code
        self.limit = limit


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_GLYPHS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def problem(value: str) -> str | None:
    """Why ``value`` may not be accepted from outside at all (``nul``, ``control``, ``surrogate``, ``invisible``), or
    None. Text made only of whitespace is not a problem here (it is blank: required-ness is the field's business)."""
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        ch = bad.group()
        if ch == "\x00":
            return "nul"
        return "surrogate" if "\ud800" <= ch <= "\udfff" else "control"
    if value.isascii():
        return None
    if all(_invisible(ch) for ch in value) and not value.isspace():
        return "invisible"
    return None


def _blank_edge(ch: str) -> bool:
    # Not combining marks: one at the end belongs to the letter before it.
    return ch.isspace() or ch in _BLANK_GLYPHS or unicodedata.category(ch) == "Cf"


def _trim(value: str) -> str:
    start, end = 0, len(value)
    while start < end and _blank_edge(value[start]):
        start += 1
    while end > start and _blank_edge(value[end - 1]):
        end -= 1
    return value[start:end]


def clean_text(value: str | None, *, max_length: int | None = None, required: bool = False,
               multiline: bool = True) -> str:
    """The one normaliser of text from outside: refuses what ``problem`` refuses, then NFC, CRLF/CR → LF (single-line
    fields: any line break → a space), invisible characters trimmed from both ends, length checked after all that.
    Raises ``TextRejected``."""
    if value is None:
        value = ""
    code = problem(value)
    if code is not None:
        raise TextRejected(code)
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = value.replace("\n", " ")
    value = _trim(value)
    if required and not value:
        raise TextRejected("required")
    if max_length is not None and len(value) > max_length:
        raise TextRejected("too_long", limit=max_length)
    return value


def xml_safe(value: str) -> str:
    """``value`` with every character XML 1.0 forbids replaced by U+FFFD, so that a row stored before the input rules
    (or written by a path that skipped them) can never make an XML document unreadable."""
    return _NOT_XML.sub("\ufffd", value)


# --- matching what a resident types against known phrases (category names and synonyms) --------------------------
#
# Diacritics are ignored where the resident left them out, and respected where they typed them: "cong" matches
# "cống" and "công", "cống" matches only "cống"; "chó" never matches "chờn". Each letter is a base letter and a set
# of marks (đ is d with a stroke); a typed letter matches a letter with the same base and at least its marks, so
# "cô" (half-way through typing "cố" with Telex) still matches "cống". The same rule runs in the browser
# (reports/static/reports/combobox.js); change both together.

_WORD = re.compile(r"\w+")


def _letter(ch: str) -> tuple[str, frozenset[str]]:
    if ch in "đĐ":
        return "d", frozenset({"stroke"})
    decomposed = unicodedata.normalize("NFD", ch.casefold())
    return decomposed[:1], frozenset(decomposed[1:])


def words(text: str | None) -> list[str]:
    """The lower-case words of ``text`` with their diacritics (NFC)."""
    return _WORD.findall(unicodedata.normalize("NFC", text or "").casefold())


def word_matches(typed: str, word: str, *, prefix: bool = True) -> bool:
    """Does the typed word match ``word`` (its beginning when ``prefix``), by the rule above?"""
    if len(typed) > len(word) or (not prefix and len(typed) != len(word)):
        return False
    for a, b in zip(typed, word, strict=False):
        base_a, marks_a = _letter(a)
        base_b, marks_b = _letter(b)
        if base_a != base_b or not marks_a <= marks_b:
            return False
    return True


def phrase_rank(typed: list[str], phrase: list[str]) -> int | None:
    """How well the typed words match one phrase: 0 the whole phrase (every word whole), 1 its beginning, 2 a run
    of its words, 3 all typed words somewhere in it, None not all of them. Every word but the last must match a
    whole word."""
    if not typed or not phrase:
        return None

    def hit(i: int, word: str) -> bool:
        return word_matches(typed[i], word, prefix=i == len(typed) - 1)

    n = len(typed)
    for start in range(len(phrase) - n + 1):
        if all(hit(i, phrase[start + i]) for i in range(n)):
            if start == 0:
                whole = n == len(phrase) and word_matches(typed[-1], phrase[-1], prefix=False)
                return 0 if whole else 1
            return 2
    if all(any(hit(i, w) for w in phrase) for i in range(n)):
        return 3
    return None


def search_text(text: str | None) -> str:
    """What a search column stores: the folded words of ``text`` between single spaces, with a space before the
    first and after the last, so that ``LIKE '% word%'`` finds words that begin with ``word`` (not ``o`` inside
    ``cho``): ``search_text("Ổ gà, cống!") == " o ga cong "``."""
    found = _WORD.findall(fold(text))
    return f" {' '.join(found)} " if found else ""
