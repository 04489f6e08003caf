"""The Vietnamese working calendar, each figure worked out by hand."""

import datetime as dt

import pytest

from diemcau.incidents.tests.conftest import local
from diemcau.lib.workcalendar import AroundTheClock, WorkCalendar, parse_hours

HOURS = "07:00-11:30,13:30-17:00"  # 8 working hours a day


def test_it_counts_only_working_hours_within_a_day():
    cal = WorkCalendar(hours=HOURS)
    # 10:00 → 15:00 Monday: 10:00–11:30 (1.5 h) + 13:30–15:00 (1.5 h) = 3 h.
    assert cal.working_seconds(local(2026, 3, 9, 10, 0), local(2026, 3, 9, 15, 0)) == 3 * 3600


def test_it_skips_the_weekend():
    cal = WorkCalendar(hours=HOURS)
    # Friday 16:00 → Monday 08:00 = 1 h Friday + 1 h Monday.
    assert cal.working_seconds(local(2026, 3, 6, 16, 0), local(2026, 3, 9, 8, 0)) == 2 * 3600
    assert cal.add_working_seconds(local(2026, 3, 6, 16, 30), 3600) == local(2026, 3, 9, 7, 30)


def test_a_target_ending_at_the_lunch_break_ends_at_1130_not_after_lunch():
    cal = WorkCalendar(hours=HOURS)
    assert cal.add_working_seconds(local(2026, 3, 9, 11, 0), 30 * 60) == local(2026, 3, 9, 11, 30)
    assert cal.add_working_seconds(local(2026, 3, 9, 11, 0), 31 * 60) == local(2026, 3, 9, 13, 31)


def test_time_reported_during_lunch_starts_counting_at_1330():
    cal = WorkCalendar(hours=HOURS)
    assert cal.add_working_seconds(local(2026, 3, 9, 12, 15), 15 * 60) == local(2026, 3, 9, 13, 45)


def test_tet_from_the_holidays_package_is_not_working_time():
    cal = WorkCalendar(hours=HOURS)
    # Tết Bính Ngọ: Mon 16 – Fri 20 Feb 2026 are public holidays, 14–15 and 21–22 are weekends.
    assert not any(cal.is_working_day(dt.date(2026, 2, d)) for d in range(14, 23))
    # Friday 13 Feb 16:00 + 2 h → Monday 23 Feb 08:00.
    assert cal.add_working_seconds(local(2026, 2, 13, 16, 0), 2 * 3600) == local(2026, 2, 23, 8, 0)


def test_manual_days_off_and_swapped_saturdays_are_honoured():
    cal = WorkCalendar(hours=HOURS, extra_holidays={dt.date(2026, 2, 23)},
                       extra_working_days={dt.date(2026, 2, 28)})
    assert not cal.is_working_day(dt.date(2026, 2, 23))
    assert cal.is_working_day(dt.date(2026, 2, 28))
    assert cal.add_working_seconds(local(2026, 2, 13, 16, 0), 2 * 3600) == local(2026, 2, 24, 8, 0)


def test_weekend_days_the_package_knows_are_worked_count():
    # The package records Saturday 22 Aug 2026 as worked in exchange for Monday 31 Aug.
    cal = WorkCalendar(hours=HOURS)
    assert cal.is_working_day(dt.date(2026, 8, 22))
    assert not cal.is_working_day(dt.date(2026, 8, 31))


def test_around_the_clock_counts_every_second():
    cal = AroundTheClock()
    assert cal.working_seconds(local(2026, 3, 7, 22, 0), local(2026, 3, 8, 2, 0)) == 4 * 3600
    assert cal.add_working_seconds(local(2026, 3, 7, 22, 0), 900) == local(2026, 3, 7, 22, 15)


def test_bad_hours_are_refused():
    with pytest.raises(ValueError):
        parse_hours("13:00-11:00")
    with pytest.raises(ValueError):
        parse_hours("07:00-12:00,11:00-17:00")
    with pytest.raises(ValueError):
        parse_hours("")


def test_whole_days_counted_from_the_year_tables_equal_a_day_by_day_count():
    """The fast count (working days × hours between the first and last day) against a plain day-by-day walk."""
    import random

    cal = WorkCalendar(hours=HOURS, extra_holidays={dt.date(2026, 2, 23), dt.date(2027, 1, 4)},
                       extra_working_days={dt.date(2026, 3, 14), dt.date(2026, 12, 26)})

    def walk(start, end):
        total, day = 0.0, start.date()
        while day <= end.date():
            for begin, finish in cal.day_spans(day):
                total += max(0.0, (min(finish, end) - max(begin, start)).total_seconds())
            day += dt.timedelta(days=1)
        return int(total)

    rng = random.Random(11)
    origin = local(2025, 12, 20, 0, 0)
    for _ in range(400):
        start = origin + dt.timedelta(minutes=rng.randint(0, 600 * 24 * 60))
        end = start + dt.timedelta(minutes=rng.choice([rng.randint(0, 3000), rng.randint(0, 500 * 24 * 60)]))
        assert cal.working_seconds(start, end) == walk(start, end), (start, end)
    # Tết 2027 (4–10 February off): Wednesday 3 Feb 16:00 → Thursday 11 Feb 08:00 = 1 h + 1 h.
    assert cal.working_seconds(local(2027, 2, 3, 16, 0), local(2027, 2, 11, 8, 0)) == 2 * 3600
