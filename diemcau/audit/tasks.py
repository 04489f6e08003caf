"""Worker jobs (huey): the audit log's retention."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from diemcau.audit.models import AuditEvent


def audit_prune(*, now=None) -> int:
    """Delete rows older than AUDIT_RETENTION_DAYS. Two workers running it at once
    delete disjoint or already-deleted rows: the outcome is the same."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return AuditEvent.objects.prune_before(cutoff)


@db_periodic_task(crontab(minute="17", hour="2"))
def audit_prune_task():
    """Every night at 02:17: the retention prune."""
    return audit_prune()
