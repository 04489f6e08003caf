"""Carrying alert flips to the incidents, apart from the roll-ups (R20: monitoring never stalls).

The roll-up and alert transaction only writes ``AlertFlip`` rows. This job
claims each unhandled flip with a conditional UPDATE and opens, updates or
resolves the site's incident (``incident_link``) in a transaction of its own,
with the flip's own time. A flip whose incident cannot be written is logged,
tried again after 1, 2, 4 … minutes (at most an hour) and listed on the
monitoring board; the flips of every other site go on. The flips of one site
are carried in order: a later flip waits while an earlier one is unhandled,
so a clear never overtakes the raise it clears.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from diemcau.monitoring import incident_link
from diemcau.monitoring.models import AlertFlip

log = logging.getLogger(__name__)

# A claimed flip whose worker stopped is taken again after this.
LEASE = dt.timedelta(minutes=5)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failures: 1, 2, 4 … minutes, at most one hour."""
    return dt.timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def pending():
    return AlertFlip.objects.filter(processed_at__isnull=True)


def claim(pk: int, *, now: dt.datetime) -> bool:
    """Take a due flip for this worker: push its next try past the lease, in one conditional UPDATE."""
    return bool(pending().filter(pk=pk, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE, attempts=F("attempts") + 1))


def carry(pk: int, *, now: dt.datetime) -> bool:
    """Open, update or resolve the incident behind one claimed flip; True when this worker carried it.

    The flip is marked handled first, in the same transaction as its incident: a worker that took it
    again because the lease ran out (a slow machine, a long lock) waits on that row (on SQLite, on the
    write lock) and then finds it handled, so a raise never opens two incidents.
    """
    try:
        with transaction.atomic():
            if not pending().filter(pk=pk).update(processed_at=now, last_error=""):
                return False  # carried by another worker meanwhile
            flip = AlertFlip.objects.select_related("alert", "alert__site", "alert__incident").get(pk=pk)
            incident_link.alert_flipped(flip.alert, flip.new_state, at=flip.at)
    except Exception as exc:
        flip = AlertFlip.objects.select_related("alert").get(pk=pk)
        retry_at = now + backoff(flip.attempts)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("monitoring: flip %s (%s at site %s) did not reach its incident: %s; attempt %s, next try at %s",
                    pk, flip.alert.problem, flip.alert.site_id, error, flip.attempts,
                    timezone.localtime(retry_at).strftime("%H:%M:%S %d/%m/%Y"))
        pending().filter(pk=pk).update(next_attempt_at=retry_at, last_error=error)
        return False
    return True


def process_flips(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Carry every due flip to its incident, site by site in order; returns how many were carried."""
    now = now or timezone.now()
    rows = list(pending().order_by("at", "pk").values_list("pk", "alert__site_id", "next_attempt_at")[:limit])
    waiting: set[int] = set()  # sites with an earlier flip still unhandled
    done = 0
    for pk, site_id, next_attempt_at in rows:
        if site_id in waiting:
            continue
        if next_attempt_at > now or not claim(pk, now=now) or not carry(pk, now=now):
            waiting.add(site_id)
            continue
        done += 1
    return done


def failing(limit: int = 20):
    """Flips that have failed at least once and are still unhandled, for the department's board."""
    return (pending().filter(attempts__gt=0, last_error__gt="").select_related("alert", "alert__site")
            .order_by("at", "pk")[:limit])
