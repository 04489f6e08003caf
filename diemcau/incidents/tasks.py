"""Worker jobs (huey): the SLA scan, sending notifications, retrying failed ones."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from diemcau.incidents import escalation, notify


@db_periodic_task(crontab(minute="*"))
def sla_scan_task():
    """Every minute: warnings before targets pass, escalations after."""
    return escalation.sla_scan()


@db_periodic_task(crontab(minute="*"))
def deliveries_retry_task():
    """Every minute: send the e-mails and webhooks whose next try has come."""
    return notify.deliveries_due()


@db_task()
def delivery_send(delivery_id: int):
    """Send one delivery right after the change that caused it (queued on commit)."""
    delivery = notify.claim_delivery(delivery_id, now=timezone.now())
    if delivery is not None:
        notify.delivery_attempt(delivery)
