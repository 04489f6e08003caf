"""Session and account rules applied on every signed-in request.

- idle timeout (SESSION_IDLE_MINUTES, SESSION_IDLE_ADMIN_MINUTES for the
  administrator roles) and absolute lifetime (SESSION_MAX_HOURS), except for
  a wall display account; automatic refreshes (htmx polling, which the page
  script marks with ``X-Diemcau-Passive``) do not count as activity;
- two-step verification: until the session is verified, a user who has it
  (or whose role requires it) reaches only the verification or enrolment page;
- the stricter password policy's maximum age (PASSWORD_MAX_AGE_DAYS), when set;
- the account's last activity (for the idle-account job), written at most hourly.

The times live in the session (database or Redis), never in a process.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from diemcau.accounts import mfa
from diemcau.accounts.models import User
from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record

STARTED = "auth_started"
SEEN = "auth_seen"
MFA_PENDING = "mfa_pending"
PASSIVE_HEADER = "HTTP_X_DIEMCAU_PASSIVE"
# Activity is written to the session at most this often (seconds), to spare a write per request.
SEEN_GRANULARITY = 30


def idle_limit_seconds(user) -> int:
    minutes = settings.SESSION_IDLE_ADMIN_MINUTES if user.role in settings.SESSION_ADMIN_ROLES else settings.SESSION_IDLE_MINUTES
    return minutes * 60


def session_start(request, user) -> None:
    """Called at sign-in: the clocks start, and an optional second step is remembered."""
    now = time.time()
    request.session[STARTED] = now
    request.session[SEEN] = now
    request.session[MFA_PENDING] = mfa.has_mfa(user)


def _away(request, url: str, *, status_json: int, detail: str):
    """Send the browser to ``url``: a redirect, an htmx redirect, or a JSON error for the API."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status_json)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _with_next(url_name: str, request) -> str:
    target = request.get_full_path() if request.method == "GET" and not request.headers.get("HX-Request") else ""
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': target})}" if target else url


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._session_rules(request, user) or self._mfa_gate(request, user) or self._password_age(request, user)
            if response is not None:
                return response
            self._note_activity(request, user)
        return self.get_response(request)

    def _session_rules(self, request, user):
        session = request.session
        now = time.time()
        if STARTED not in session:
            session[STARTED] = now
            session[SEEN] = now
            return None
        if user.is_wall_display:
            return None
        reason = None
        if now - session.get(SEEN, now) > idle_limit_seconds(user):
            reason = "idle"
        elif now - session[STARTED] > settings.SESSION_MAX_HOURS * 3600:
            reason = "max_age"
        if reason is None:
            return None
        record(AuditAction.SESSION_EXPIRED, request=request, details={"reason": reason})
        request._diemcau_session_expired = True
        login_url = _with_next("accounts:login", request)
        logout(request)
        message = (_("Your session ended after a period without activity. Please sign in again.") if reason == "idle"
                   else _("Your session reached its maximum length. Please sign in again."))
        messages.info(request, message)
        return _away(request, login_url, status_json=401, detail=message)

    def _mfa_gate(self, request, user):
        if request.user.is_verified():
            return None
        if mfa.mfa_required(user):
            target = "accounts:mfa_verify" if mfa.has_mfa(user) else "accounts:mfa_setup"
        elif request.session.get(MFA_PENDING):
            target = "accounts:mfa_verify"
        else:
            return None
        if request.path in {reverse(name) for name in ("accounts:mfa_verify", "accounts:mfa_setup", "accounts:logout")}:
            return None
        return _away(request, _with_next(target, request), status_json=403,
                     detail=_("Two-step verification is needed first."))

    def _password_age(self, request, user):
        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days:
            return None
        changed = user.password_changed_at or user.date_joined
        if timezone.now() - changed <= timedelta(days=days):
            return None
        allowed = {reverse(name) for name in ("accounts:password_change", "accounts:logout", "accounts:mfa_verify")}
        if request.path in allowed:
            return None
        return _away(request, reverse("accounts:password_change"), status_json=403,
                     detail=_("Your password has expired; change it first."))

    def _note_activity(self, request, user):
        now = time.time()
        passive = request.META.get(PASSIVE_HEADER) == "1" and not user.is_wall_display
        if not passive and now - request.session.get(SEEN, 0) >= SEEN_GRANULARITY:
            request.session[SEEN] = now
        moment = timezone.now()
        if user.last_seen_at is None or moment - user.last_seen_at > timedelta(hours=1):
            User.objects.filter(pk=user.pk).update(last_seen_at=moment)
            user.last_seen_at = moment
