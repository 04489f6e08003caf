"""Every change to an incident: one event row, then the clocks recomputed from the rows.

The views and the API check who may do what (``access``); these functions
check that the step makes sense for the incident's state, write the row,
and recompute. Notifications are queued, never sent inside the request.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.incidents import hooks, notify, tallies
from diemcau.incidents.choices import (
    DEFAULT_FAMILIES,
    Channel,
    ClockState,
    EventKind,
    Severity,
    Status,
)
from diemcau.incidents.models import Clock, Holding, Incident, IncidentEvent, SymptomGuide
from diemcau.incidents.sla import PolicyBook, derive, province_calendar
from diemcau.inventory.models import Link, Organization, Site, Term

PHOTO_MAX_BYTES = 5 * 1024 * 1024
# Magic numbers of the photo types phones produce.
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"RIFF": "webp"}


# Routing ---------------------------------------------------------------------

def department_organization() -> Organization | None:
    return Organization.objects.filter(kind__code="dost", is_active=True).order_by("pk").first()


def route_holder(site: Site, suspected_cause: Term | None) -> Organization:
    """Who must act: the site's unit; the link operator for a network cause; DOST for the platform."""
    code = suspected_cause.code if suspected_cause else None
    if code == "network":
        link = Link.objects.active().filter(site=site, role="primary", provider__isnull=False).select_related(
            "provider").first()
        if link:
            return link.provider
    if code == "platform":
        dost = department_organization()
        if dost:
            return dost
    return site.organization


def family_for(symptoms) -> str:
    """The family of the first symptom (by taxonomy order); the guide may regroup symptoms."""
    ordered = sorted(symptoms, key=lambda t: (t.position, t.code))
    if not ordered:
        return "other"
    first = ordered[0]
    guide = SymptomGuide.objects.filter(symptom=first).values_list("family", flat=True).first()
    return guide or DEFAULT_FAMILIES.get(first.code, "other")


def check_photo(photo) -> None:
    if not photo:
        return
    if photo.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("The photo is larger than 5 MB; send a smaller one.")})
    head = photo.read(12)
    photo.seek(0)
    if not any(head.startswith(sig) for sig in PHOTO_SIGNATURES) or (
        head.startswith(b"RIFF") and head[8:12] != b"WEBP"
    ):
        raise ValidationError({"photo": _("Only JPEG, PNG or WebP photos are accepted.")})


# Recompute -------------------------------------------------------------------

def incident_recompute(incident: Incident, *, now: dt.datetime | None = None, calendar=None,
                       policies: PolicyBook | None = None) -> Incident:
    """Rebuild holdings, clocks and the denormalised state from the timeline rows."""
    now = now or timezone.now()
    events = list(incident.events.order_by("at", "pk"))
    derived = derive(events, policies=policies or PolicyBook(), calendar=calendar or province_calendar(), now=now)
    existing = {h.period: h for h in incident.holdings.all()}
    clocks = {(c.holding_id, c.target): c for c in Clock.objects.filter(incident=incident)}
    site_org_id = Site.objects.filter(pk=incident.site_id).values_list("organization_id", flat=True).first()
    before = [tallies.contribution(c, site_org_id) for c in clocks.values()]
    after = []
    for spec in derived.holdings:
        holding = existing.pop(spec.period, None) or Holding(incident=incident, period=spec.period)
        holding.holder_id, holding.started_at, holding.ended_at = spec.holder_id, spec.started_at, spec.ended_at
        holding.reason = spec.reason
        holding.save()
        for target, cspec in spec.clocks.items():
            clock = clocks.get((holding.pk, target)) or Clock(holding=holding, incident=incident, target=target)
            for name in ("target_seconds", "around_the_clock", "started_at", "state", "due_at", "warn_at",
                         "second_escalation_at", "met_at", "ended_at", "elapsed_seconds"):
                setattr(clock, name, getattr(cspec, name))
            clock.holder_id = spec.holder_id
            clock.save()
            after.append(tallies.contribution(clock, site_org_id))
    for stale in existing.values():
        stale.delete()
    tallies.apply(tallies.difference(before, after))
    _denormalise(incident, derived, events)
    return incident


DENORMALISED = ["status", "is_open", "holder", "severity", "important_meeting", "acknowledged_at", "responded_at",
                "resolved_at", "closed_at", "next_due_at", "breached", "updated_at"]


