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
