from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class MonitoringConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    url_prefix = "monitoring"
    nav_order = 35
    site_panel = "diemcau.monitoring.panels.site_panel"
    overview_panel = "diemcau.monitoring.panels.overview_panel"
    stability_inputs = "diemcau.monitoring.stability.stability_inputs"
    link_quality = "diemcau.monitoring.stability.link_quality"
    site_retired = "diemcau.monitoring.services.site_retired"

    @property
    def nav(self):
        # The vendor OIDs are reached from the board: the menu is crowded enough.
        return ((_("Link quality"), "monitoring:board", None),)
