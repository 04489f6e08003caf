"""The scheduled scan: warn before a target passes, escalate when it has passed.

Each warning and each escalation level is claimed by one conditional UPDATE
on the clock (``warned_at`` from NULL, ``escalation_level`` from the level
below), so two workers scanning at the same moment never act twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from diemcau.incidents import notify
from diemcau.incidents.choices import ClockState, EventKind
from diemcau.incidents.models import Clock, IncidentEvent

LIVE = [ClockState.RUNNING, ClockState.OVERDUE]


def claim_warning(clock_id: int, now: dt.datetime) -> bool:
    return bool(Clock.objects.filter(pk=clock_id, warned_at__isnull=True, state__in=LIVE).update(warned_at=now))


def claim_escalation(clock_id: int, level: int) -> bool:
    return bool(Clock.objects.filter(pk=clock_id, escalation_level=level - 1, state__in=LIVE).update(
        escalation_level=level))


def warnings_due(now):
    return list(Clock.objects.filter(state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now,
                                     due_at__gt=now).values_list("pk", flat=True))


def escalations_due(now):
    first = Clock.objects.filter(state__in=LIVE, escalation_level=0, due_at__lte=now)
    second = Clock.objects.filter(state__in=LIVE, escalation_level=1, second_escalation_at__lte=now)
    return [(pk, 1) for pk in first.values_list("pk", flat=True)] + [
        (pk, 2) for pk in second.values_list("pk", flat=True)]


def _load(clock_id):
    return Clock.objects.select_related("incident__site", "incident__holder", "holder__kind").get(pk=clock_id)


def _lock_incident_of(clock_id: int) -> None:
    """The incident row first, then its clocks (the order every writer follows: see rules.lock_incident)."""
    from diemcau.incidents.rules import lock_incident

    incident_id = Clock.objects.filter(pk=clock_id).values_list("incident_id", flat=True).first()
    if incident_id is not None:
        lock_incident(incident_id)


def handle_warning(clock_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        _lock_incident_of(clock_id)
        if not claim_warning(clock_id, now):
            return False
        clock = _load(clock_id)
        IncidentEvent.objects.create(incident=clock.incident, kind=EventKind.WARNED, at=now, holder=clock.holder,
                                     data={"target": clock.target, "due_at": clock.due_at.isoformat()})
        notify.clock_warned(clock)
    return True


def handle_escalation(clock_id: int, level: int, now: dt.datetime) -> bool:
    from diemcau.incidents.services import incident_recompute

    with transaction.atomic():
        _lock_incident_of(clock_id)
        if not claim_escalation(clock_id, level):
            return False
        clock = _load(clock_id)
        IncidentEvent.objects.create(incident=clock.incident, kind=EventKind.ESCALATED, at=now, holder=clock.holder,
                                     data={"target": clock.target, "level": level})
        incident_recompute(clock.incident, now=now)
        notify.clock_escalated(clock, level)
    return True


def sla_scan(*, now: dt.datetime | None = None) -> dict:
    """One pass of the scan; returns how many warnings and escalations this worker made."""
    now = now or timezone.now()
    warned = sum(handle_warning(pk, now) for pk in warnings_due(now))
    escalated = sum(handle_escalation(pk, level, now) for pk, level in escalations_due(now))
    return {"warned": warned, "escalated": escalated}
