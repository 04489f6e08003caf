from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from diemcau.core import views

app_name = "core"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("notices/", views.notice_list, name="notices"),
    path("columns/", views.table_columns, name="table_columns"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("diemcau/favicon.svg"), permanent=True)),
]
