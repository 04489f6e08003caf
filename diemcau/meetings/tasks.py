"""Worker jobs (huey) of the meetings app: measured check items and chasing, every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from diemcau.core.locks import skip_if_running
from diemcau.meetings import jobs


@db_periodic_task(crontab(minute="*"))
@skip_if_running("meetings-evidence")
def evidence_task():
    """Every minute: the measured items of every open check, from the freshest evidence."""
    return jobs.evidence_scan()


@db_periodic_task(crontab(minute="*"))
def chase_task():
    """Every minute: remind the contact, then the unit head, of sites not ready by the due time.
    No lock: each reminder is claimed by its own conditional UPDATE."""
    return jobs.chase_scan()
