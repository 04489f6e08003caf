"""Scheduled jobs of the monitoring app. Each claims its window with a conditional UPDATE
on its ``Cursor`` row, so two workers never roll up or judge the same samples twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from diemcau.monitoring import alerts, call_quality, early, flips, rollups
from diemcau.monitoring.models import Cursor

# Samples whose request is still being committed must not be skipped.
SETTLE = dt.timedelta(seconds=20)


def claim(name: str, now: dt.datetime, settle: dt.timedelta = SETTLE):
    """``(after, until)`` for this run, or None when another worker took it (call inside a transaction)."""
    until = now - settle
    cursor, _ = Cursor.objects.get_or_create(name=name, defaults={"position": until - dt.timedelta(hours=1)})
    if cursor.position >= until:
        return None
    won = Cursor.objects.filter(pk=cursor.pk, version=cursor.version).update(position=until,
                                                                             version=cursor.version + 1)
    return (cursor.position, until) if won else None


def process_new_samples(now: dt.datetime | None = None, settle: dt.timedelta = SETTLE) -> int:
    """Roll up and judge the samples received since the last run."""
    now = now or timezone.now()
    with transaction.atomic():
        window = claim("samples", now, settle)
        if window is None:
            return 0
        rollups.rollup_samples(*window)
        return alerts.evaluate_samples(*window)


@db_periodic_task(crontab(minute="*"))
@lock_task("monitoring-samples")
def samples_job():
    process_new_samples()
    alerts.evaluate_silence()
    call_quality.clear_after_meetings()


@db_periodic_task(crontab(minute="*"))
def flips_job():
    """Every minute, apart from the roll-ups: carry the alert flips to the incidents (each flip claimed)."""
    flips.process_flips()


@db_periodic_task(crontab(minute="7"))
@lock_task("monitoring-early-warning")
def early_warning_job():
    early.evaluate_all()


@db_periodic_task(crontab(minute=f"*/{early.FAST_EVERY_MIN}"))
@lock_task("monitoring-fast-warning")
def fast_warning_job():
    """Every five minutes, beside the hourly trend: fast rises in the minute roll-ups of the last hours."""
    return early.evaluate_fast()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("monitoring-device-poll")
def device_poll_job():
    from diemcau.monitoring import poll

    poll.run_cycle()


@db_periodic_task(crontab(minute="23", hour="*/6"))
@lock_task("monitoring-prune")
def prune_job():
    rollups.prune()
