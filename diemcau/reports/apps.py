from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class ReportsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.reports"
    label = "reports"
    verbose_name = _("Reports")
    url_prefix = "reports"
    nav_order = 40
    notice_topics = (("reports", _("Roadmap tasks")),)

    @property
    def nav(self):
        return (
            (_("Reports"), "reports:index", None),
            (_("Roadmap tasks"), "reports:works", None),
            (_("Guides"), "reports:guides", None),
        )

    def ready(self):
        # Registers the worker's jobs with huey.
        from diemcau.reports import tasks  # noqa: F401
