from django.urls import path

from diemcau.reviews import views

urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/aggregate/", views.campaign_aggregate, name="aggregate"),
    path("<int:pk>/compare/", views.campaign_compare, name="compare"),
    path("<int:pk>/links/", views.link_items, name="link_items"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/submit/", views.task_submit, name="task_submit"),
    path("tasks/<int:pk>/review/", views.task_review, name="task_review"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:assessment_pk>/proposals/new/", views.proposal_edit, name="proposal_new"),
    path("assessments/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("proposals/<int:pk>/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/delete/", views.proposal_delete, name="proposal_delete"),
    path("evidence/<int:pk>/photo/", views.evidence_photo, name="evidence_photo"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
