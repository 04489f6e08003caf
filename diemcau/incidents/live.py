"""SLA clocks as they stand now: time used, time left and the due time, for pages and the API.

The stored clock says how much time was used up to ``counting_since`` and,
while it runs, keeps counting from there. Nothing needs to happen to the
incident for the figures to move: every page or API answer that shows an
open clock adds the time since then, on the clock's own calendar (working
hours or 24/7). One read of the calendar days serves a whole page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from diemcau.incidents.choices import ClockState
from diemcau.incidents.sla import Calendars


@dataclass(frozen=True)
class Figures:
    """One clock at one moment. Minutes used and late are rounded down, minutes left up (40 used + 20 left = 60)."""

    used_seconds: int
    carried_seconds: int
    target_seconds: int
    left_seconds: int | None     # negative when past due; None when nothing counts down (paused, decided)
    due_at: dt.datetime | None
    state: str
    overdue: bool

    @property
    def used_minutes(self) -> int:
        return self.used_seconds // 60

    @property
    def used_since_change_minutes(self) -> int:
        """Time used against the current target (the part before a change of targets is shown apart)."""
        return (self.used_seconds - self.carried_seconds) // 60

    @property
    def carried_minutes(self) -> int:
        return self.carried_seconds // 60

    @property
    def target_minutes(self) -> int:
        return self.target_seconds // 60

    @property
    def left_minutes(self) -> int | None:
        if self.left_seconds is None:
            return None
        return -(-self.left_seconds // 60) if self.left_seconds >= 0 else -((-self.left_seconds) // 60)

    @property
    def late_minutes(self) -> int:
        return -self.left_minutes if self.left_minutes is not None and self.left_minutes < 0 else 0

    @property
    def percent(self) -> int:
        """Share of the current target used, for a progress bar (0–100)."""
        if not self.target_seconds:
            return 100
        return max(0, min(100, round(100 * (self.used_seconds - self.carried_seconds) / self.target_seconds)))


def figures(clock, *, now: dt.datetime, calendars: Calendars) -> Figures:
    """The clock's figures at ``now`` (stored figures for a decided clock)."""
    calendar = calendars.for_clock(clock.around_the_clock, clock.hours)
    used = clock.elapsed_seconds
    if clock.counting_since is not None and clock.state in (ClockState.RUNNING, ClockState.OVERDUE):
        used += calendar.working_seconds(clock.counting_since, now)
    left, overdue, state = None, False, clock.state
    if clock.state in (ClockState.RUNNING, ClockState.OVERDUE) and clock.due_at is not None:
        if now < clock.due_at:
            left = calendar.working_seconds(now, clock.due_at)
        else:
            left = -calendar.working_seconds(clock.due_at, now)
            overdue, state = True, ClockState.OVERDUE
    elif clock.state == ClockState.PAUSED:
        left = max(0, clock.target_seconds - (used - clock.carried_seconds))
    return Figures(used_seconds=used, carried_seconds=clock.carried_seconds, target_seconds=clock.target_seconds,
                   left_seconds=left, due_at=clock.due_at, state=state, overdue=overdue)


def attach(clocks, *, now: dt.datetime | None = None, calendars: Calendars | None = None) -> list:
    """Set ``clock.live`` on each clock (one calendar read for all); returns the clocks."""
    now = now or timezone.now()
    calendars = calendars or Calendars()
    clocks = list(clocks)
    for clock in clocks:
        clock.live = figures(clock, now=now, calendars=calendars)
    return clocks


def request_calendars(request) -> Calendars:
    """One calendar read per request, however many clocks the answer shows."""
    calendars = getattr(request, "_incident_calendars", None)
    if calendars is None:
        calendars = request._incident_calendars = Calendars()
    return calendars
