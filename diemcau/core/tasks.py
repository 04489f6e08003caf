"""Background jobs of the core app: the worker's heartbeat."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from diemcau.core.heartbeat import beat


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat():
    """Every minute: the worker is alive and its scheduler runs (read by /healthz)."""
    beat("worker")


@HUEY.on_startup()
def heartbeat_at_start():
    # /healthz can tell a started worker at once, not only after the first minute.
    from django.db import close_old_connections

    beat("worker")
    close_old_connections()
