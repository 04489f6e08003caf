"""SLA arithmetic: from the timeline rows to holdings and clocks.

``derive()`` is a pure function of the events and the calendar: it walks the
timeline once and returns, for each organisation that held the incident, its
three clocks (acknowledge, respond, resolve) with the time used, the due time,
and whether the target was met.

The rules it applies (docs/incidents.md states them for managers):

- A holder's clocks start when the incident reaches it (report,
  reassignment, reopening) and stop for good when met, when the incident
  leaves the holder, or when the problem cleared by itself.
- The targets that apply are the ones written into the event that started
  the holding (``data["sla"]``): editing a policy later does not change them.
- A change of severity (or of the important-meeting flag) and the
  department's explicit re-application of a policy start a new *phase*: the
  new targets count from the moment of the change; the time already used is
  carried (it stays in the clock's used time). A clock already past its due
  time when the change comes stays late.
- Waiting for the reporter stops the respond and resolve clocks, never the
  acknowledge clock. Waiting for a third party stops nothing.
- A clock that is decided (met, missed, handed over, cleared by itself) is
  never computed again (``services.incident_recompute`` keeps its row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from diemcau.incidents.choices import SEVERITY_RANK, ClockState, EventKind, Severity, Status, Target
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
# Waiting for the reporter stops these clocks (never the acknowledge clock).
PAUSABLE = (Target.RESPOND, Target.RESOLVE)


def work_hours() -> str:
    return getattr(settings, "INCIDENT_WORK_HOURS", "07:00-11:30,13:30-17:00")


def province_calendar() -> WorkCalendar:
    """The working calendar: hours from settings, swapped days from the CalendarDay table."""
    from diemcau.incidents.models import CalendarDay

    off, worked = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (off if kind == "holiday" else worked).add(day)
    return WorkCalendar(hours=work_hours(), extra_holidays=off, extra_working_days=worked)


class Calendars:
    """The calendar of a clock: 24/7, or the province's days with the working hours fixed on the clock."""

    def __init__(self, days: WorkCalendar | None = None):
        self.days = days if days is not None else province_calendar()
        self._by_hours: dict[str, WorkCalendar] = {}
        self._always = AroundTheClock()

    def for_clock(self, around_the_clock: bool, hours: str = ""):
        if around_the_clock:
            return self._always
        if not hours:
            return self.days
        if hours not in self._by_hours:
            self._by_hours[hours] = WorkCalendar(hours=hours, extra_holidays=self.days.extra_holidays,
                                                 extra_working_days=self.days.extra_working_days, tz=self.days.tz)
        return self._by_hours[hours]


@dataclass
class Targets:
    """Policy values in a plain form (a SlaPolicy row, the built-in defaults, or an event's snapshot)."""

    acknowledge_minutes: int
    respond_minutes: int
    resolve_minutes: int
    around_the_clock: bool
    warn_percent: int = 75
    hours: str = ""

    def seconds(self, target: str) -> int:
        return 60 * getattr(self, f"{target}_minutes")

    def snapshot(self) -> dict:
        """What is written into the event that fixes these targets."""
        return {"acknowledge_minutes": self.acknowledge_minutes, "respond_minutes": self.respond_minutes,
                "resolve_minutes": self.resolve_minutes, "around_the_clock": self.around_the_clock,
                "warn_percent": self.warn_percent, "hours": "" if self.around_the_clock else self.hours}

    @classmethod
    def from_snapshot(cls, data: dict) -> Targets:
        return cls(int(data["acknowledge_minutes"]), int(data["respond_minutes"]), int(data["resolve_minutes"]),
                   bool(data["around_the_clock"]), int(data.get("warn_percent", 75)), data.get("hours", ""))


class PolicyBook:
    """All SLA policies loaded once: ``book.effective(severity, holder_id, important)``."""

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

    def effective(self, severity: str, holder_id: int | None, important: bool) -> Targets:
        """The targets a holding gets now: the policy, 24/7 during an important meeting, today's hours."""
        base = self.targets(severity, holder_id)
        always = base.around_the_clock or bool(important)
        return Targets(base.acknowledge_minutes, base.respond_minutes, base.resolve_minutes, always,
                       base.warn_percent, "" if always else work_hours())


