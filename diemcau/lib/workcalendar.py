"""Vietnamese working time: how many working seconds lie between two instants.

SLA targets that run "on working hours" count only the time when offices are
open: Monday to Friday, within the hours the province sets (with the lunch
break), minus the public holidays of the ``holidays`` package (VN, which
already knows Tết by the lunar calendar and the weekend days swapped into
working days it has been told about), minus the extra days off and plus the
swapped working days the Prime Minister fixes each year, which the
department types in (they arrive as ``extra_holidays`` / ``extra_working_days``).

Targets that run around the clock use ``AroundTheClock``, which has the same
two methods. Both take and return aware datetimes; the arithmetic is done in
the province's local time (Vietnam has no daylight saving, so local days are
always 24 hours long).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Offices in the northern mountain provinces: 7:00–11:30 and 13:30–17:00.
DEFAULT_HOURS = "07:00-11:30,13:30-17:00"
# Never look further than this for the end of a target (a target of a few
# working days never needs more; a broken calendar with no working day must
# not loop forever).
_MAX_DAYS = 3 * 366


def parse_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """``"07:00-11:30,13:30-17:00"`` → ((07:00, 11:30), (13:30, 17:00)); checked for order."""
    spans = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            begin, end = (dt.time.fromisoformat(p.strip()) for p in part.split("-"))
        except ValueError:
            raise ValueError(f"Working hours must look like 07:00-11:30,13:30-17:00, not {text!r}")
        if begin >= end or (spans and begin < spans[-1][1]):
            raise ValueError(f"Working-hour spans must be increasing and not overlap: {text!r}")
        spans.append((begin, end))
    if not spans:
        raise ValueError("At least one span of working hours is needed.")
    return tuple(spans)


@lru_cache(maxsize=64)
def _vietnam_year(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Public holidays and weekend days worked instead, from the ``holidays`` package."""
    calendar = holidays.country_holidays("VN", years=[year])
    return frozenset(calendar.keys()), frozenset(getattr(calendar, "weekend_workdays", ()) or ())


class AroundTheClock:
    """Every second counts: critical incidents and incidents during important meetings."""

    around_the_clock = True

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        return max(0, int((end - start).total_seconds()))

    def add_working_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        return start + dt.timedelta(seconds=max(0, seconds))


class WorkCalendar:
    """Working hours on Vietnamese working days.

    ``extra_holidays`` are days off the package does not know (a swapped
    bridge day, a provincial holiday); ``extra_working_days`` are days worked
    in exchange (usually a Saturday). A date in both counts as working: the
    swap decision is the more specific one.
    """

    around_the_clock = False

    def __init__(self, *, hours: str = DEFAULT_HOURS, extra_holidays: Iterable[dt.date] = (),
                 extra_working_days: Iterable[dt.date] = (), tz: dt.tzinfo = VIETNAM):
        self.spans = parse_hours(hours)
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)
        self.tz = tz
        self.day_seconds = sum(
            (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, begin)).seconds
            for begin, end in self.spans)
        # Per year: how many working days before each day of the year (built when first needed).
        self._working_days_before: dict[int, list[int]] = {}

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        public, weekend_worked = _vietnam_year(day.year)
        if day in public:
            return False
        if day in weekend_worked:
            return True
        return day.weekday() < 5

    def day_spans(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working spans of one local day as aware datetimes (none on a day off)."""
        if not self.is_working_day(day):
            return
        for begin, end in self.spans:
            yield (dt.datetime.combine(day, begin, tzinfo=self.tz), dt.datetime.combine(day, end, tzinfo=self.tz))

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds in [start, end); zero when end is not after start.

        The first and the last day are counted span by span; the whole days
        between are working days × hours a day, from a per-year count (a clock
        left open for months costs no more than one open for a day).
        """
        if end <= start:
            return 0
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        first, last = start.date(), end.date()
        if first == last:
            return int(self._overlap(first, start, end))
        whole_days = self.working_days_between(first + dt.timedelta(days=1), last)
        return int(self._overlap(first, start, end) + whole_days * self.day_seconds + self._overlap(last, start, end))

    def _overlap(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> float:
        total = 0.0
        for begin, finish in self.day_spans(day):
            overlap = (min(finish, end) - max(begin, start)).total_seconds()
            if overlap > 0:
                total += overlap
        return total

    def working_days_between(self, first: dt.date, stop: dt.date) -> int:
        """Working days in [first, stop)."""
        if stop <= first:
            return 0
        index = lambda day: day.timetuple().tm_yday - 1  # noqa: E731
        if first.year == stop.year:
            table = self._year_table(first.year)
            return table[index(stop)] - table[index(first)]
        total = self._year_table(first.year)[-1] - self._year_table(first.year)[index(first)]
        total += sum(self._year_table(year)[-1] for year in range(first.year + 1, stop.year))
        return total + self._year_table(stop.year)[index(stop)]

    def _year_table(self, year: int) -> list[int]:
        """``table[i]``: working days of ``year`` before its (i+1)-th day; the last item is the year's total."""
        table = self._working_days_before.get(year)
        if table is None:
            table, count, day = [], 0, dt.date(year, 1, 1)
            while day.year == year:
                table.append(count)
                count += self.is_working_day(day)
                day += dt.timedelta(days=1)
            table.append(count)
            self._working_days_before[year] = table
        return table

    def add_working_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The instant when ``seconds`` of working time have passed after ``start``.

        A target that ends exactly at the close of a span ends there (11:30),
        not at the start of the next one.
        """
        original_tz = start.tzinfo
        cursor = start.astimezone(self.tz)
        remaining = dt.timedelta(seconds=max(0, seconds))
        if not remaining:
            return start
        day = cursor.date()
        for _ in range(_MAX_DAYS):
            for begin, finish in self.day_spans(day):
                begin = max(begin, cursor)
                if begin >= finish:
                    continue
                available = finish - begin
                if available >= remaining:
                    return (begin + remaining).astimezone(original_tz)
                remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("No working time found within three years: check the working calendar.")
