"""Changes to the SLA rules and how they reach incidents.

- A calendar day added or removed (a swapped Saturday, an extra day off) is a
  ``CalendarChange`` row. The worker claims each change once and recomputes
  the open clocks that count time on or after that day, so their due times,
  warnings and escalations follow at once. Decided clocks never move.
- A policy edited by the department applies to holdings that start
  afterwards. It reaches open incidents only when the department says so, with
  a reason: each incident then gets a ``retargeted`` step (who, why, the new
  targets), and the new targets count from that moment.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.incidents.choices import CalendarChangeKind, ClockState
from diemcau.incidents.models import OPEN, CalendarChange, CalendarDay, Clock, Incident, SlaPolicy
from diemcau.incidents.sla import PolicyBook
from diemcau.lib.workcalendar import VIETNAM

log = logging.getLogger(__name__)


# The calendar ------------------------------------------------------------------

def _queue_calendar_work() -> None:
    def enqueue():
        from diemcau.incidents.tasks import calendar_changes_task

        try:
            calendar_changes_task()
        except Exception:  # the queue is down: the minute scan picks the change up
            log.exception("Could not queue the calendar change")

    transaction.on_commit(enqueue)


@transaction.atomic
def calendar_day_add(*, date: dt.date, kind: str, name: str, user) -> CalendarDay:
    """Declare a day off or a swapped working day; the open clocks it touches move (in the worker)."""
    day = CalendarDay(date=date, kind=kind, name=name.strip())
    day.full_clean()
    day.save()
    CalendarChange.objects.create(date=date, kind=kind, name=day.name, change=CalendarChangeKind.ADDED, by=user)
    _queue_calendar_work()
    return day


@transaction.atomic
def calendar_day_remove(day: CalendarDay, *, user) -> None:
    CalendarChange.objects.create(date=day.date, kind=day.kind, name=day.name, change=CalendarChangeKind.REMOVED,
                                  by=user)
    day.delete()
    _queue_calendar_work()


def incidents_touched(day: dt.date):
    """Open incidents with a live working-hours clock that counts time on or after ``day``."""
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=VIETNAM)
    day_end = day_start + dt.timedelta(days=1)
    clocks = Clock.objects.filter(
        state__in=ClockState.live_values(), around_the_clock=False, started_at__lt=day_end,
    ).filter(Q(second_escalation_at__isnull=True) | Q(second_escalation_at__gte=day_start))
    return Incident.objects.filter(OPEN, pk__in=clocks.values("incident_id"))


def claim_calendar_change(change_id: int, now: dt.datetime) -> bool:
    return bool(CalendarChange.objects.filter(pk=change_id, applied_at__isnull=True).update(applied_at=now))


def lock_incident(incident_id: int) -> Incident | None:
    """Lock one incident row before touching its clocks: every writer takes the incident first, then its
    clocks and tallies, so a worker and a person acting on the same incident wait instead of deadlocking."""
    return Incident.objects.select_for_update(of=("self",)).filter(pk=incident_id).first()


def calendar_changes_apply(*, now: dt.datetime | None = None) -> int:
    """Recompute the open clocks each pending calendar change touches; returns the incidents recomputed.

    The change is claimed in its own short transaction (once, whatever the
    number of workers); each incident is then recomputed in its own
    transaction, its row locked first.
    """
    from diemcau.incidents.services import incident_recompute
    from diemcau.incidents.sla import province_calendar

    now = now or timezone.now()
    total = 0
    for change in CalendarChange.objects.filter(applied_at__isnull=True).order_by("at", "pk"):
        if not claim_calendar_change(change.pk, now):
            continue  # another worker has it
        calendar, policies = province_calendar(), PolicyBook()
        moved = 0
        for incident_id in incidents_touched(change.date).order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                incident = lock_incident(incident_id)
                if incident is None or not incident.is_open:
                    continue
                incident_recompute(incident, now=now, calendar=calendar, policies=policies)
                moved += 1
        CalendarChange.objects.filter(pk=change.pk).update(incidents_moved=moved)
        log.info("Calendar change %s (%s %s): %s open incidents recomputed", change.pk, change.change,
                 change.date, moved)
        total += moved
    return total


# Policies ----------------------------------------------------------------------

def policy_incidents(policy: SlaPolicy):
    """Open incidents whose current holder gets its targets from this policy."""
    qs = Incident.objects.filter(OPEN, severity=policy.severity)
    if policy.operator_id:
        return qs.filter(holder_id=policy.operator_id)
    contracts = SlaPolicy.objects.filter(severity=policy.severity, operator__isnull=False).values("operator_id")
    return qs.exclude(holder_id__in=contracts)


def policy_apply_to_open(policy: SlaPolicy, *, user, reason: str, now: dt.datetime | None = None) -> int:
    """The department applies an edited policy to the open incidents it governs, from now, with a reason.

    Each incident gets a ``retargeted`` step saying who and why; clocks
    already decided keep their figures. Returns how many incidents changed.
    """
    from diemcau.incidents.services import incident_retarget

    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the new targets also apply to open incidents.")})
    policies = PolicyBook()
    changed = 0
    for incident in policy_incidents(policy).order_by("pk"):
        with transaction.atomic():
            incident = lock_incident(incident.pk)
            if incident is None or not incident.is_open:
                continue
            incident_retarget(incident, user=user, reason=reason, policies=policies, policy_id=policy.pk, at=now)
            changed += 1
    return changed
