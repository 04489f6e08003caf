"""Per-address throttles for the sign-in page and the API's bearer tokens.

The counters are the audit log's own rows: every failed sign-in, wrong
verification code and invalid bearer token is recorded there with its
address, so "how many failures from this address in the last N minutes" is
one indexed count in the database — shared by every web process, kept
across restarts, with no second store to keep consistent. Refused attempts
are recorded too, so an address that keeps trying stays refused.

The per-account lock (5 failures by default) is django-axes' job
(``settings.AXES_*``); this throttle is the coarser second line against one
address trying many accounts, with a higher limit because a commune's whole
office often shares one address.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from diemcau.audit.choices import LOGIN_FAILURES, TOKEN_FAILURES, AuditAction
from diemcau.audit.models import AuditEvent
from diemcau.audit.services import record
from diemcau.lib.net import client_ip


def recent_failures(ip: str | None, actions, *, minutes: int) -> int:
    if not ip:
        return 0
    since = timezone.now() - timedelta(minutes=minutes)
    return AuditEvent.objects.filter(ip=ip, action__in=actions, at__gte=since).count()


def login_blocked(request) -> bool:
    """True when this address has had LOGIN_IP_LIMIT failures within LOGIN_IP_WINDOW_MINUTES."""
    count = recent_failures(client_ip(request), LOGIN_FAILURES, minutes=settings.LOGIN_IP_WINDOW_MINUTES)
    return count >= settings.LOGIN_IP_LIMIT


def token_blocked(request) -> bool:
    count = recent_failures(client_ip(request), TOKEN_FAILURES, minutes=settings.API_TOKEN_IP_WINDOW_MINUTES)
    return count >= settings.API_TOKEN_IP_LIMIT


def bearer_check(request, token: str) -> None:
    """Call first in a bearer authenticator: refuses (429, recorded) a throttled address."""
    if token_blocked(request):
        record(AuditAction.TOKEN_THROTTLED, request=request, details={"prefix": (token or "")[:10]})
        raise HttpError(429, _("Too many invalid tokens from this address. Try again later."))


def bearer_failed(request, token: str) -> None:
    """Call when a presented bearer token was not accepted."""
    record(AuditAction.TOKEN_FAILED, request=request, details={"prefix": (token or "")[:10]})
