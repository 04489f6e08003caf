"""What the page script needs to warn before an idle session ends."""

from django.conf import settings

from diemcau.accounts.middleware import idle_limit_seconds


def session_timing(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_wall_display:
        return {}
    return {"session_idle_seconds": idle_limit_seconds(user), "session_warning_seconds": settings.SESSION_WARNING_SECONDS}
