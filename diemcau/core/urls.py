from django.urls import path

from diemcau.core import views

app_name = "core"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("notices/", views.notice_list, name="notices"),
    path("columns/", views.table_columns, name="table_columns"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
]
