from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class MeetingsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.meetings"
    label = "meetings"
    verbose_name = _("Meetings")
    url_prefix = 'meetings'
