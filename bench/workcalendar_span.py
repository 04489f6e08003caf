"""Working seconds over long spans: the per-year tables against a plain day-by-day walk.

    DEBUG=1 .venv/bin/python bench/workcalendar_span.py

Every page that shows an open SLA clock counts the working time from where the
clock started counting to now; an incident left open for months must not make
its page slow. Prints the median of 200 calls (tables) and 20 calls (walk) per
span length, checks both give the same seconds, and the ratio.
"""

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diemcau.lib.workcalendar import VIETNAM, WorkCalendar  # noqa: E402


def walk(cal, start, end):
    total, day = 0.0, start.date()
    while day <= end.date():
        for begin, finish in cal.day_spans(day):
            total += max(0.0, (min(finish, end) - max(begin, start)).total_seconds())
        day += dt.timedelta(days=1)
    return int(total)


def median_seconds(call, args, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    cal = WorkCalendar()
    end = dt.datetime(2026, 12, 1, 9, 0, tzinfo=VIETNAM)
    print(f"{'span':>10}{'tables µs':>12}{'walk µs':>12}{'ratio':>9}")
    for days in (1, 30, 365, 3 * 365):
        start = end - dt.timedelta(days=days, minutes=17)
        assert cal.working_seconds(start, end) == walk(cal, start, end)
        fast = median_seconds(cal.working_seconds, (start, end), 200)
        slow = median_seconds(walk, (cal, start, end), 20)
        print(f"{days:>7} d{fast * 1e6:>12.1f}{slow * 1e6:>12.1f}{slow / fast:>9.1f}")


if __name__ == "__main__":
    main()
