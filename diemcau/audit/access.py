"""Who reads the audit log: the department (DOST) and the inspectors. Nobody changes it."""

from django.core.exceptions import PermissionDenied

from diemcau.accounts.choices import Role

AUDIT_READERS = {Role.DOST_ADMIN, Role.DOST_STAFF, Role.AUDITOR}


def require_audit_reader(user) -> None:
    if not user.is_authenticated or user.role not in AUDIT_READERS:
        raise PermissionDenied
