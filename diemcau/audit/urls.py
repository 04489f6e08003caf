from django.urls import path

from diemcau.audit import views

urlpatterns = [
    path("", views.audit_list, name="list"),
]
