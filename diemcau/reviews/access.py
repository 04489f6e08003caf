"""Who sees and changes which campaign objects — decided here and nowhere else.

- ``dost_admin`` opens campaigns; ``dost_admin`` and ``dost_staff`` see
  everything and accept or return submissions;
- ``leader`` and ``auditor`` read everything;
- ``unit_head`` and ``site_tech`` see their own organisation's tasks and
  assessments; the site contact fills them, the head signs and submits;
- ``operator`` sees only what concerns its links: the link-related items
  (network group, link and connection actions) of the sites it serves.

Invisible objects raise 404; visible but not changeable raise 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from diemcau.accounts.choices import Role
from diemcau.core.scope import ADMIN, EDITORS, Rule, allowed, get_for_user, permits, register, scope
from diemcau.inventory.access import served
from diemcau.reviews.choices import LINK_ACTIONS, LINK_GROUPS
from diemcau.reviews.models import (
    Assessment,
    Campaign,
    Evidence,
    GroupAssessment,
    Proposal,
    UnitTask,
)

LINK_PROPOSALS = Q(action__code__in=LINK_ACTIONS) | Q(group__code__in=LINK_GROUPS)


def _unit_campaigns(user) -> Q:
    # Subqueries rather than joins: counting a campaign's tasks must not be narrowed by them.
    return Q(pk__in=UnitTask.objects.filter(organization_id=user.organization_id).values("campaign_id"))


def _operator_campaigns(user) -> Q:
    return Q(pk__in=Assessment.objects.filter(served("site")(user)).values("task__campaign_id"))


def _operator_proposals(user) -> Q:
    return served("assessment__site")(user) & LINK_PROPOSALS


def _operator_evidence(user) -> Q:
    return served("assessment__site")(user) & Q(group__code__in=LINK_GROUPS)


register(Campaign, view=Rule(unit=_unit_campaigns, operator=_operator_campaigns),
         # Open a campaign (the department's administrator); accept or return submissions (the department).
         open=Rule(province=ADMIN), review=Rule(province=EDITORS),
         # The aggregate, the list of units and who is late: the province roles.
         whole=Rule())
register(UnitTask, view=Rule(unit="organization"),
         # Fill and correct (the site contact, and the head who answers for them); sign and submit (the head).
         fill=Rule(province=None, unit="organization"),
         submit=Rule(province=None, roles=frozenset({Role.UNIT_HEAD}), unit="organization"))
register(Assessment, view=Rule(unit="task__organization", operator=served("site")))
register(Proposal, view=Rule(unit="assessment__task__organization", operator=_operator_proposals))
register(Evidence, view=Rule(unit="assessment__task__organization", operator=_operator_evidence))


def can_open_campaign(user) -> bool:
    return permits(user, Campaign, "open")


def can_review(user) -> bool:
    """Accept or return submissions."""
    return permits(user, Campaign, "review")


# Campaigns -------------------------------------------------------------------------------

def campaigns_for_user(user) -> QuerySet[Campaign]:
    return scope(Campaign.objects.all(), user)


def campaign_for_user(user, pk) -> Campaign:
    return get_for_user(Campaign.objects.all(), user, pk)


def sees_whole_campaign(user) -> bool:
    """The aggregate, the list of units and who is late."""
    return permits(user, Campaign, "whole")


# Tasks -------------------------------------------------------------------------------------

def tasks_for_user(user) -> QuerySet[UnitTask]:
    return scope(UnitTask.objects.all(), user)


def task_for_user(user, pk) -> UnitTask:
    return get_for_user(UnitTask.objects.select_related("campaign", "organization", "submitted_by", "accepted_by"),
                        user, pk)


def _open(task: UnitTask) -> bool:
    return task.is_editable and task.campaign.closed_at is None


def can_fill(user, task: UnitTask) -> bool:
    """Fill and correct the assessments (the site contact, and the head who answers for them)."""
    return allowed(user, task, "fill") and _open(task)


def can_submit(user, task: UnitTask) -> bool:
    return allowed(user, task, "submit") and _open(task)


# Assessments -----------------------------------------------------------------------------

def assessments_for_user(user) -> QuerySet[Assessment]:
    return scope(Assessment.objects.all(), user)


def sees_only_links(user) -> bool:
    """Operators read only the link-related items of an assessment."""
    return user.is_operator


def assessment_for_user(user, pk, *, change: bool = False) -> Assessment:
    assessment = get_for_user(Assessment.objects.select_related(
        "task", "task__campaign", "task__organization", "site", "site__organization"), user, pk)
    if change and not can_fill(user, assessment.task):
        raise PermissionDenied
    return assessment


def link_items(qs: QuerySet, *, prefix: str = "") -> QuerySet:
    """Narrow proposals (or group rows) to what concerns links."""
    if qs.model is Proposal:
        return qs.filter(LINK_PROPOSALS)
    return qs.filter(group__code__in=LINK_GROUPS)


def proposals_for_user(user) -> QuerySet[Proposal]:
    return scope(Proposal.objects.all(), user)


def groups_for_user(user, assessment: Assessment) -> QuerySet[GroupAssessment]:
    qs = assessment.groups.all()
    return link_items(qs) if sees_only_links(user) else qs


def proposal_for_user(user, pk, *, change: bool = False) -> Proposal:
    proposal = get_for_user(Proposal.objects.select_related(
        "assessment", "assessment__task", "assessment__task__campaign", "assessment__site", "action", "group",
        "cause"), user, pk)
    if change and not can_fill(user, proposal.assessment.task):
        raise PermissionDenied
    return proposal


def evidence_for_user(user, pk, *, change: bool = False) -> Evidence:
    """Operators see photos of the link-related groups only."""
    evidence = get_for_user(Evidence.objects.select_related(
        "assessment", "assessment__task", "assessment__task__campaign"), user, pk)
    if change and not can_fill(user, evidence.assessment.task):
        raise PermissionDenied
    return evidence
