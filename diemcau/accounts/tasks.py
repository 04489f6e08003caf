"""Worker jobs (huey): accounts left unused are disabled."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record


def accounts_disable_idle(*, now=None) -> list[str]:
    """Disable active accounts with no sign-in, page or API use for ACCOUNT_IDLE_DAYS.

    Each account is claimed with a conditional UPDATE, so two workers never
    disable (and record) the same account twice. The last active DOST
    administrator is kept, or nobody could enable the others again.
    """
    days = settings.ACCOUNT_IDLE_DAYS
    if not days:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    idle = User.objects.filter(is_active=True, date_joined__lt=cutoff).filter(
        Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, last_login__lt=cutoff)
        | Q(last_seen_at__isnull=True, last_login__isnull=True)
    ).order_by("pk")
    disabled = []
    for user in idle:
        if user.role == Role.DOST_ADMIN and not User.objects.filter(
            role=Role.DOST_ADMIN, is_active=True
        ).exclude(pk=user.pk).exists():
            continue
        if User.objects.filter(pk=user.pk, is_active=True).update(is_active=False) == 1:
            last = user.last_seen_at or user.last_login
            record(AuditAction.ACCOUNT_DISABLED, target=user,
                   details={"idle_days": days, "last_active": last.isoformat() if last else None})
            disabled.append(user.username)
    return disabled


@db_periodic_task(crontab(minute="40", hour="2"))
def accounts_disable_idle_task():
    """Every night at 02:40."""
    return accounts_disable_idle()
