from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class IncidentsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.incidents"
    label = "incidents"
    verbose_name = _("Incidents")
    url_prefix = "incidents"
    notice_topics = (("incident", _("Incidents")),)
    report_url = "diemcau.incidents.access.report_url"
    nav_order = 30
    site_panel = "diemcau.incidents.panels.site_panel"
    overview_panel = "diemcau.incidents.panels.overview_panel"
    stability_inputs = "diemcau.incidents.stability.stability_inputs"

    @property
    def nav(self):
        return (
            (_("Incidents"), "incidents:list", None),
            (_("SLA report"), "incidents:sla_report", None),
            (_("Knowledge base"), "incidents:guides", None),
            (_("SLA rules"), "incidents:settings", {"dost_admin", "dost_staff"}),
        )
