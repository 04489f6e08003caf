"""Who sees and works which incidents — decided here and nowhere else.

Built on the inventory access helpers:

- ``dost_admin``, ``dost_staff``, ``leader``, ``auditor`` see every incident;
- ``unit_head`` and ``site_tech`` see the incidents of their organisation's
  sites, and those their organisation holds or held;
- an ``operator`` sees only incidents routed to it, now or before — never
  another operator's, even at a site it serves.

An incident the user may not see is a 404 (guessed ids leak nothing); one
they see but may not work on is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from diemcau.incidents.choices import Status
from diemcau.incidents.models import Holding, Incident
from diemcau.inventory.access import sites_for_user
from diemcau.inventory.models import Site


def incidents_for_user(user) -> QuerySet[Incident]:
    qs = Incident.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    held = Holding.objects.filter(holder_id=user.organization_id).values("incident_id")
    if user.is_unit_user:
        # site_id IN (a few sites) OR id IN (held): both sides use an index.
        own_sites = Site.objects.filter(organization_id=user.organization_id).values("pk")
        return qs.filter(Q(site_id__in=own_sites) | Q(pk__in=held))
    if user.is_operator:
        # Every holder, current or past, has a Holding row: one indexed subquery.
        return qs.filter(pk__in=held)
    return qs.none()


def incident_for_user(user, pk) -> Incident:
    incident = incidents_for_user(user).select_related(
        "site", "site__organization", "holder", "holder__kind", "reported_by", "suspected_cause",
        "cause_found", "action_taken",
    ).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def is_holder(user, incident) -> bool:
    return user.organization_id == incident.holder_id and (user.is_unit_user or user.is_operator
                                                           or user.edits_province)


def can_work(user, incident) -> bool:
    """Acknowledge, respond, pause, resolve: the holder's people, or DOST."""
    return incident.is_open and (user.edits_province or is_holder(user, incident))


def can_triage(user, incident) -> bool:
    """Severity, cause, meeting flag, hand over: DOST, or the holder with a reason."""
    return incident.is_open and (user.edits_province or is_holder(user, incident))


def is_reporter_side(user, incident) -> bool:
    return user.is_unit_user and user.organization_id == incident.site.organization_id


def can_resume(user, incident) -> bool:
    """The reporter's side answers a question; the holder may resume too (and alone ends a third-party wait)."""
    if incident.status == Status.THIRD_PARTY:
        return can_work(user, incident)
    return incident.status == Status.WAITING and (
        is_reporter_side(user, incident) or can_work(user, incident))


def can_reopen(user, incident) -> bool:
    return incident.status == Status.RESOLVED and (is_reporter_side(user, incident) or user.edits_province)


def can_close(user, incident) -> bool:
    if incident.status == Status.RESOLVED:
        return is_reporter_side(user, incident) or user.edits_province
    return incident.is_open and user.edits_province


def can_comment(user, incident) -> bool:
    return user.role not in ("leader", "auditor")


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def may_report(user) -> bool:
    """Whether the user's role reports incidents at all (no query: the menu asks on every page)."""
    return user.role not in ("leader", "auditor")


def report_sites_for_user(user):
    """Sites the user may report an incident for (operators log calls for sites they serve)."""
    if not may_report(user):
        return sites_for_user(user).none()
    return sites_for_user(user)


def can_manage_reference(user) -> bool:
    """SLA policies, the calendar, the knowledge base, webhooks."""
    return user.is_dost_admin
