"""Who sees and works which incidents — decided here and nowhere else.

Built on the inventory access helpers:

- ``dost_admin``, ``dost_staff``, ``leader``, ``auditor`` see every incident;
- ``unit_head`` and ``site_tech`` see the incidents of their organisation's
  sites, and those their organisation holds or held;
- an ``operator`` sees only incidents routed to it, now or before, and those
  its own engineer reported — never another operator's, even at a site it serves.

An incident the user may not see is a 404 (guessed ids leak nothing); one
they see but may not work on is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse

from diemcau.core.scope import Rule, get_for_user, permits, register, scope
from diemcau.incidents.choices import Status
from diemcau.incidents.models import Holding, Incident, IncidentTally, SlaTally
from diemcau.inventory.models import Site


def _held(user) -> Q:
    """Incidents the user's organisation holds or held: every holder has a Holding row (one indexed subquery)."""
    return Q(pk__in=Holding.objects.filter(holder_id=user.organization_id).values("incident_id"))


def _unit_incidents(user) -> Q:
    # site_id IN (a few sites) OR id IN (held): both sides use an index.
    return Q(site_id__in=Site.objects.filter(organization_id=user.organization_id).values("pk")) | _held(user)


def _operator_incidents(user) -> Q:
    # What it holds or held, and the calls it logged itself (routed elsewhere, it still follows them).
    return _held(user) | Q(reported_by_id=user.pk)


register(Incident, view=Rule(unit=_unit_incidents, operator=_operator_incidents))
# The SLA report's monthly sums: a unit sees its sites' figures, an operator the figures of what it held.
register(SlaTally, view=Rule(unit="site_org", operator="holder"))
# The report's top lists: an operator's come from its own incidents, not from these sums.
register(IncidentTally, view=Rule(unit="site_org"))


def incidents_for_user(user) -> QuerySet[Incident]:
    return scope(Incident.objects.all(), user)


def incident_for_user(user, pk) -> Incident:
    return get_for_user(Incident.objects.select_related(
        "site", "site__organization", "holder", "holder__kind", "reported_by", "suspected_cause",
        "cause_found", "action_taken",
    ), user, pk)


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
    """Readers (leader, auditor) read; everyone who sees the incident and works may comment."""
    return not (user.sees_province and not user.edits_province)


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def may_report(user) -> bool:
    """Whether the user's role reports incidents at all (no query: the menu asks on every page)."""
    return permits(user, Site, "report")


def report_url(user):
    """Where the one-tap "report an incident" button goes, for those who report (core's ``report_url``)."""
    return reverse("incidents:report") if may_report(user) else None


def report_sites_for_user(user):
    """Sites the user may report an incident for (operators log calls for sites they serve)."""
    return scope(Site.objects.active(), user, "report")


def can_manage_reference(user) -> bool:
    """SLA policies, the calendar, the knowledge base, webhooks."""
    return user.is_dost_admin
