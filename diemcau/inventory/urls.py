from django.urls import path

from diemcau.inventory import importer_views, reference_views, views

urlpatterns = [
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/new/", reference_views.organization_edit, name="organization_add"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", reference_views.organization_edit, name="organization_edit"),
    path("reference/", reference_views.reference_index, name="reference"),
    path("reference/<slug:taxonomy>/", reference_views.taxonomy_detail, name="taxonomy"),
    path("reference/<slug:taxonomy>/new/", reference_views.term_edit, name="term_add"),
    path("reference/<slug:taxonomy>/<int:pk>/", reference_views.term_edit, name="term_edit"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_edit, name="site_add"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/retire/", views.site_retire, name="site_retire"),
    path("sites/<int:site_pk>/devices/new/", views.device_edit, name="device_add"),
    path("sites/<int:site_pk>/links/new/", views.link_edit, name="link_add"),
    path("sites/<int:site_pk>/contacts/new/", views.contact_edit, name="contact_add"),
    path("devices/", views.device_list, name="devices"),
    path("devices/<int:pk>/", views.device_detail, name="device"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/retire/", views.device_retire, name="device_retire"),
    path("links/", views.link_list, name="links"),
    path("links/<int:pk>/edit/", views.link_edit, name="link_edit"),
    path("links/<int:pk>/retire/", views.link_retire, name="link_retire"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/retire/", views.contact_retire, name="contact_retire"),
    path("import/", importer_views.import_page, name="import"),
    path("import/template.xlsx", importer_views.import_template, name="import_template"),
    path("import/runs/<str:key>/", importer_views.import_run, name="import_run"),
]