def apply_derived(incident: Incident, derived, events) -> None:
    """Copy the current state the timeline implies onto the incident (not saved)."""
    current = derived.holdings[-1] if derived.holdings else None
    closed = [e.at for e in events if e.kind == EventKind.CLOSED]
    resolved = [e.at for e in events if e.kind == EventKind.RESOLVED]
    running = [c for c in current.clocks.values() if c.state in (ClockState.RUNNING, ClockState.OVERDUE)] if current else []
    incident.status = derived.status
    incident.is_open = derived.status in Status.open_values()
    incident.holder_id = derived.holder_id
    incident.severity = derived.severity
    incident.important_meeting = derived.important
    incident.acknowledged_at = current.clocks["acknowledge"].met_at if current else None
    incident.responded_at = current.clocks["respond"].met_at if current else None
    incident.resolved_at = resolved[-1] if resolved and derived.status in (Status.RESOLVED, Status.CLOSED) else None
    incident.closed_at = closed[-1] if closed and derived.status == Status.CLOSED else None
    incident.next_due_at = min((c.due_at for c in running if c.due_at), default=None)
    incident.breached = bool(current) and any(
        c.state in (ClockState.MISSED, ClockState.OVERDUE) for c in current.clocks.values()
    )
    incident.updated_at = events[-1].at if events else incident.reported_at


def _denormalise(incident: Incident, derived, events) -> None:
    apply_derived(incident, derived, events)
    incident.updated_at = timezone.now()
    incident.save(update_fields=DENORMALISED)


# Steps ---------------------------------------------------------------------------

def _step(incident, kind, *, user, note="", data=None, holder=None, at=None, notify_kind=None):
    at = at or timezone.now()
    if incident.events.filter(at__gt=at).exists():
        at = incident.events.order_by("-at").values_list("at", flat=True).first()
    event = IncidentEvent.objects.create(
        incident=incident, kind=kind, at=at, user=user, note=note, data=data or {},
        holder=holder or incident.holder,
    )
    incident_recompute(incident)
    _after_change(incident, event, notify_kind)
    return event


def _after_change(incident, event, notify_kind):
    from diemcau.incidents.repeat import repeat_check

    if event.kind in (EventKind.REPORTED, EventKind.RESOLVED, EventKind.REOPENED):
        repeat_check(incident.site, now=event.at)
    if notify_kind:
        notify.incident_changed(incident, event, notify_kind)
    site_id = incident.site_id
    transaction.on_commit(lambda: hooks.request_verdict(site_id))


def _require_open(incident):
    if not incident.is_open:
        raise ValidationError(_("This incident is already resolved or closed."))


@transaction.atomic
def incident_report(*, site: Site, user, symptoms, description: str = "", photo=None,
                    important_meeting: bool = False, severity: str = Severity.NORMAL,
                    suspected_cause: Term | None = None, channel: str = Channel.WEB, caller: str = "",
                    at: dt.datetime | None = None) -> Incident:
    """Open an incident at a site, route it, start its clocks and tell the holder."""
    symptoms = list(symptoms)
    if not symptoms:
        raise ValidationError({"symptoms": _("Choose at least one symptom.")})
    if site.is_retired:
        raise ValidationError({"site": _("This site is retired.")})
    check_photo(photo)
    meeting = hooks.current_meeting_for_site(site)
    if meeting is not None and getattr(meeting, "is_important", False):
        important_meeting = True
    incident = Incident(
        site=site, reported_by=user, channel=channel, caller=caller, description=description.strip(),
        important_meeting=important_meeting, severity=severity, suspected_cause=suspected_cause,
        holder=route_holder(site, suspected_cause), family=family_for(symptoms),
        meeting_ref=str(meeting)[:200] if meeting is not None else "",
        reported_at=at or timezone.now(),
    )
    if photo:
        incident.photo = photo
    incident.full_clean(exclude=["symptoms", "photo"])
    incident.save()
    incident.symptoms.set(symptoms)
    tallies.incident_count(incident, kind="site")
    for symptom in symptoms:
        tallies.incident_count(incident, kind="symptom", term_id=symptom.pk)
    _step(incident, EventKind.REPORTED, user=user, at=incident.reported_at, holder=incident.holder,
          note=incident.description,
          data={"severity": severity, "important_meeting": important_meeting, "channel": channel,
                "symptoms": [s.code for s in symptoms],
                "suspected_cause": suspected_cause.code if suspected_cause else None},
          notify_kind="reported")
    return incident


@transaction.atomic
def incident_triage(incident: Incident, *, user, severity: str, suspected_cause: Term | None,
                    important_meeting: bool, holder: Organization | None = None, reason: str = "") -> Incident:
    """Set severity, suspected cause and the meeting flag; hand over when the holder changes."""
    _require_open(incident)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    target_holder = holder or incident.holder
    if target_holder.pk != incident.holder_id and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for handing the incident to another organisation.")})
    incident.suspected_cause = suspected_cause
    incident.save(update_fields=["suspected_cause"])
    _step(incident, EventKind.TRIAGED, user=user,
          data={"severity": severity, "important_meeting": bool(important_meeting),
                "suspected_cause": suspected_cause.code if suspected_cause else None})
    if target_holder.pk != incident.holder_id:
        incident_reassign(incident, user=user, holder=target_holder, reason=reason)
    return incident


