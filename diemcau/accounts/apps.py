from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class AccountsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    url_prefix = "accounts"
    nav_order = 90

    @property
    def nav(self):
        from diemcau.accounts.choices import Role
        from diemcau.audit.access import AUDIT_READERS

        return (
            (_("Users"), "accounts:users", {Role.DOST_ADMIN}),
            (_("Locked accounts"), "accounts:locks", {Role.DOST_ADMIN, Role.DOST_STAFF, Role.AUDITOR}),
            (_("Audit log"), "audit:list", AUDIT_READERS),
        )

    def ready(self):
        from diemcau.accounts import signals  # noqa: F401
