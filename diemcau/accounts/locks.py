"""Accounts locked after too many failed sign-ins (django-axes keeps the counts in the database)."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from diemcau.accounts.models import User
from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record


@dataclass
class Lock:
    username: str
    failures: int
    last_attempt: datetime
    until: datetime | None  # None: until an administrator lifts it
    user: User | None


def _window_start(now):
    cooloff = settings.AXES_COOLOFF_TIME
    return now - cooloff if cooloff else None


def locked_accounts(*, now=None) -> list[Lock]:
    """Usernames whose failures within the cool-off reach the limit, newest first."""
    now = now or timezone.now()
    attempts = AccessAttempt.objects.exclude(username__isnull=True)
    start = _window_start(now)
    if start is not None:
        attempts = attempts.filter(attempt_time__gte=start)
    rows = (
        attempts.values("username").annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last")
    )
    rows = list(rows)
    users = User.objects.select_related("organization").in_bulk([r["username"] for r in rows], field_name="username")
    cooloff = settings.AXES_COOLOFF_TIME
    return [
        Lock(username=r["username"], failures=r["failures"], last_attempt=r["last"],
             until=r["last"] + cooloff if cooloff else None, user=users.get(r["username"]))
        for r in rows
    ]


def locked_usernames(usernames, *, now=None) -> set[str]:
    return {lock.username for lock in locked_accounts(now=now) if lock.username in set(usernames)}


def account_unlock(*, username: str, request) -> int:
    """Lift a lock (an administrator's action, recorded). Returns the attempts cleared."""
    cleared = reset(username=username)
    record(AuditAction.ACCOUNT_UNLOCKED, request=request, target=User.objects.filter(username=username).first()
           or username, details={"cleared": cleared})
    return cleared
