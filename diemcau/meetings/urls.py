from django.urls import path

from diemcau.meetings import board_views, support_views, views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("my-checks/", views.my_checks, name="my_checks"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/board/", board_views.board_page, name="board"),
    path("<int:pk>/board/live/", board_views.board_live, name="board_live"),
    path("<int:pk>/rollcall/<int:site_pk>/", board_views.rollcall, name="rollcall"),
    path("<int:pk>/check/<int:site_pk>/", board_views.check_page, name="check"),
    path("<int:pk>/check/<int:site_pk>/mark/", board_views.check_mark, name="mark"),
    path("<int:pk>/check/<int:site_pk>/throughput/", board_views.check_throughput, name="check_throughput"),
    path("<int:pk>/check/<int:site_pk>/incident/<int:mark_pk>/", board_views.check_incident, name="check_incident"),
    path("<int:pk>/report/", board_views.meeting_report, name="report"),
]

urlpatterns += [
    path("duty/", support_views.duty_list, name="duty"),
    path("duty/<int:pk>/swap/", support_views.duty_swap, name="duty_swap"),
    path("duty/<int:pk>/cancel/", support_views.duty_cancel, name="duty_cancel"),
    path("backups/", support_views.backup_list, name="backups"),
    path("backups/site/<int:site_pk>/", support_views.backup_site, name="backup_site"),
    path("backups/plan/<int:plan_pk>/drill/", support_views.drill_add, name="drill_add"),
    path("backups/plan/<int:plan_pk>/retire/", support_views.plan_retire, name="plan_retire"),
    path("training/", support_views.training_list, name="training"),
    path("training/flags/", support_views.training_flags, name="training_flags"),
    path("calendar/", support_views.calendar_page, name="calendar"),
    path("ical/<str:key>.ics", support_views.ical_feed, name="ical"),
    path("import/", support_views.import_page, name="import"),
]
