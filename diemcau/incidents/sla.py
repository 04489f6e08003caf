"""SLA arithmetic: from the timeline rows to holdings and clocks.

``derive()`` is a pure function of the events, the policies and the
calendar: it walks the timeline once and returns, for each organisation that
held the incident, its three clocks (acknowledge, respond, resolve) with the
working time used, the due time, and whether the target was met. The clock
of a holder starts when the incident reaches it (report, reassignment,
reopening), stops for good when it is met or when the incident leaves the
holder, and stands still while the incident waits for the reporter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from diemcau.incidents.choices import ClockState, EventKind, Severity, Target
from diemcau.lib.workcalendar import AroundTheClock, WorkCalendar

# Built-in targets (minutes; working time unless 24/7) used when the
# department has not written a policy for a severity.
DEFAULT_POLICIES = {
    Severity.CRITICAL: {"acknowledge_minutes": 15, "respond_minutes": 60, "resolve_minutes": 240,
                        "around_the_clock": True, "warn_percent": 75},
    Severity.HIGH: {"acknowledge_minutes": 30, "respond_minutes": 120, "resolve_minutes": 8 * 60,
                    "around_the_clock": False, "warn_percent": 75},
    Severity.NORMAL: {"acknowledge_minutes": 60, "respond_minutes": 4 * 60, "resolve_minutes": 16 * 60,
                      "around_the_clock": False, "warn_percent": 75},
    Severity.LOW: {"acknowledge_minutes": 4 * 60, "respond_minutes": 8 * 60, "resolve_minutes": 40 * 60,
                   "around_the_clock": False, "warn_percent": 75},
}
TARGETS = (Target.ACKNOWLEDGE, Target.RESPOND, Target.RESOLVE)


def province_calendar() -> WorkCalendar:
    """The working calendar: hours from settings, swapped days from the CalendarDay table."""
    from diemcau.incidents.models import CalendarDay

    off, worked = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (off if kind == "holiday" else worked).add(day)
    return WorkCalendar(hours=getattr(settings, "INCIDENT_WORK_HOURS", "07:00-11:30,13:30-17:00"),
                        extra_holidays=off, extra_working_days=worked)


@dataclass
class Targets:
    """Policy values in a plain form (a SlaPolicy row or the built-in defaults)."""

    acknowledge_minutes: int
    respond_minutes: int
    resolve_minutes: int
    around_the_clock: bool
    warn_percent: int = 75

    def seconds(self, target: str) -> int:
        return 60 * getattr(self, f"{target}_minutes")


class PolicyBook:
    """All SLA policies loaded once: ``book.targets(severity, holder_id)``."""

    def __init__(self, policies=None):
        from diemcau.incidents.models import SlaPolicy

        rows = list(SlaPolicy.objects.all()) if policies is None else list(policies)
        self._by_key = {
            (p.severity, p.operator_id): Targets(p.acknowledge_minutes, p.respond_minutes, p.resolve_minutes,
                                                  p.around_the_clock, p.warn_percent)
            for p in rows
        }

    def targets(self, severity: str, holder_id: int | None) -> Targets:
        found = self._by_key.get((severity, holder_id)) or self._by_key.get((severity, None))
        return found or Targets(**DEFAULT_POLICIES[Severity(severity)])


@dataclass
class ClockSpec:
    target: str
    started_at: dt.datetime
    target_seconds: int = 0
    around_the_clock: bool = False
    met_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    elapsed_seconds: int = 0
    due_at: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    second_escalation_at: dt.datetime | None = None
    state: str = ClockState.RUNNING


@dataclass
class HoldingSpec:
    holder_id: int
    period: int
    started_at: dt.datetime
    reason: str = ""
    ended_at: dt.datetime | None = None
    severity: str = Severity.NORMAL
    important: bool = False
    clocks: dict = field(default_factory=dict)


@dataclass
class Derived:
    holdings: list
    status: str
    holder_id: int | None
    severity: str
    important: bool


def _active_intervals(start, end, pauses):
    """[start, end) minus the pauses; ``end`` None means still running now."""
    intervals, cursor = [], start
    for p_start, p_end in pauses:
        if p_end is not None and p_end <= cursor:
            continue
        if end is not None and p_start >= end:
            break
        if p_start > cursor:
            intervals.append((cursor, p_start))
        if p_end is None:
            return intervals, True
        cursor = max(cursor, p_end)
    if end is None or cursor < end:
        intervals.append((cursor, end))
    return intervals, False


def _reach(calendar, intervals, seconds, open_end_ok):
    """When ``seconds`` of clock time are used along the intervals (None if not within them)."""
    remaining = seconds
    for begin, end in intervals:
        if end is None:
            return calendar.add_working_seconds(begin, remaining)
        used = calendar.working_seconds(begin, end)
        if used >= remaining:
            return calendar.add_working_seconds(begin, remaining)
        remaining -= used
    if open_end_ok and intervals:
        return calendar.add_working_seconds(intervals[-1][1], remaining)
    return None


def _finish_clock(clock: ClockSpec, targets: Targets, pauses, calendar, now):
    clock.target_seconds = targets.seconds(clock.target)
    clock.around_the_clock = targets.around_the_clock
    stop = clock.met_at or clock.ended_at
    intervals, paused_now = _active_intervals(clock.started_at, stop, pauses)
    clock.elapsed_seconds = sum(calendar.working_seconds(a, b if b is not None else now) for a, b in intervals)
    if stop is not None:
        clock.due_at = _reach(calendar, intervals, clock.target_seconds, open_end_ok=True)
        late = clock.elapsed_seconds > clock.target_seconds
        if clock.met_at is not None:
            clock.state = ClockState.MISSED if late else ClockState.MET
        else:
            clock.state = ClockState.MISSED if late else ClockState.HANDED_OVER
        return
    if paused_now:
        clock.state = ClockState.PAUSED
        return
    clock.due_at = _reach(calendar, intervals, clock.target_seconds, open_end_ok=False)
    clock.warn_at = _reach(calendar, intervals, clock.target_seconds * targets.warn_percent // 100, False)
    clock.second_escalation_at = _reach(calendar, intervals, clock.target_seconds * 2, False)
    clock.state = ClockState.OVERDUE if clock.due_at <= now else ClockState.RUNNING


def derive(events, *, policies: PolicyBook, calendar: WorkCalendar, now: dt.datetime) -> Derived:
    """Holdings and clocks from the timeline (events in order of time)."""
    from diemcau.incidents.choices import Status

    holdings: list[HoldingSpec] = []
    pauses: list[list] = []
    status, severity, important, before_pause = Status.NEW, Severity.NORMAL, False, Status.NEW
    holder_id = None

    def open_holding(at, reason=""):
        holdings.append(HoldingSpec(holder_id=holder_id, period=len(holdings) + 1, started_at=at, reason=reason,
                                    severity=severity, important=important,
                                    clocks={t: ClockSpec(target=t, started_at=at) for t in TARGETS}))

    def close_holding(at):
        if holdings and holdings[-1].ended_at is None:
            current = holdings[-1]
            current.ended_at = at
            for clock in current.clocks.values():
                if clock.met_at is None:
                    clock.ended_at = at

    def meet(at, *targets):
        if holdings:
            for target in targets:
                clock = holdings[-1].clocks[target]
                if clock.met_at is None and clock.ended_at is None:
                    clock.met_at = at

    def end_pause(at):
        if pauses and pauses[-1][1] is None:
            pauses[-1][1] = at

    for event in events:
        kind, at, data = event.kind, event.at, event.data or {}
        severity = data.get("severity", severity)
        important = data.get("important_meeting", important)
        if holdings and holdings[-1].ended_at is None:
            holdings[-1].severity, holdings[-1].important = severity, important
        if kind == EventKind.REPORTED:
            holder_id = event.holder_id
            open_holding(at)
            status = Status.NEW
        elif kind in (EventKind.ASSIGNED, EventKind.REASSIGNED):
            if event.holder_id and event.holder_id != holder_id:
                end_pause(at)
                close_holding(at)
                holder_id = event.holder_id
                open_holding(at, event.note)
                status = Status.NEW
        elif kind == EventKind.ACKNOWLEDGED:
            meet(at, Target.ACKNOWLEDGE)
            status = Status.ACKNOWLEDGED
        elif kind == EventKind.RESPONDED:
            meet(at, Target.ACKNOWLEDGE, Target.RESPOND)
            status = Status.RESPONDING
        elif kind == EventKind.PAUSED:
            if not (pauses and pauses[-1][1] is None):
                pauses.append([at, None])
                before_pause = status
            status = Status.WAITING
        elif kind == EventKind.RESUMED:
            end_pause(at)
            status = before_pause if status == Status.WAITING else status
        elif kind == EventKind.RESOLVED:
            end_pause(at)
            meet(at, *TARGETS)
            status = Status.RESOLVED
        elif kind == EventKind.REOPENED:
            close_holding(at)
            if event.holder_id:
                holder_id = event.holder_id
            open_holding(at, event.note)
            status = Status.NEW
        elif kind == EventKind.CLOSED:
            end_pause(at)
            close_holding(at)
            status = Status.CLOSED

    pause_tuples = [(a, b) for a, b in pauses]
    for holding in holdings:
        targets = policies.targets(holding.severity, holding.holder_id)
        if holding.important and not targets.around_the_clock:
            targets = Targets(targets.acknowledge_minutes, targets.respond_minutes, targets.resolve_minutes,
                              True, targets.warn_percent)
        clock_calendar = AroundTheClock() if targets.around_the_clock else calendar
        for clock in holding.clocks.values():
            _finish_clock(clock, targets, pause_tuples, clock_calendar, now)
    return Derived(holdings=holdings, status=status, holder_id=holder_id, severity=severity, important=important)
