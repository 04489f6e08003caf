"""Background jobs of the reports app (run by the worker through huey)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_task(retries=1, retry_delay=60)
def convert_pdf(issued_id: int):
    """One issued .docx to PDF by LibreOffice (claimed, so two workers never convert it twice)."""
    from diemcau.reports.services import pdf_convert

    return pdf_convert(issued_id)


@db_periodic_task(crontab(minute="*/5"))
def sweep_pdfs():
    """Every 5 minutes: conversions never queued, or whose worker died (their claim went stale)."""
    from diemcau.reports.services import pending_pdfs

    return pending_pdfs()


@db_periodic_task(crontab(hour="8", minute="0"))
def chase_overdue_work():
    """Every morning: overdue roadmap tasks are chased (each claimed by a unique row per day)."""
    from diemcau.reports.services import chase_overdue

    sent = chase_overdue()
    if sent:
        log.info("reports: %s overdue tasks chased", sent)
    return sent
