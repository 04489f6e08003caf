from django.urls import path

from diemcau.monitoring import views

urlpatterns = [
    path("", views.board, name="board"),
    path("metrics", views.metrics, name="metrics"),
    path("vendor-oids/", views.vendor_oids, name="vendor_oids"),
    path("site/<int:pk>/", views.site_quality, name="site"),
    path("site/<int:pk>/series.json", views.site_series, name="series"),
    path("site/<int:pk>/call-quality/", views.call_quality_part, name="call_quality"),
    path("site/<int:pk>/token/", views.token_issue, name="token_issue"),
    path("site/<int:pk>/throughput/", views.throughput_request, name="throughput"),
    path("site/<int:pk>/token/<int:token_pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("site/<int:pk>/checks/add/", views.check_add, name="check_add"),
    path("checks/<int:check_pk>/", views.check_edit, name="check_edit"),
    path("checks/<int:check_pk>/delete/", views.check_delete, name="check_delete"),
]