def is_lowering(old_severity: str, old_important: bool, new_severity: str, new_important: bool) -> bool:
    """Less urgent than before: a lower severity, or the important-meeting flag taken off."""
    if SEVERITY_RANK[Severity(new_severity)] > SEVERITY_RANK[Severity(old_severity)]:
        return True
    return bool(old_important) and not new_important


@dataclass
class Phase:
    """From ``at`` on, these targets apply (counted from ``at``)."""

    at: dt.datetime
    targets: Targets


@dataclass
class ClockSpec:
    target: str
    started_at: dt.datetime
    target_seconds: int = 0
    around_the_clock: bool = False
    hours: str = ""
    met_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    self_cleared: bool = False
    elapsed_seconds: int = 0
    carried_seconds: int = 0
    counting_since: dt.datetime | None = None
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
    phases: list = field(default_factory=list)
    clocks: dict = field(default_factory=dict)


@dataclass
class Derived:
    holdings: list
    status: str
    holder_id: int | None
    severity: str
    important: bool
    waiting_on: str = ""
    duplicate_of: int | None = None


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


def _finish_clock(clock: ClockSpec, phases: list[Phase], pauses, calendars: Calendars, now):
    """Time used, due time and state of one clock across the phases of its holding."""
    stop = clock.met_at or clock.ended_at
    own = [phases[0]] + [p for p in phases[1:] if stop is None or p.at < stop]
    clock_pauses = pauses if clock.target in PAUSABLE else []
    carried, late = 0, None
    for index, phase in enumerate(own):
        last = index == len(own) - 1
        calendar = calendars.for_clock(phase.targets.around_the_clock, phase.targets.hours)
        target = phase.targets.seconds(clock.target)
        warn = target * phase.targets.warn_percent // 100
        end = stop if last else own[index + 1].at
        intervals, paused_now = _active_intervals(phase.at, end, clock_pauses)
        used = sum(calendar.working_seconds(a, b) for a, b in intervals if b is not None)
        if not last:
            if late is None and used > target:
                # The due time passed within this phase: no later change makes the clock on time again.
                late = (_reach(calendar, intervals, target, True), _reach(calendar, intervals, warn, True),
                        _reach(calendar, intervals, 2 * target, True))
            carried += used
            continue
        clock.target_seconds, clock.carried_seconds = target, carried
        clock.around_the_clock = phase.targets.around_the_clock
        clock.hours = "" if clock.around_the_clock else phase.targets.hours
        clock.elapsed_seconds = carried + used
        clock.counting_since = intervals[-1][0] if intervals and intervals[-1][1] is None else None
        if stop is not None:
            clock.due_at = late[0] if late else _reach(calendar, intervals, target, True)
            clock.warn_at = clock.second_escalation_at = None
            if late is not None or used > target:
                clock.state = ClockState.MISSED
            elif clock.met_at is not None:
                clock.state = ClockState.MET
            elif clock.self_cleared:
                clock.state = ClockState.SELF_CLEARED
            else:
                clock.state = ClockState.HANDED_OVER
            return
        if late is not None:
            clock.due_at, clock.warn_at, clock.second_escalation_at = late
            clock.state = ClockState.OVERDUE
            return
        clock.due_at = _reach(calendar, intervals, target, False)
        clock.warn_at = _reach(calendar, intervals, warn, False)
        clock.second_escalation_at = _reach(calendar, intervals, 2 * target, False)
        if clock.due_at is not None and clock.due_at <= now:
            clock.state = ClockState.OVERDUE
        elif paused_now:
            clock.due_at = clock.warn_at = clock.second_escalation_at = None
            clock.state = ClockState.PAUSED
        else:
            clock.state = ClockState.RUNNING


