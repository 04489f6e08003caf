from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class IncidentsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.incidents"
    label = "incidents"
    verbose_name = _("Incidents")
    url_prefix = 'incidents'
