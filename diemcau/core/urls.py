from django.urls import path

from diemcau.core import views

app_name = "core"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/channels/", views.channel_settings, name="channels"),
    path("outbox/", views.outbox_page, name="outbox"),
    path("outbox/<int:pk>/decide/", views.delivery_decide, name="delivery_decide"),
    path("columns/", views.table_columns, name="table_columns"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
]