@transaction.atomic
def incident_reassign(incident: Incident, *, user, holder: Organization, reason: str) -> Incident:
    """Hand the incident to another organisation; its clocks start, the old holder's stop."""
    _require_open(incident)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for handing the incident to another organisation.")})
    if holder.pk == incident.holder_id:
        raise ValidationError({"holder": _("The incident is already held by this organisation.")})
    _step(incident, EventKind.REASSIGNED, user=user, holder=holder, note=reason.strip(),
          data={"from": incident.holder_id}, notify_kind="assigned")
    return incident


@transaction.atomic
def incident_acknowledge(incident: Incident, *, user, note: str = "") -> Incident:
    _require_open(incident)
    if incident.status != Status.NEW:
        raise ValidationError(_("This incident is already acknowledged."))
    _step(incident, EventKind.ACKNOWLEDGED, user=user, note=note.strip(), notify_kind="acknowledged")
    return incident


@transaction.atomic
def incident_respond(incident: Incident, *, user, note: str) -> Incident:
    """The holder's first real answer: what it is doing (on site, remotely, a call)."""
    _require_open(incident)
    if not note.strip():
        raise ValidationError({"note": _("Say what is being done.")})
    if incident.status in (Status.RESPONDING, Status.WAITING):
        raise ValidationError(_("A response is already recorded; add a comment instead."))
    _step(incident, EventKind.RESPONDED, user=user, note=note.strip(), notify_kind="responded")
    return incident


@transaction.atomic
def incident_pause(incident: Incident, *, user, note: str) -> Incident:
    """Wait for the reporter (a question, access to the room): the clocks stand still."""
    _require_open(incident)
    if incident.status == Status.WAITING:
        raise ValidationError(_("The incident is already waiting for the reporter."))
    if not note.strip():
        raise ValidationError({"note": _("Say what the reporter must answer or do.")})
    _step(incident, EventKind.PAUSED, user=user, note=note.strip(), notify_kind="paused")
    return incident


@transaction.atomic
def incident_resume(incident: Incident, *, user, note: str = "") -> Incident:
    if incident.status != Status.WAITING:
        raise ValidationError(_("The incident is not waiting for the reporter."))
    _step(incident, EventKind.RESUMED, user=user, note=note.strip(), notify_kind="resumed")
    return incident


@transaction.atomic
def incident_resolve(incident: Incident, *, user, cause_found: Term, action_taken: Term,
                     resolution: str) -> Incident:
    """Record what caused it and what fixed it; all the holder's clocks stop."""
    _require_open(incident)
    errors = {}
    if cause_found is None:
        errors["cause_found"] = _("Record the cause found.")
    if action_taken is None:
        errors["action_taken"] = _("Record the action taken.")
    if not (resolution or "").strip():
        errors["resolution"] = _("Say briefly what was done.")
    if errors:
        raise ValidationError(errors)
    if incident.cause_found_id != cause_found.pk:
        if incident.cause_found_id:
            tallies.incident_count(incident, kind="cause", term_id=incident.cause_found_id, delta=-1)
        tallies.incident_count(incident, kind="cause", term_id=cause_found.pk)
    incident.cause_found, incident.action_taken, incident.resolution = cause_found, action_taken, resolution.strip()
    incident.save(update_fields=["cause_found", "action_taken", "resolution"])
    _step(incident, EventKind.RESOLVED, user=user, note=resolution.strip(),
          data={"cause_found": cause_found.code, "action_taken": action_taken.code}, notify_kind="resolved")
    return incident


@transaction.atomic
def incident_reopen(incident: Incident, *, user, reason: str) -> Incident:
    """The problem came back: the holder's clocks start again from now."""
    if incident.status != Status.RESOLVED:
        raise ValidationError(_("Only a resolved incident can be reopened."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is still wrong.")})
    _step(incident, EventKind.REOPENED, user=user, note=reason.strip(), notify_kind="reopened")
    return incident


@transaction.atomic
def incident_close(incident: Incident, *, user, note: str = "") -> Incident:
    """The reporter or DOST confirms the fix (or closes a duplicate with a note)."""
    if incident.status == Status.CLOSED:
        raise ValidationError(_("This incident is already closed."))
    if incident.status != Status.RESOLVED and not note.strip():
        raise ValidationError({"note": _("Say why an unresolved incident is closed (duplicate, false alarm …).")})
    _step(incident, EventKind.CLOSED, user=user, note=note.strip())
    return incident


@transaction.atomic
def incident_comment(incident: Incident, *, user, note: str) -> IncidentEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write something.")})
    return _step(incident, EventKind.COMMENTED, user=user, note=note.strip())
