from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from diemcau.core import views

app_name = "core"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/channels/", views.channel_settings, name="channels"),
    path("outbox/", views.outbox_page, name="outbox"),
    path("outbox/<int:pk>/decide/", views.delivery_decide, name="delivery_decide"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("diemcau/favicon.svg"), permanent=True)),
]
