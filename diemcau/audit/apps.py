from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class AuditConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.audit"
    label = "audit"
    verbose_name = _("Audit log")
    url_prefix = "audit"
    nav_order = 95

    @property
    def nav(self):
        from diemcau.audit.access import AUDIT_READERS

        return ((_("Audit log"), "audit:list", AUDIT_READERS),)
