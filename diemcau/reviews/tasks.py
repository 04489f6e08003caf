"""Background jobs of review campaigns (run by the worker through huey)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def send_review_reminders():
    """Every 15 minutes: reminders before the deadline and the late notice.

    No lock is needed: each reminder is claimed by inserting its row (unique
    per task and day), so two workers never send the same one.
    """
    from diemcau.reviews.services import reminders_send

    sent = reminders_send()
    if sent:
        log.info("reviews: %s reminders sent", sent)
    return sent
