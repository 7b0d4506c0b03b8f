"""Vietnamese telephone numbers: the one parser of a number typed by a person (hotline officers, later residents).

A number is accepted in the ways people write it — ``0912 345 678``, ``091.234.5678``, ``(091) 234-5678``,
``+84 912 345 678``, ``84912345678``, ``0084 912 345 678`` — and kept in one form, E.164 (``+84912345678``), which SMS
gateways take and which compares equal however it was typed.

- **Mobile**: 10 digits in the national form, ``0`` then a mobile prefix (since the 2018 renumbering: 03x, 05x, 07x,
  08x, 09x; the ranges allocated to operators below).
- **Fixed line**: 11 digits, ``02`` then the area code and the subscriber number (``028 3823 4567`` in Ho Chi Minh
  City). A fixed line can be called back, never sent an SMS.

Anything else (too short or long, letters, another country's code, 1022-style short numbers) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Second and third national digits of mobile numbers allocated to operators (Viettel 032-039, 086, 096-098;
# VinaPhone 081-085, 088, 091, 094; MobiFone 070, 076-079, 089, 090, 093; Vietnamobile 052, 056, 058, 092;
# Gmobile 059, 099; Itelecom 087; Reddi 055; and the other 09x blocks).
MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")
FIXED = re.compile(r"^02\d{9}$")
_SEPARATORS = re.compile(r"[\s.\-()/\u00a0]+")


class PhoneRejected(ValueError):
    """Not a Vietnamese telephone number (``reason``: ``empty``, ``characters``, ``foreign`` or ``invalid``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Phone:
    e164: str  # "+84912345678"
    mobile: bool

    @property
    def national(self) -> str:
        """``0912345678``: how the number is dialled inside Viet Nam."""
        return "0" + self.e164[3:]

    @property
    def display(self) -> str:
        """``0912 345 678`` (mobile) or ``028 3823 4567`` (fixed line): easy to read out on the telephone."""
        n = self.national
        if self.mobile:
            return f"{n[:4]} {n[4:7]} {n[7:]}"
        return f"{n[:3]} {n[3:7]} {n[7:]}"


def parse(text: str | None) -> Phone:
    """The number in ``text``, or PhoneRejected."""
    raw = _SEPARATORS.sub("", text or "")
    if not raw:
        raise PhoneRejected("empty")
    if raw.startswith("+"):
        digits = raw[1:]
        international = True
    else:
        digits = raw
        international = False
        if digits.startswith("00"):
            digits, international = digits[2:], True
    if not digits.isascii() or not digits.isdigit():
        raise PhoneRejected("characters")
    if international or (digits.startswith("84") and len(digits) in (11, 12)):
        if not digits.startswith("84"):
            raise PhoneRejected("foreign")
        digits = digits[2:]
        if digits.startswith("0"):  # "+84 0912 345 678": the trunk zero written as well
            digits = digits[1:]
        national = "0" + digits
    else:
        national = digits
    if MOBILE.match(national):
        return Phone("+84" + national[1:], mobile=True)
    if FIXED.match(national):
        return Phone("+84" + national[1:], mobile=False)
    raise PhoneRejected("invalid")


def display(e164: str) -> str:
    """A stored number (any form) as people read it; the text itself when it is not a Vietnamese number."""
    try:
        return parse(e164).display
    except PhoneRejected:
        return e164
