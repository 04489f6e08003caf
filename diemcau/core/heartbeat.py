"""Signs of life of background processes, for ``/healthz`` and the province's monitoring.

    from diemcau.core.heartbeat import beat, last_beat, is_fresh
    beat("worker")                 # the worker does it at start and every minute
    is_fresh("worker")             # False when the last beat is older than STALE_AFTER

A periodic job of another app may call ``beat("monitoring-poll")`` at the end
of each run; anything watching can then ask ``is_fresh(name, stale_after)``.
"""

import datetime as dt
import os
import socket

from django.utils import timezone

from diemcau.core.models import Heartbeat

STALE_AFTER = dt.timedelta(minutes=2)


def beat(name: str, *, now: dt.datetime | None = None) -> None:
    """Record that ``name`` is alive now (one UPDATE, an INSERT only the first time)."""
    now = now or timezone.now()
    fields = {"beat_at": now, "host": socket.gethostname()[:200], "pid": os.getpid()}
    if not Heartbeat.objects.filter(name=name).update(**fields):
        Heartbeat.objects.update_or_create(name=name, defaults=fields)


def last_beat(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()


def is_fresh(name: str, stale_after: dt.timedelta = STALE_AFTER, *, now: dt.datetime | None = None) -> bool:
    last = last_beat(name)
    return last is not None and (now or timezone.now()) - last.beat_at <= stale_after
