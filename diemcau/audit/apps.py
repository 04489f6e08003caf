from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class AuditConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.audit"
    label = "audit"
    verbose_name = _("Audit log")
    url_prefix = "audit"
    # Its menu entry sits with the accounts' (see accounts.apps): one dropdown, a short bar.

    def ready(self):
        super().ready()
        from diemcau.core.exports import exported

        exported.connect(_record_export, dispatch_uid="audit.record_export")


def _record_export(sender, *, request, what, list_code, fmt, rows, filters, complete, **kwargs):
    from diemcau.audit.services import record_export

    record_export(what=what, list_code=list_code, fmt=fmt, rows=rows, request=request, filters=filters,
                  complete=complete)
