"""JSON API of review campaigns, mounted at ``/api/v1/reviews/``; the same access helpers as the pages."""

from datetime import datetime

from ninja import Router, Schema
from ninja.errors import HttpError

from diemcau.core.filtering import api_filter
from diemcau.reviews import access, aggregate
from diemcau.reviews.checks import flag_text
from diemcau.reviews.choices import TaskState
from diemcau.reviews.filters import ProposalFilterSet

router = Router(tags=["reviews"])


class CampaignOut(Schema):
    id: int
    title: str
    deadline: datetime
    closed_at: datetime | None


class TaskOut(Schema):
    id: int
    organization: str
    organization_code: str
    state: str
    late: bool
    submitted_at: datetime | None
    submitted_by: str | None


class ProposalOut(Schema):
    id: int
    site: str
    group: str | None
    action: str
    list: str
    cause: str | None
    description: str
    quantity: int
    cost_vnd: int
    justification: str
    province_wide: bool
    help_now: bool
    flags: list[str]
    flag_reason: str


class GroupOut(Schema):
    group: str
    devices: int
    state: str | None
    compatibility: str
    meets_needs: str
    causes: list[str]
    faults: dict[str, str]


class AssessmentOut(Schema):
    id: int
    site: str
    campaign: int
    state: str
    verdict: str
    meets_needs: str
    summary: str
    groups: list[GroupOut]
    proposals: list[ProposalOut]


def _proposal(p) -> dict:
    return {
        "id": p.pk, "site": p.assessment.site.code, "group": p.group.code if p.group_id else None,
        "action": p.action.code, "list": p.list_code, "cause": p.cause.code if p.cause_id else None,
        "description": p.description, "quantity": p.quantity, "cost_vnd": p.cost_vnd,
        "justification": p.justification, "province_wide": p.province_wide, "help_now": p.help_now,
        "flags": [flag_text(f) for f in p.flags], "flag_reason": p.flag_reason,
    }


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request):
    return list(access.campaigns_for_user(request.user))


@router.get("/campaigns/{campaign_id}/tasks", response=list[TaskOut])
def list_tasks(request, campaign_id: int):
    campaign = access.campaign_for_user(request.user, campaign_id)
    tasks = access.tasks_for_user(request.user).filter(campaign=campaign).select_related(
        "organization", "submitted_by", "campaign")
    return [{"id": t.pk, "organization": t.organization.name, "organization_code": t.organization.code,
             "state": t.state, "late": t.is_late(), "submitted_at": t.submitted_at,
             "submitted_by": t.submitted_by.username if t.submitted_by_id else None} for t in tasks]


@router.get("/campaigns/{campaign_id}/proposals", response=list[ProposalOut])
def list_proposals(request, campaign_id: int, list_code: str = "", flagged: bool = False):
    """Proposals of the campaign the caller may see (an operator: the link-related ones)."""
    campaign = access.campaign_for_user(request.user, campaign_id)
    qs = access.proposals_for_user(request.user).filter(assessment__task__campaign=campaign).select_related(
        "assessment__site", "group", "action", "cause")
    # The aggregate page's FilterSet; every unit's items, as this endpoint always listed them.
    qs = api_filter(ProposalFilterSet, {"list": list_code, "focus": "flagged" if flagged else None, "state": "all"},
                    qs)
    return [_proposal(p) for p in qs.order_by("assessment__site__code", "pk")]


@router.get("/campaigns/{campaign_id}/aggregate")
def campaign_aggregate(request, campaign_id: int, include_drafts: bool = False):
    """The three lists with counts and total cost, the focus counts and the progress (department, leaders, audit)."""
    campaign = access.campaign_for_user(request.user, campaign_id)
    if not access.sees_whole_campaign(request.user):
        raise HttpError(403, "Only the department, leaders and auditors see the aggregate.")
    states = list(TaskState.values) if include_drafts else list(TaskState.handed_in())
    base = aggregate.proposals_in(campaign, states=states)
    progress = aggregate.progress(campaign)
    return {
        "campaign": campaign.pk,
        "lists": [{k: (str(v) if k == "label" else v) for k, v in row.items()} for row in aggregate.three_lists(base)],
        "focus": aggregate.focus_counts(base),
        "progress": {"total": progress["total"], "handed_in": progress["handed_in"],
                     "by_state": {r["state"]: r["count"] for r in progress["rows"]},
                     "late": [t.organization.code for t in progress["late"]]},
    }


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def get_assessment(request, assessment_id: int):
    assessment = access.assessment_for_user(request.user, assessment_id)
    groups = access.groups_for_user(request.user, assessment).select_related("group", "condition") \
        .prefetch_related("causes", "faults__symptom")
    proposals = access.proposals_for_user(request.user).filter(assessment=assessment).select_related(
        "assessment__site", "group", "action", "cause")
    return {
        "id": assessment.pk, "site": assessment.site.code, "campaign": assessment.task.campaign_id,
        "state": assessment.task.state, "verdict": assessment.verdict, "meets_needs": assessment.meets_needs,
        "summary": "" if access.sees_only_links(request.user) else assessment.summary,
        "groups": [{"group": g.group.code, "devices": g.device_count,
                    "state": g.condition.code if g.condition_id else None, "compatibility": g.compatibility,
                    "meets_needs": g.meets_needs, "causes": [c.code for c in g.causes.all()],
                    "faults": {f.symptom.code: f.frequency for f in g.faults.all()}} for g in groups],
        "proposals": [_proposal(p) for p in proposals],
    }
