from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class StandardsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.standards"
    label = "standards"
    verbose_name = _("Standards and compliance")
    url_prefix = 'standards'
