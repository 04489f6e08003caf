from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class ReportsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.reports"
    label = "reports"
    verbose_name = _("Reports")
    url_prefix = 'reports'
