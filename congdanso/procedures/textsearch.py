"""Pure helpers of the catalogue search (no models, no database): the folded search key, the query words, the
engine-specific query strings, and the parser of free-text deadlines.

Both sides of a search go through ``search_key``: the stored ``name_key``/``search_text`` columns and the resident's
query. It folds Vietnamese (``lib.text.fold``: no diacritics, lower case), turns punctuation into spaces, and writes
``y`` as ``i`` — "đăng kí" and "đăng ký" are both accepted spellings, as are "lí"/"lý", so a resident who types either
finds both.
"""

from __future__ import annotations

import re
from decimal import Decimal

from congdanso.lib.text import fold

_NOT_WORD = re.compile(r"[^0-9a-z]+")
MAX_WORDS = 8
MAX_QUERY = 100


def search_key(text: str | None) -> str:
    """``"Đăng ký khai sinh (lưu động)"`` → ``"dang ki khai sinh luu dong"``."""
    folded = fold(text).replace("y", "i")
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def query_words(query: str | None) -> list[str]:
    """The words of a resident's query, folded, at most ``MAX_WORDS`` (the rest is ignored), duplicates dropped."""
    seen: list[str] = []
    for word in search_key((query or "")[:MAX_QUERY]).split():
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


PREFIX_FROM = 3  # shorter words are whole syllables ("so", "do", "ki"): matched as words, not as prefixes


def tsquery(words: list[str]) -> str:
    """PostgreSQL ``to_tsquery('simple', …)`` text: every word required; words of three letters or more as
    prefixes ("sin" finds "sinh"), shorter ones as whole words ("do" does not find every "doanh", "đổi", "độ").
    Words are ``[0-9a-z]+`` only (``search_key``), so nothing in them is tsquery syntax."""
    return " & ".join(f"{w}:*" if len(w) >= PREFIX_FROM else w for w in words)


def trigrams(word: str) -> list[str]:
    """The trigrams of one word padded with a space on each side, as pg_trgm counts them (" ki", "ki ")."""
    padded = f" {word} "
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def fts5_match(words: list[str], *, every_word: bool) -> str:
    """SQLite FTS5 (trigram tokenizer) MATCH text. Each word becomes the OR of its padded trigrams, so a word with
    a typo still meets the words it shares trigrams with; ``every_word`` joins the words with AND (each word must
    meet the text somewhere, in any order), else with OR (the fallback when that finds nothing)."""
    groups = []
    for word in words:
        grams = sorted(set(trigrams(word)))
        groups.append("(" + " OR ".join(f'"{g}"' for g in grams) + ")")
    return (" AND " if every_word else " OR ").join(groups)


# --- deadlines ----------------------------------------------------------------------------------------------------

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_WORKING = re.compile(_NUMBER + r"\s*(?:\(.*?\)\s*)?ngay\s+lam\s+viec")
_HOURS = re.compile(_NUMBER + r"\s*(?:\(.*?\)\s*)?gio\s+lam\s+viec")
_SAME_DAY = re.compile(r"\b(trong ngay|ngay trong ngay|ngay khi nhan)\b")


def parse_working_days(text: str | None) -> Decimal | None:
    """The number of working days a free-text deadline names, or None when it names none that can be counted:
    "05 ngày làm việc" → 5, "Trong ngày" → 0.5 (a half day: the same working day), "08 giờ làm việc" → 1,
    "15 ngày" (calendar days) → None, "Không quy định" → None. The first figure wins ("03 ngày làm việc; trường hợp
    phải xác minh thì không quá 05 ngày làm việc" → 3)."""
    folded = fold(text)
    if not folded:
        return None
    found = _WORKING.search(folded)
    if found:
        return Decimal(found.group(1).replace(",", "."))
    hours = _HOURS.search(folded)
    if hours:
        value = Decimal(hours.group(1).replace(",", "."))
        return max(Decimal("0.5"), Decimal(round(value / 4)) / 2)  # to the nearest half day
    if _SAME_DAY.search(folded):
        return Decimal("0.5")
    return None
