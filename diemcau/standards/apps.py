from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class StandardsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.standards"
    label = "standards"
    verbose_name = _("Standards and compliance")
    url_prefix = "standards"
    nav_order = 20
    site_panel = "diemcau.standards.panels.site_panel"
    site_panel_folded = True
    overview_panel = "diemcau.standards.panels.overview_panel"

    @property
    def nav(self):
        return ((_("Compliance"), "standards:overview", None),)

    def ready(self):
        # Registers the worker's jobs with huey.
        from diemcau.standards import tasks  # noqa: F401