def derive(events, *, policies: PolicyBook | None = None, calendar: WorkCalendar | None = None,
           now: dt.datetime, calendars: Calendars | None = None) -> Derived:
    """Holdings and clocks from the timeline (events in order of time).

    ``policies`` is only read for events written before targets were fixed in
    the events (they have no ``data["sla"]``).
    """
    calendars = calendars or Calendars(calendar)
    holdings: list[HoldingSpec] = []
    pauses: list[list] = []
    status, severity, important, before_wait = Status.NEW, Severity.NORMAL, False, Status.NEW
    holder_id, waiting_on, duplicate_of = None, "", None

    book = [policies]

    def targets_of(event) -> Targets:
        snapshot = (event.data or {}).get("sla")
        if snapshot:
            return Targets.from_snapshot(snapshot)
        if book[0] is None:  # read once, and only for steps written before targets were fixed in them
            book[0] = PolicyBook()
        return book[0].effective(severity, holder_id, important)

    def current():
        return holdings[-1] if holdings and holdings[-1].ended_at is None else None

    def open_holding(event, reason=""):
        holdings.append(HoldingSpec(holder_id=holder_id, period=len(holdings) + 1, started_at=event.at,
                                    reason=reason, phases=[Phase(event.at, targets_of(event))],
                                    clocks={t: ClockSpec(target=t, started_at=event.at) for t in TARGETS}))

    def close_holding(at):
        holding = current()
        if holding is not None:
            holding.ended_at = at
            for clock in holding.clocks.values():
                if clock.met_at is None and clock.ended_at is None:
                    clock.ended_at = at

    def meet(at, *targets):
        holding = current() or (holdings[-1] if holdings else None)
        if holding is not None:
            for target in targets:
                clock = holding.clocks[target]
                if clock.met_at is None and clock.ended_at is None:
                    clock.met_at = at

    def clear_by_itself(at):
        holding = current()
        if holding is not None:
            for clock in holding.clocks.values():
                if clock.met_at is None and clock.ended_at is None:
                    clock.ended_at, clock.self_cleared = at, True

    def end_pause(at):
        if pauses and pauses[-1][1] is None:
            pauses[-1][1] = at

    def step_status(new):
        """A step taken while waiting keeps the incident waiting; it resumes into the new state."""
        nonlocal status, before_wait
        if status in Status.waiting_values():
            before_wait = new
        else:
            status = new

    for event in events:
        kind, at, data = event.kind, event.at, event.data or {}
        if kind == EventKind.REPORTED:
            severity = data.get("severity", severity)
            important = data.get("important_meeting", important)
            holder_id = event.holder_id
            open_holding(event)
            status = Status.NEW
        elif kind == EventKind.TRIAGED:
            new_severity = data.get("severity", severity)
            new_important = data.get("important_meeting", important)
            if (new_severity, new_important) != (severity, important):
                severity, important = new_severity, new_important
                if current() is not None:
                    current().phases.append(Phase(at, targets_of(event)))
        elif kind == EventKind.RETARGETED:
            if current() is not None:
                current().phases.append(Phase(at, targets_of(event)))
        elif kind in (EventKind.ASSIGNED, EventKind.REASSIGNED):
            if event.holder_id and event.holder_id != holder_id:
                end_pause(at)
                close_holding(at)
                holder_id, waiting_on = event.holder_id, ""
                open_holding(event, event.note)
                status = Status.NEW
        elif kind == EventKind.ACKNOWLEDGED:
            meet(at, Target.ACKNOWLEDGE)
            step_status(Status.ACKNOWLEDGED)
        elif kind == EventKind.RESPONDED:
            meet(at, Target.ACKNOWLEDGE, Target.RESPOND)
            step_status(Status.RESPONDING)
        elif kind == EventKind.PAUSED:
            if status not in Status.waiting_values():
                pauses.append([at, None])
                before_wait = status
                status = Status.WAITING
        elif kind == EventKind.THIRD_PARTY:
            if status not in Status.waiting_values():
                before_wait = status
                status, waiting_on = Status.THIRD_PARTY, data.get("party", "")
        elif kind == EventKind.RESUMED:
            end_pause(at)
            if status in Status.waiting_values():
                status, waiting_on = before_wait, ""
        elif kind == EventKind.RESOLVED:
            end_pause(at)
            if data.get("self_cleared"):
                clear_by_itself(at)
            else:
                meet(at, *TARGETS)
            status, waiting_on = Status.RESOLVED, ""
        elif kind == EventKind.REOPENED:
            close_holding(at)
            if event.holder_id:
                holder_id = event.holder_id
            open_holding(event, event.note)
            status = Status.NEW
        elif kind == EventKind.CLOSED:
            end_pause(at)
            close_holding(at)
            status, waiting_on = Status.CLOSED, ""
            duplicate_of = data.get("duplicate_of") or duplicate_of

    pause_tuples = [(a, b) for a, b in pauses]
    for holding in holdings:
        for clock in holding.clocks.values():
            _finish_clock(clock, holding.phases, pause_tuples, calendars, now)
    return Derived(holdings=holdings, status=status, holder_id=holder_id, severity=severity, important=important,
                   waiting_on=waiting_on, duplicate_of=duplicate_of)
