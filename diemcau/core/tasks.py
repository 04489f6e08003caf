"""Background jobs of the core app: the worker's heartbeat, and the outbox (send what is due every minute,
and right after a change commits)."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from diemcau.core import outbox
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


@HUEY.on_startup()
def worker_reads_from_the_primary():
    # A job reads what the request that queued it (or its previous step) wrote: never the replica.
    from diemcau.core import replica

    replica.disable()


@db_periodic_task(crontab(minute="*"))
def outbox_job():
    """Every minute: mark attempts left without an outcome, send the deliveries whose time has come."""
    return outbox.deliver_due()


@db_task()
def outbox_send_task():
    """Queued when a transaction that wrote deliveries commits: send them now rather than within the minute."""
    return outbox.deliver_due()
