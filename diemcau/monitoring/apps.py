from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class MonitoringConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    url_prefix = 'monitoring'
