from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class ReviewsConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.reviews"
    label = "reviews"
    verbose_name = _("Review campaigns")
    url_prefix = 'reviews'
