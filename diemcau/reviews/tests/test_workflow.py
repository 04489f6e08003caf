"""The whole workflow by role: open, pre-fill, fill, submit (signed), return with comments, resubmit, accept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from diemcau.core.models import Notice
from diemcau.reviews import services
from diemcau.reviews.choices import EventKind, TaskState
from diemcau.reviews.models import Assessment, Proposal
from diemcau.reviews.tests.conftest import complete, term


def test_opening_a_campaign_gives_each_unit_a_task_and_a_notice(campaign, province):
    assert set(campaign.tasks.values_list("state", flat=True)) == {TaskState.NOT_STARTED}
    assert campaign.tasks.count() == 3
    assert Notice.objects.filter(user=province.tech, kind="review.opened").exists()
    assert not Notice.objects.filter(user=province.vnpt_user).exists()


def test_starting_prefills_every_site_from_the_inventory(task_a, province):
    created = services.task_start(task_a, user=province.tech)
    assert created == 2
    task_a.refresh_from_db()
    assert task_a.state == TaskState.DRAFT
    site_a = Assessment.objects.get(task=task_a, site=province.site_a)
    groups = {g.group.code: g for g in site_a.groups.select_related("group", "condition")}
    assert set(groups) == {"terminal", "microphone"}
    assert groups["terminal"].condition.code == "good"
    assert groups["terminal"].device_count == 1
    assert groups["terminal"].devices[0]["label"] == "Poly Group 500"
    # Starting twice creates nothing new.
    assert services.task_start(task_a, user=province.tech) == 0


def test_whole_workflow_with_a_return_and_a_resubmission(task_a, province, client_for):
    complete(task_a, province.tech)
    with pytest.raises(PermissionDenied):
        services.task_submit(task_a, user=province.tech)
    services.task_submit(task_a, user=province.head)
    task_a.refresh_from_db()
    assert task_a.state == TaskState.SUBMITTED
    assert task_a.submitted_by == province.head and task_a.submitted_at is not None
    assert Notice.objects.filter(user=province.staff, kind="review.submitted").exists()
    # Submitted: the unit can no longer change it.
    assessment = task_a.assessments.get(site=province.site_a)
    with pytest.raises(ValidationError):
        services.proposal_save(Proposal(assessment=assessment, action=term("action", "training"),
                                        description="Tập huấn"), user=province.tech)

    group = assessment.groups.get(group__code="microphone")
    services.task_return(task_a, user=province.staff, note="Bổ sung ảnh micro",
                         comments={("group", group.pk): "Micro có tiếng rè, kiểm tra lại tình trạng"})
    task_a.refresh_from_db()
    assert task_a.state == TaskState.RETURNED
    page = client_for(province.tech).get(reverse("reviews:assessment", args=[assessment.pk]))
    assert "Micro có tiếng rè, kiểm tra lại tình trạng" in page.content.decode()
    assert Notice.objects.filter(user=province.head, kind="review.returned").exists()

    group.condition = term("device_condition", "degraded")
    group.save(update_fields=["condition"])
    with pytest.raises(ValidationError):  # degraded with no action proposed
        services.task_submit(task_a, user=province.head)
    services.proposal_save(Proposal(assessment=assessment, group=group.group, action=term("action", "accessory"),
                                    description="Thay dây micro", cost_vnd=350_000), user=province.tech)
    services.task_submit(task_a, user=province.head, note="Đã bổ sung")
    task_a.refresh_from_db()
    assert task_a.state == TaskState.SUBMITTED
    kinds = list(task_a.events.values_list("kind", flat=True))
    assert kinds == [EventKind.STARTED, EventKind.SUBMITTED, EventKind.RETURNED, EventKind.RESUBMITTED]

    services.task_accept(task_a, user=province.staff)
    task_a.refresh_from_db()
    assert task_a.state == TaskState.ACCEPTED and task_a.accepted_by == province.staff
    assert Notice.objects.filter(user=province.head, kind="review.accepted").exists()


def test_return_needs_a_note_or_a_comment(task_a, province):
    complete(task_a, province.tech)
    services.task_submit(task_a, user=province.head)
    with pytest.raises(ValidationError):
        services.task_return(task_a, user=province.staff, note=" ")


def test_only_the_department_accepts_or_returns(task_a, province):
    complete(task_a, province.tech)
    services.task_submit(task_a, user=province.head)
    for user in (province.head, province.leader, province.auditor, province.vnpt_user):
        with pytest.raises(PermissionDenied):
            services.task_accept(task_a, user=user)


def test_the_workflow_through_the_pages(task_a, province, client_for):
    tech, head, staff = client_for(province.tech), client_for(province.head), client_for(province.staff)
    response = tech.post(reverse("reviews:task_start", args=[task_a.pk]))
    assert response.status_code == 302
    assessment = task_a.assessments.get(site=province.site_a)
    groups = list(assessment.groups.all())
    data = {"a-meets_needs": "partly", "a-summary": "Ổn"}
    for g in groups:
        data[f"g{g.pk}-condition"] = term("device_condition", "good").pk
        data[f"g{g.pk}-meets_needs"] = "fully"
        data[f"g{g.pk}-compatibility"] = "compatible"
    data[f"g{groups[0].pk}-fault_audio_noise"] = "monthly"
    data[f"g{groups[0].pk}-causes"] = [term("cause", "configuration").pk]
    response = tech.post(reverse("reviews:assessment", args=[assessment.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert groups[0].faults.get().frequency == "monthly"
    other = task_a.assessments.get(site=province.site_a2)
    tech.post(reverse("reviews:assessment", args=[other.pk]), {"a-meets_needs": "not", "a-summary": "Chưa có thiết bị"})
    # The site contact cannot submit; the head can.
    assert tech.post(reverse("reviews:task_submit", args=[task_a.pk])).status_code == 403
    head.post(reverse("reviews:task_submit", args=[task_a.pk]), {"note": "Ký"})
    task_a.refresh_from_db()
    assert task_a.state == TaskState.SUBMITTED
    page = staff.get(reverse("reviews:task", args=[task_a.pk])).content.decode()
    assert 'id="review-form"' in page and 'id="signature"' in page
    mic = assessment.groups.get(group__code="microphone")
    assert f'name="c-group-{mic.pk}"' in page
    staff.post(reverse("reviews:task_review", args=[task_a.pk]),
               {"decision": "return", f"c-assessment-{other.pk}": "Điểm cầu này thiếu đề xuất",
                f"c-group-{mic.pk}": "Micro có tiếng rè?"})
    other.refresh_from_db()
    mic.refresh_from_db()
    assert other.return_comment == "Điểm cầu này thiếu đề xuất"
    assert mic.return_comment == "Micro có tiếng rè?"
    task_a.refresh_from_db()
    assert task_a.state == TaskState.RETURNED


def test_a_closed_campaign_takes_no_more_changes_and_no_reminders(task_a, province, client_for):
    import datetime as dt

    services.task_start(task_a, user=province.tech)
    client_for(province.admin).post(reverse("reviews:campaign_close", args=[task_a.campaign_id]))
    task_a.refresh_from_db()
    assert task_a.campaign.closed_at is not None
    with pytest.raises(ValidationError):
        services.proposal_save(Proposal(assessment=task_a.assessments.first(), action=term("action", "training"),
                                        description="Tập huấn"), user=province.tech)
    assert services.reminders_send(now=task_a.campaign.deadline - dt.timedelta(hours=1)) == 0


def test_a_unit_sees_its_campaigns_latest_first(province, client_for):
    import datetime as dt

    from django.utils import timezone

    older = services.campaign_open(title="Rà soát 2025", deadline=timezone.now() + dt.timedelta(days=1),
                                   user=province.admin, organizations=[province.commune_a])
    newer = services.campaign_open(title="Rà soát 2026", deadline=timezone.now() + dt.timedelta(days=30),
                                   user=province.admin, organizations=[province.commune_a, province.commune_b])
    response = client_for(province.tech).get(reverse("reviews:campaigns"))
    assert [c.pk for c in response.context["campaigns"]] == [newer.pk, older.pk]
    staff = client_for(province.staff).get(reverse("reviews:campaigns"))
    assert {c.pk: c.units for c in staff.context["campaigns"]} == {newer.pk: 2, older.pk: 1}


def test_a_proposal_to_keep_a_device_costs_nothing(task_a, province):
    services.task_start(task_a, user=province.tech)
    with pytest.raises(ValidationError) as error:
        services.proposal_save(Proposal(assessment=task_a.assessments.first(), action=term("action", "keep"),
                                        description="Giữ nguyên", cost_vnd=1_000_000), user=province.tech)
    assert "cost_vnd" in error.value.message_dict
