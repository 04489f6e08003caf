from django.urls import path

from diemcau.reports import plan_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/<int:campaign_pk>/unit-report/", views.unit_report, name="unit_report"),
    path("campaigns/<int:campaign_pk>/<str:kind>/", views.province_document, name="province_document"),
    path("campaigns/<int:campaign_pk>/roadmap/new/", plan_views.roadmap_new, name="roadmap_new"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/preview.docx", views.document_preview, name="preview"),
    path("documents/<int:pk>/issue/", views.document_issue, name="issue"),
    path("issued/<int:pk>/<str:what>/", views.issued_download, name="download"),
    path("roadmaps/<int:pk>/", plan_views.roadmap_detail, name="roadmap"),
    path("roadmaps/<int:pk>/slider/", plan_views.roadmap_slider, name="slider"),
    path("roadmaps/<int:pk>/adopt/", plan_views.roadmap_adopt, name="adopt"),
    path("roadmaps/<int:roadmap_pk>/progress/", views.progress_new, name="progress_new"),
    path("tasks/", plan_views.work_list, name="works"),
    path("tasks/<int:pk>/", plan_views.work_detail, name="work"),
    path("guides/", plan_views.guide_list, name="guides"),
    path("guides/new/", plan_views.guide_edit, name="guide_new"),
    path("guides/<slug:code>/", plan_views.guide_detail, name="guide"),
    path("guides/<slug:code>/edit/", plan_views.guide_edit, name="guide_edit"),
    path("guides/<slug:code>/readers/", plan_views.guide_readers, name="guide_readers"),
    path("guides/<slug:code>/v<int:number>/read/", plan_views.guide_confirm, name="guide_confirm"),
    path("guides/<slug:code>/v<int:number>.docx", plan_views.guide_docx, name="guide_docx"),
]
