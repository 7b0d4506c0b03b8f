"""Working days in Vietnam: Monday–Friday, less public holidays (solar and lunar, e.g. Tết), via ``holidays``.

Deadlines such as "5 working days" are counted here. Extra days off that the government announces each year
(compensatory days, swapped working Saturdays) are covered by the ``holidays`` package where it knows them;
``extra_days_off`` lets a deployment add more without a code change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def holiday_name(day: dt.date) -> str | None:
    return holidays.country_holidays("VN", years=day.year).get(day)


def is_working_day(day: dt.date, extra_days_off: Iterable[dt.date] = ()) -> bool:
    if day.weekday() >= 5:
        return False
    return day not in _holidays_for(day.year) and day not in set(extra_days_off)


def add_working_days(start: dt.date, days: int, extra_days_off: Iterable[dt.date] = ()) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    off = set(extra_days_off)
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current, off):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date, extra_days_off: Iterable[dt.date] = ()) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start, extra_days_off)
    off = set(extra_days_off)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current, off):
            count += 1
    return count


def add_working_time(start: dt.datetime, days: int, extra_days_off: Iterable[dt.date] = ()) -> dt.datetime:
    """A due moment: the same clock time, ``days`` working days later (aware datetimes keep their zone)."""
    due_day = add_working_days(start.date(), days, extra_days_off)
    return start.replace(year=due_day.year, month=due_day.month, day=due_day.day)
