from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class AuditConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.audit"
    label = "audit"
    verbose_name = _("Audit log")
    url_prefix = "audit"
    # Its menu entry sits with the accounts' (see accounts.apps): one dropdown, a short bar.
