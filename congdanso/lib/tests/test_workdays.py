"""Working days in Vietnam: weekends, solar holidays, lunar Tết, swapped Saturdays, time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from congdanso.lib.workdays import (
    add_working_days,
    add_working_time,
    holiday_name,
    is_working_day,
    working_days_between,
)

D = dt.date
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC


def tet_days(year: int) -> list[dt.date]:
    """The Tết days the ``holidays`` package lists for Vietnam in ``year`` (lunar, so they move every year)."""
    calendar = holidays.country_holidays("VN", years=year)
    return sorted(day for day, name in calendar.items() if "Lunar New Year" in name)


def test_the_holidays_package_knows_tet_2027() -> None:
    # Tết Đinh Mùi: 1st day of the 1st lunar month is Saturday 6 February 2027; the statutory break runs
    # from the 29th of the last lunar month to the 5th day of the new year.
    assert tet_days(2027) == [D(2027, 2, 4) + dt.timedelta(days=i) for i in range(7)]


def test_calendar_skips_every_tet_day_of_2027() -> None:
    days = tet_days(2027)
    assert days, "the holidays package must list Tết 2027"
    for day in days:
        assert not is_working_day(day), day
        assert holiday_name(day) is not None
    assert holiday_name(D(2027, 2, 6)) == "Lunar New Year"
    # The day before and the day after the break are ordinary working days.
    assert is_working_day(D(2027, 2, 3))
    assert is_working_day(D(2027, 2, 11))


def test_add_working_days_jumps_over_tet() -> None:
    assert add_working_days(D(2027, 2, 3), 1) == D(2027, 2, 11)
    assert add_working_days(D(2027, 2, 3), 2) == D(2027, 2, 12)
    # Friday 12 Feb + 1 working day: over the weekend to Monday 15 Feb.
    assert add_working_days(D(2027, 2, 3), 3) == D(2027, 2, 15)
    # Starting inside the break.
    assert add_working_days(D(2027, 2, 6), 1) == D(2027, 2, 11)


@pytest.mark.parametrize(
    ("day", "name_part"),
    [
        (D(2027, 1, 1), "New Year"),
        (D(2027, 4, 30), "Liberation"),  # 30/4, a Friday in 2027
        (D(2026, 5, 1), "Labor"),  # 1/5, a Friday in 2026
        (D(2027, 9, 2), "National Day"),  # 2/9, a Thursday in 2027
        (D(2027, 9, 3), "National Day"),  # and the day next to it
        (D(2027, 4, 16), "Hung Kings"),  # 10th of the 3rd lunar month
    ],
)
def test_solar_and_lunar_public_holidays_are_days_off(day: dt.date, name_part: str) -> None:
    assert day.weekday() < 5, "pick weekdays so the holiday itself is what makes them days off"
    assert not is_working_day(day)
    assert name_part in (holiday_name(day) or "")


def test_holiday_on_a_saturday_gives_the_observed_monday_off() -> None:
    # 1/5/2027 is a Saturday; the Labour Code moves the day off to Monday 3/5.
    assert D(2027, 5, 1).weekday() == 5
    assert not is_working_day(D(2027, 5, 3))
    assert working_days_between(D(2027, 4, 29), D(2027, 5, 4)) == 1  # only Tuesday 4/5


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(D(2027, 3, 13))  # Saturday
    assert not is_working_day(D(2027, 3, 14))  # Sunday
    assert is_working_day(D(2027, 3, 15))  # Monday
    assert add_working_days(D(2027, 3, 12), 1) == D(2027, 3, 15)  # Friday + 1 -> Monday


def test_saturday_swapped_into_a_working_day_counts() -> None:
    # 2025: Saturday 26/4 was worked so that Friday 2/5 could be a day off (a five-day 30/4–1/5 break).
    assert D(2025, 4, 26).weekday() == 5
    assert is_working_day(D(2025, 4, 26))
    assert not is_working_day(D(2025, 5, 2))
    assert add_working_days(D(2025, 4, 25), 1) == D(2025, 4, 26)
    assert add_working_days(D(2025, 4, 29), 1) == D(2025, 5, 5)


def test_every_weekend_workday_the_package_knows_is_a_working_day() -> None:
    calendar = holidays.country_holidays("VN", years=range(2024, 2028))
    swapped = [day for day in calendar.weekend_workdays if 2024 <= day.year <= 2027]
    assert swapped
    for day in swapped:
        assert is_working_day(day), day


def test_extra_days_off_from_the_deployment() -> None:
    extra = [D(2027, 3, 16)]
    assert is_working_day(D(2027, 3, 16))
    assert not is_working_day(D(2027, 3, 16), extra)
    assert add_working_days(D(2027, 3, 15), 1, extra) == D(2027, 3, 17)
    # A generator is accepted too (used once, not exhausted half-way).
    assert working_days_between(D(2027, 3, 15), D(2027, 3, 19), (d for d in extra)) == 3


def test_working_days_between() -> None:
    assert working_days_between(D(2027, 2, 3), D(2027, 2, 3)) == 0
    assert working_days_between(D(2027, 2, 3), D(2027, 2, 12)) == 2  # only 11 and 12 Feb after Tết
    assert working_days_between(D(2027, 2, 12), D(2027, 2, 3)) == -2
    assert working_days_between(D(2027, 3, 12), D(2027, 3, 19)) == 5  # Fri -> Fri
    # Consistent with add_working_days.
    for n in (1, 5, 10, 30):
        assert working_days_between(D(2027, 1, 29), add_working_days(D(2027, 1, 29), n)) == n


def test_zero_days_is_the_start_and_negative_is_refused() -> None:
    assert add_working_days(D(2027, 2, 6), 0) == D(2027, 2, 6)
    with pytest.raises(ValueError):
        add_working_days(D(2027, 2, 6), -1)


def test_across_new_year_boundary() -> None:
    # Thursday 31/12/2026 + 1: Friday 1/1/2027 is New Year's Day, then a weekend.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_add_working_time_keeps_clock_time_and_zone() -> None:
    start = dt.datetime(2027, 2, 3, 14, 30, tzinfo=HCMC)
    due = add_working_time(start, 1)
    assert due == dt.datetime(2027, 2, 11, 14, 30, tzinfo=HCMC)
    assert due.tzinfo is HCMC
    assert due.utcoffset() == dt.timedelta(hours=7)


def test_add_working_time_counts_days_in_vietnam_for_a_utc_moment() -> None:
    # 23:00 UTC on Friday 8/1/2027 is 06:00 on Saturday 9/1 in Ho Chi Minh City: one working day later is
    # Monday 11/1 at 06:00 local time, not Tuesday.
    start = dt.datetime(2027, 1, 8, 23, 0, tzinfo=UTC)
    due = add_working_time(start, 1)
    assert due.tzinfo is UTC
    assert due.astimezone(HCMC) == dt.datetime(2027, 1, 11, 6, 0, tzinfo=HCMC)
    assert due == dt.datetime(2027, 1, 10, 23, 0, tzinfo=UTC)


def test_add_working_time_with_a_naive_datetime_stays_naive() -> None:
    due = add_working_time(dt.datetime(2027, 2, 3, 9, 15), 3)
    assert due == dt.datetime(2027, 2, 15, 9, 15)
    assert due.tzinfo is None
