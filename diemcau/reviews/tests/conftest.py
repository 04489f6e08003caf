"""Builders for review-campaign tests: a campaign over the test province, and filled assessments."""

import datetime as dt

import pytest
from django.utils import timezone

from diemcau.inventory.models import Term
from diemcau.reviews import services
from diemcau.reviews.models import Evidence, Proposal


def term(taxonomy, code):
    return Term.objects.get(taxonomy=taxonomy, code=code)


@pytest.fixture(autouse=True)
def _jobs_run_at_once():
    """Queued jobs (e-mails) run in the test's process, from huey's in-memory queue."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def campaign(province):
    return services.campaign_open(
        title="Rà soát 2026", deadline=timezone.now() + dt.timedelta(days=10), user=province.admin,
        organizations=[province.commune_a, province.commune_b, province.department],
        instructions="Đánh giá mọi điểm cầu.",
    )


@pytest.fixture
def task_a(campaign, province):
    return campaign.tasks.get(organization=province.commune_a)


@pytest.fixture
def task_b(campaign, province):
    return campaign.tasks.get(organization=province.commune_b)


def complete(task, user, *, meets="fully"):
    """Answer everything the checks ask, as a careful site contact would."""
    services.task_start(task, user=user)
    for assessment in task.assessments.all():
        assessment.meets_needs = meets
        assessment.save(update_fields=["meets_needs"])
        for group in assessment.groups.select_related("condition"):
            if group.condition is None:
                group.condition = term("device_condition", "good")
            group.meets_needs = "fully"
            group.save(update_fields=["condition", "meets_needs"])
            if group.condition.code in ("degraded", "broken"):
                Proposal.objects.create(assessment=assessment, group=group.group, action=term("action", "reconfigure"),
                                        description="Chuẩn hóa cấu hình theo hồ sơ của tỉnh")
            if group.faults.exists() and not group.causes.exists():
                group.causes.add(term("cause", "configuration"))
    return task


def purchase(assessment, user, *, group="microphone", action="invest", cause="equipment", cost=12_500_000,
             evidence=True, **fields):
    """A well-formed purchase proposal (justified, evidenced, costed) saved through the service."""
    if evidence:
        Evidence.objects.create(assessment=assessment, group=term("device_group", group), note="Ảnh hiện trạng")
    proposal = Proposal(assessment=assessment, group=term("device_group", group), action=term("action", action),
                        cause=term("cause", cause) if cause else None, description="Mua micro cổ ngỗng",
                        cost_vnd=cost, justification="Micro hỏng, không sửa được", **fields)
    return services.proposal_save(proposal, user=user)
