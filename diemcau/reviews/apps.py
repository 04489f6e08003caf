from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class ReviewsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.reviews"
    label = "reviews"
    verbose_name = _("Review campaigns")
    url_prefix = "reviews"
    notice_topics = (("review", _("Review campaigns")),)
    nav_order = 30
    site_panel = "diemcau.reviews.panels.site_panel"
    site_panel_folded = True
    overview_panel = "diemcau.reviews.panels.overview_panel"

    @property
    def nav(self):
        return ((_("Reviews"), "reviews:campaigns", None),)

    def ready(self):
        # Registers the worker's jobs with huey.
        from diemcau.reviews import tasks  # noqa: F401
