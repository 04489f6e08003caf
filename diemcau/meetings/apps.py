from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class MeetingsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.meetings"
    label = "meetings"
    verbose_name = _("Meetings")
    url_prefix = "meetings"
    nav_order = 25
    site_panel = "diemcau.meetings.panels.site_panel"
    overview_panel = "diemcau.meetings.panels.overview_panel"
    stability_inputs = "diemcau.meetings.stability.stability_inputs"

    @property
    def nav(self):
        return (
            (_("Meetings"), "meetings:list", None),
            (_("My pre-meeting checks"), "meetings:my_checks", {"site_tech", "unit_head"}),
            (_("Duty roster"), "meetings:duty", None),
            (_("Backup plans"), "meetings:backups", None),
            (_("Training"), "meetings:training", None),
        )
