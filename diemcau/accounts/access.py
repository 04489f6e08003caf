"""Who manages accounts: only the DOST administrators."""

from django.core.exceptions import PermissionDenied


def require_user_admin(user) -> None:
    if not user.is_authenticated or not user.is_dost_admin:
        raise PermissionDenied
