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
from django.http import Http404

from diemcau.accounts.choices import Role
from diemcau.inventory.access import sites_for_user
from diemcau.reviews.choices import LINK_ACTIONS, LINK_GROUPS
from diemcau.reviews.models import (
    Assessment,
    Campaign,
    Evidence,
    GroupAssessment,
    Proposal,
    UnitTask,
)


def can_open_campaign(user) -> bool:
    return user.is_authenticated and user.role == Role.DOST_ADMIN


def can_review(user) -> bool:
    """Accept or return submissions."""
    return user.is_authenticated and user.edits_province


# Campaigns -------------------------------------------------------------------------------

def campaigns_for_user(user) -> QuerySet[Campaign]:
    qs = Campaign.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    # Subqueries rather than joins: counting a campaign's tasks must not be narrowed by them.
    if user.is_unit_user:
        return qs.filter(pk__in=UnitTask.objects.filter(organization_id=user.organization_id).values("campaign_id"))
    if user.is_operator:
        return qs.filter(pk__in=Assessment.objects.filter(site__in=sites_for_user(user)).values("task__campaign_id"))
    return qs.none()


def campaign_for_user(user, pk) -> Campaign:
    campaign = campaigns_for_user(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def sees_whole_campaign(user) -> bool:
    """The aggregate, the list of units and who is late."""
    return user.is_authenticated and user.sees_province


# Tasks -------------------------------------------------------------------------------------

def tasks_for_user(user) -> QuerySet[UnitTask]:
    qs = UnitTask.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    if user.is_unit_user:
        return qs.filter(organization_id=user.organization_id)
    return qs.none()


def task_for_user(user, pk) -> UnitTask:
    task = tasks_for_user(user).select_related("campaign", "organization", "submitted_by", "accepted_by") \
        .filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def can_fill(user, task: UnitTask) -> bool:
    """Fill and correct the assessments (the site contact, and the head who answers for them)."""
    return (user.is_unit_user and user.organization_id == task.organization_id and task.is_editable
            and task.campaign.closed_at is None)


def can_submit(user, task: UnitTask) -> bool:
    return (user.role == Role.UNIT_HEAD and user.organization_id == task.organization_id and task.is_editable
            and task.campaign.closed_at is None)


# Assessments -----------------------------------------------------------------------------

def assessments_for_user(user) -> QuerySet[Assessment]:
    qs = Assessment.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    if user.is_unit_user:
        return qs.filter(task__organization_id=user.organization_id)
    if user.is_operator:
        return qs.filter(site__in=sites_for_user(user))
    return qs.none()


def sees_only_links(user) -> bool:
    """Operators read only the link-related items of an assessment."""
    return user.is_operator


def assessment_for_user(user, pk, *, change: bool = False) -> Assessment:
    assessment = assessments_for_user(user).select_related(
        "task", "task__campaign", "task__organization", "site", "site__organization").filter(pk=pk).first()
    if assessment is None:
        raise Http404
    if change and not can_fill(user, assessment.task):
        raise PermissionDenied
    return assessment


def link_items(qs: QuerySet, *, prefix: str = "") -> QuerySet:
    """Narrow proposals (or group rows) to what concerns links."""
    if qs.model is Proposal:
        return qs.filter(Q(action__code__in=LINK_ACTIONS) | Q(group__code__in=LINK_GROUPS))
    return qs.filter(group__code__in=LINK_GROUPS)


def proposals_for_user(user) -> QuerySet[Proposal]:
    qs = Proposal.objects.filter(assessment__in=assessments_for_user(user))
    return link_items(qs) if sees_only_links(user) else qs


def groups_for_user(user, assessment: Assessment) -> QuerySet[GroupAssessment]:
    qs = assessment.groups.all()
    return link_items(qs) if sees_only_links(user) else qs


def proposal_for_user(user, pk, *, change: bool = False) -> Proposal:
    proposal = proposals_for_user(user).select_related(
        "assessment", "assessment__task", "assessment__task__campaign", "assessment__site", "action", "group",
        "cause").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    if change and not can_fill(user, proposal.assessment.task):
        raise PermissionDenied
    return proposal


def evidence_for_user(user, pk, *, change: bool = False) -> Evidence:
    """Operators see photos of the link-related groups only."""
    qs = Evidence.objects.filter(assessment__in=assessments_for_user(user))
    if sees_only_links(user):
        qs = qs.filter(group__code__in=LINK_GROUPS)
    evidence = qs.select_related("assessment", "assessment__task", "assessment__task__campaign").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    if change and not can_fill(user, evidence.assessment.task):
        raise PermissionDenied
    return evidence
