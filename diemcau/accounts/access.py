"""Who manages accounts (the DOST administrators) and who sees the locks (the department, the auditor)."""

from django.core.exceptions import PermissionDenied

from diemcau.accounts.choices import Role

LOCK_READERS = {Role.DOST_ADMIN, Role.DOST_STAFF, Role.AUDITOR}


def require_user_admin(user) -> None:
    if not user.is_authenticated or not user.is_dost_admin:
        raise PermissionDenied


def can_see_locks(user) -> bool:
    return user.is_authenticated and user.role in LOCK_READERS
