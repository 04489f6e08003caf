"""Sign-in events from Django and django-axes, written to the audit log.

Receivers only record and start the session clocks; what a sign-in does is
in the views and the middleware.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from diemcau.accounts.middleware import session_start
from diemcau.accounts.models import User
from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record


@receiver(user_logged_in, dispatch_uid="diemcau_logged_in")
def _logged_in(sender, request, user, **kwargs):
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now())
    if request is not None and hasattr(request, "session"):
        session_start(request, user)
        record(AuditAction.LOGIN, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="diemcau_logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None and request is not None and not getattr(request, "_diemcau_session_expired", False):
        record(AuditAction.LOGOUT, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="diemcau_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    record(AuditAction.LOGIN_FAILED, request=request, actor_name=username)


@receiver(user_locked_out, dispatch_uid="diemcau_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = User.objects.filter(username=username).first()
    record(AuditAction.ACCOUNT_LOCKED, request=request, actor_name=username or "", target=user or username)
