from django.urls import path

from diemcau.standards import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("matrix/", views.matrix, name="matrix"),
    path("versions/", views.standard_list, name="standards"),
    path("versions/new/", views.standard_new_draft, name="standard_new_draft"),
    path("versions/import/", views.standard_import, name="standard_import"),
    path("versions/<int:pk>/", views.standard_detail, name="standard"),
    path("versions/<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("versions/<int:pk>/publish/", views.standard_publish, name="standard_publish"),
    path("versions/<int:pk>/export.yaml", views.standard_export, name="standard_export"),
    path("versions/<int:standard_pk>/requirements/new/", views.requirement_edit, name="requirement_add"),
    path("requirements/<int:pk>/edit/", views.requirement_edit, name="requirement_edit"),
    path("requirements/<int:pk>/delete/", views.requirement_delete, name="requirement_delete"),
    path("platforms/", views.platform_list, name="platforms"),
    path("platforms/new/", views.platform_edit, name="platform_add"),
    path("platforms/<int:pk>/edit/", views.platform_edit, name="platform_edit"),
    path("profiles/", views.profile_list, name="profiles"),
    path("profiles/new/", views.profile_edit, name="profile_add"),
    path("profiles/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("settings/import/", views.settings_import, name="settings_import"),
    path("settings/template.xlsx", views.settings_template, name="settings_template"),
    path("sites/<int:pk>/", views.site_results, name="site_results"),
    path("sites/<int:pk>/settings/", views.site_settings, name="site_settings"),
    path("sites/<int:pk>/recompute/", views.site_recompute, name="site_recompute"),
]
