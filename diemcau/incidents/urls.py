from django.urls import path

from diemcau.incidents import reference_views, report_views, views

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.incident_report, name="report"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/photo/", views.incident_photo, name="photo"),
    path("<int:pk>/clocks/", views.incident_clocks, name="clocks"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="action"),
    path("repeats/", views.repeat_list, name="repeats"),
    path("sla/", report_views.sla_report, name="sla_report"),
    path("guides/", reference_views.guide_list, name="guides"),
    path("guides/<int:pk>/edit/", reference_views.guide_edit, name="guide_edit"),
    path("settings/", reference_views.settings_page, name="settings"),
    path("settings/policies/new/", reference_views.policy_edit, name="policy_add"),
    path("settings/policies/<int:pk>/", reference_views.policy_edit, name="policy_edit"),
    path("settings/calendar/new/", reference_views.calendar_add, name="calendar_add"),
    path("settings/calendar/<int:pk>/delete/", reference_views.calendar_delete, name="calendar_delete"),
    path("settings/webhooks/new/", reference_views.webhook_edit, name="webhook_add"),
    path("settings/webhooks/<int:pk>/", reference_views.webhook_edit, name="webhook_edit"),
]
