"""Working days in Vietnam: Monday–Friday, less public holidays (solar and lunar, e.g. Tết), via ``holidays``.

Deadlines such as "5 working days" are counted here. Extra days off that the government announces each year
(compensatory days) and Saturdays swapped into working days are taken from the ``holidays`` package where it knows
them; ``extra_days_off`` lets a deployment add more without a code change.

Days are counted on the Vietnamese calendar: an aware moment is first seen in Vietnam's time zone
(``LOCAL_ZONE``), so 23:00 UTC on a Friday is already Saturday morning in Ho Chi Minh City.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=64)
def _calendar_for(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days made working days) of one year."""
    calendar = holidays.country_holidays("VN", years=year)
    swapped = frozenset(day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year)
    return frozenset(calendar.keys()), swapped


def holiday_name(day: dt.date) -> str | None:
    return holidays.country_holidays("VN", years=day.year).get(day)


def _is_working_day(day: dt.date, off: set[dt.date] | frozenset[dt.date]) -> bool:
    if day in off:
        return False
    public_holidays, swapped_workdays = _calendar_for(day.year)
    if day in public_holidays:
        return False
    return day.weekday() < 5 or day in swapped_workdays


def is_working_day(day: dt.date, extra_days_off: Iterable[dt.date] = ()) -> bool:
    return _is_working_day(day, set(extra_days_off))


def add_working_days(start: dt.date, days: int, extra_days_off: Iterable[dt.date] = ()) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    off = set(extra_days_off)
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if _is_working_day(current, off):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date, extra_days_off: Iterable[dt.date] = ()) -> int:
    """Working days in (start, end]; negative when end is before start."""
    off = set(extra_days_off)
    if end < start:
        return -working_days_between(end, start, off)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if _is_working_day(current, off):
            count += 1
    return count


def add_working_time(
    start: dt.datetime, days: int, extra_days_off: Iterable[dt.date] = (), zone: dt.tzinfo = LOCAL_ZONE
) -> dt.datetime:
    """A due moment: the same local clock time, ``days`` working days later.

    Days are counted in ``zone`` (Vietnam by default); an aware ``start`` gives an answer in its own time zone, a
    naive ``start`` is taken as local time and gives a naive answer.
    """
    if start.tzinfo is None:
        due_day = add_working_days(start.date(), days, extra_days_off)
        return start.replace(year=due_day.year, month=due_day.month, day=due_day.day)
    local = start.astimezone(zone)
    due_day = add_working_days(local.date(), days, extra_days_off)
    due_local = local.replace(year=due_day.year, month=due_day.month, day=due_day.day)
    return due_local.astimezone(start.tzinfo)
