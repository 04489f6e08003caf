"""Every change to an incident: one event row, then the clocks recomputed from the rows.

The views and the API check who may do what (``access``); these functions
check that the step makes sense for the incident's state, write the row,
and recompute. Notifications are queued, never sent inside the request.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.core import uploads
from diemcau.incidents import hooks, notify, tallies
from diemcau.incidents.choices import (
    CLOCK_EVENTS,
    DEFAULT_FAMILIES,
    TARGET_EVENTS,
    Channel,
    ClockState,
    EventKind,
    Severity,
    Status,
)
from diemcau.incidents.models import Clock, Holding, Incident, IncidentEvent, SymptomGuide
from diemcau.incidents.sla import Calendars, PolicyBook, derive, is_lowering
from diemcau.inventory.models import Link, Organization, Site, Term

# Routing ---------------------------------------------------------------------

def department_organization() -> Organization | None:
    return Organization.objects.department()


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
    if photo:
        uploads.check_photo(photo)


# Recompute -------------------------------------------------------------------

CLOCK_FIELDS = ("target_seconds", "around_the_clock", "hours", "started_at", "state", "due_at", "warn_at",
                "second_escalation_at", "met_at", "ended_at", "elapsed_seconds", "carried_seconds", "counting_since")


def incident_recompute(incident: Incident, *, now: dt.datetime | None = None, calendar=None,
                       policies: PolicyBook | None = None) -> Incident:
    """Rebuild the open holdings and clocks and the denormalised state from the timeline rows.

    History is frozen: a holding that had ended and a clock that was decided
    (met, missed, handed over, cleared by itself) keep their rows as they
    are, whatever the policies or the calendar say today. Only ``counted``
    may change (an incident closed as a duplicate counts nowhere).
    """
    now = now or timezone.now()
    events = list(incident.events.order_by("at", "pk"))
    derived = derive(events, policies=policies, calendars=Calendars(calendar), now=now)
    counted = derived.duplicate_of is None
    existing = {h.period: h for h in incident.holdings.all()}
    clocks = {(c.holding_id, c.target): c for c in Clock.objects.filter(incident=incident)}
    site_org_id = Site.objects.filter(pk=incident.site_id).values_list("organization_id", flat=True).first()
    before = [tallies.contribution(c, site_org_id) for c in clocks.values()]
    after, kept = [], []
    for spec in derived.holdings:
        holding = existing.pop(spec.period, None) or Holding(incident=incident, period=spec.period)
        if holding.pk is None or holding.ended_at is None:
            holding.holder_id, holding.started_at, holding.ended_at = spec.holder_id, spec.started_at, spec.ended_at
            holding.reason = spec.reason
            holding.save()
        own = []
        for target, cspec in spec.clocks.items():
            clock = clocks.get((holding.pk, target))
            if clock is not None and clock.is_decided:
                if clock.counted != counted:
                    clock.counted = counted
                    clock.save(update_fields=["counted"])
            else:
                clock = clock or Clock(holding=holding, incident=incident, target=target)
                for name in CLOCK_FIELDS:
                    setattr(clock, name, getattr(cspec, name))
                clock.holder_id, clock.counted = holding.holder_id, counted
                clock.save()
            own.append(clock)
            after.append(tallies.contribution(clock, site_org_id))
        kept.append(own)
    for stale in existing.values():
        stale.delete()
    tallies.apply(tallies.difference(before, after))
    _denormalise(incident, derived, events, kept)
    return incident


DENORMALISED = ["status", "is_open", "holder", "severity", "important_meeting", "acknowledged_at", "responded_at",
                "resolved_at", "closed_at", "next_due_at", "breached", "waiting_on", "duplicate_of", "updated_at"]


def apply_derived(incident: Incident, derived, events, holdings_clocks=None) -> None:
    """Copy the current state the timeline implies onto the incident (not saved).

    ``holdings_clocks``: the clocks of each holding in order (the stored rows,
    frozen ones included); by default the derived ones.
    """
    if holdings_clocks is None:
        holdings_clocks = [list(h.clocks.values()) for h in derived.holdings]
    current = {c.target: c for c in holdings_clocks[-1]} if holdings_clocks else {}
    closed = [e.at for e in events if e.kind == EventKind.CLOSED]
    resolved = [e.at for e in events if e.kind == EventKind.RESOLVED]
    running = [c for c in current.values() if c.state in (ClockState.RUNNING, ClockState.OVERDUE)]
    incident.status = derived.status
    incident.is_open = derived.status in Status.open_values()
    incident.holder_id = derived.holder_id
    incident.severity = derived.severity
    incident.important_meeting = derived.important
    incident.waiting_on = derived.waiting_on[:200]
    incident.duplicate_of_id = derived.duplicate_of
    incident.acknowledged_at = current["acknowledge"].met_at if current else None
    incident.responded_at = current["respond"].met_at if current else None
    incident.resolved_at = resolved[-1] if resolved and derived.status in (Status.RESOLVED, Status.CLOSED) else None
    incident.closed_at = closed[-1] if closed and derived.status == Status.CLOSED else None
    incident.next_due_at = min((c.due_at for c in running if c.due_at), default=None)
    # Any holder's missed target marks the incident, not only the current holder's; a duplicate counts nowhere.
    incident.breached = derived.duplicate_of is None and any(
        c.state in (ClockState.MISSED, ClockState.OVERDUE) for clocks in holdings_clocks for c in clocks)
    incident.updated_at = events[-1].at if events else incident.reported_at


def _denormalise(incident: Incident, derived, events, holdings_clocks) -> None:
    apply_derived(incident, derived, events, holdings_clocks)
    incident.updated_at = timezone.now()
    incident.save(update_fields=DENORMALISED)


# Steps ---------------------------------------------------------------------------

def targets_snapshot(*, severity: str, important: bool, holder_id: int, policies: PolicyBook | None = None) -> dict:
    """The targets that apply from now on, as written into the event that fixes them."""
    return (policies or PolicyBook()).effective(severity, holder_id, important).snapshot()


def _step(incident, kind, *, user, note="", data=None, holder=None, at=None, notify_kind=None):
    at = at or timezone.now()
    # A step is never placed before a step that already moved the clocks; it may be placed before a
    # comment or a warning (monitoring tells the real moment a problem cleared, a little later).
    latest = incident.events.filter(kind__in=CLOCK_EVENTS).aggregate(at=Max("at"))["at"]
    if latest is not None and latest > at:
        at = latest
    data = dict(data or {})
    holder = holder or incident.holder
    if kind in TARGET_EVENTS and "sla" not in data:
        data["sla"] = targets_snapshot(
            severity=data.get("severity", incident.severity),
            important=data.get("important_meeting", incident.important_meeting), holder_id=holder.pk)
    event = IncidentEvent.objects.create(
        incident=incident, kind=kind, at=at, user=user, note=note, data=data, holder=holder,
    )
    incident_recompute(incident)
    _after_change(incident, event, notify_kind)
    return event


def _after_change(incident, event, notify_kind):
    from diemcau.incidents.repeat import repeat_check

    if event.kind in (EventKind.REPORTED, EventKind.RESOLVED, EventKind.REOPENED) or (
            event.kind == EventKind.CLOSED and event.data.get("duplicate_of")):
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
    for symptom in sorted(symptoms, key=lambda t: t.pk):  # rows locked in one order by every writer
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
    """Set severity, suspected cause and the meeting flag; hand over when the holder changes.

    New targets count from this moment (time already used is carried); a
    holder may make its incident more urgent but only the department makes it
    less urgent.
    """
    _require_open(incident)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    target_holder = holder or incident.holder
    if target_holder.pk != incident.holder_id and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for handing the incident to another organisation.")})
    lowering = is_lowering(incident.severity, incident.important_meeting, severity, bool(important_meeting))
    if lowering and not getattr(user, "edits_province", False):
        raise ValidationError({"severity": _(
            "Only the department (DOST) can make an incident less urgent (a lower severity, or no longer during "
            "an important meeting). Ask the department in a comment.")})
    incident.suspected_cause = suspected_cause
    incident.save(update_fields=["suspected_cause"])
    _step(incident, EventKind.TRIAGED, user=user, note=reason.strip() if lowering else "",
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
    """The holder has seen it (also while waiting: waiting never stops the acknowledge clock)."""
    _require_open(incident)
    if incident.acknowledged_at is not None:
        raise ValidationError(_("This incident is already acknowledged."))
    _step(incident, EventKind.ACKNOWLEDGED, user=user, note=note.strip(), notify_kind="acknowledged")
    return incident


@transaction.atomic
def incident_respond(incident: Incident, *, user, note: str) -> Incident:
    """The holder's first real answer: what it is doing (on site, remotely, a call)."""
    _require_open(incident)
    if not note.strip():
        raise ValidationError({"note": _("Say what is being done.")})
    if incident.responded_at is not None:
        raise ValidationError(_("A response is already recorded; add a comment instead."))
    _step(incident, EventKind.RESPONDED, user=user, note=note.strip(), notify_kind="responded")
    return incident


def _require_not_waiting(incident):
    if incident.status == Status.WAITING:
        raise ValidationError(_("The incident is already waiting for the reporter."))
    if incident.status == Status.THIRD_PARTY:
        raise ValidationError(_("The incident is already waiting for a third party."))


@transaction.atomic
def incident_pause(incident: Incident, *, user, note: str) -> Incident:
    """Wait for the reporter (a question, access to the room): the respond and resolve clocks stand still.

    The acknowledge clock keeps running: a holder cannot pause an incident it has not looked at.
    """
    _require_open(incident)
    _require_not_waiting(incident)
    if not note.strip():
        raise ValidationError({"note": _("Say what the reporter must answer or do.")})
    _step(incident, EventKind.PAUSED, user=user, note=note.strip(), notify_kind="paused")
    return incident


@transaction.atomic
def incident_wait_for_party(incident: Incident, *, user, party: Organization | None = None, party_name: str = "",
                            note: str) -> Incident:
    """Wait for another organisation or a supplier without handing the incident over: every clock keeps running.

    The holder still answers for the time; the incident shows who it waits for.
    """
    _require_open(incident)
    _require_not_waiting(incident)
    name = party.name if party is not None else (party_name or "").strip()
    errors = {}
    if not name:
        errors["party"] = _("Say who the incident waits for.")
    elif party is not None and party.pk == incident.holder_id:
        errors["party"] = _("The holder cannot wait for itself.")
    if not note.strip():
        errors["note"] = _("Say what is expected from them.")
    if errors:
        raise ValidationError(errors)
    _step(incident, EventKind.THIRD_PARTY, user=user, note=note.strip(),
          data={"party": name[:200], "party_id": party.pk if party is not None else None},
          notify_kind="third_party")
    return incident


@transaction.atomic
def incident_resume(incident: Incident, *, user, note: str = "") -> Incident:
    if incident.status not in Status.waiting_values():
        raise ValidationError(_("The incident is not waiting for anyone."))
    _step(incident, EventKind.RESUMED, user=user, note=note.strip(), notify_kind="resumed")
    return incident


@transaction.atomic
def incident_resolve(incident: Incident, *, user, cause_found: Term, action_taken: Term, resolution: str,
                     at: dt.datetime | None = None, self_cleared: bool = False) -> Incident:
    """Record what caused it and what fixed it; all the holder's clocks stop.

    ``self_cleared``: the problem went away by itself (monitoring saw the link
    recover) at ``at``; the clocks nobody had met then count as "cleared by
    itself", neither met nor missed, unless they were already late.
    """
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
    data = {"cause_found": cause_found.code, "action_taken": action_taken.code}
    if self_cleared:
        data["self_cleared"] = True
    _step(incident, EventKind.RESOLVED, user=user, note=resolution.strip(), data=data, at=at, notify_kind="resolved")
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
def incident_retarget(incident: Incident, *, user, reason: str, policies: PolicyBook | None = None,
                      policy_id: int | None = None, at: dt.datetime | None = None) -> IncidentEvent:
    """The department applies today's policy to this open incident: new targets from now, with who and why."""
    _require_open(incident)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the new targets also apply to open incidents.")})
    snapshot = targets_snapshot(severity=incident.severity, important=incident.important_meeting,
                                holder_id=incident.holder_id, policies=policies)
    return _step(incident, EventKind.RETARGETED, user=user, note=reason.strip(), at=at,
                 data={"sla": snapshot, "policy": policy_id})


def _original(incident: Incident) -> Incident:
    """The report a duplicate points to (read afresh: the object in hand may be older than its closing)."""
    original_id = Incident.objects.filter(pk=incident.pk).values_list("duplicate_of_id", flat=True).first()
    return Incident.objects.get(pk=original_id) if original_id else incident


@transaction.atomic
def incident_close(incident: Incident, *, user, note: str = "", duplicate_of: Incident | None = None) -> Incident:
    """The reporter or DOST confirms the fix, or DOST closes a false alarm or a duplicate with a note.

    An incident closed as a duplicate of another counts nowhere: not in the
    SLA figures, not in the monthly counts, not as a repeat (R10).
    """
    if incident.status == Status.CLOSED:
        raise ValidationError(_("This incident is already closed."))
    if duplicate_of is not None:
        duplicate_of = _original(duplicate_of)
        if duplicate_of.pk == incident.pk:
            raise ValidationError({"duplicate_of": _("An incident cannot be a duplicate of itself.")})
        if duplicate_of.site_id != incident.site_id:
            raise ValidationError({"duplicate_of": _("A duplicate is a report of the same problem at the same site; "
                                                     "%(code)s is at another site.") % {"code": duplicate_of.code}})
        if incident.duplicates.exists():
            raise ValidationError({"duplicate_of": _("Other reports are closed as duplicates of this one; "
                                                     "close %(code)s as the duplicate instead.")
                                   % {"code": duplicate_of.code}})
        note = note.strip() or _("Duplicate of %(code)s") % {"code": duplicate_of.code}
    if incident.status != Status.RESOLVED and not note.strip():
        raise ValidationError({"note": _("Say why an unresolved incident is closed (duplicate, false alarm …).")})
    data = {"duplicate_of": duplicate_of.pk, "duplicate_code": duplicate_of.code} if duplicate_of else {}
    if duplicate_of is not None:
        _uncount(incident)
        incident.is_repeat = False
        incident.save(update_fields=["is_repeat"])
    _step(incident, EventKind.CLOSED, user=user, note=note.strip(), data=data)
    return incident


def _uncount(incident: Incident) -> None:
    """Take a report closed as a duplicate out of the monthly counts (the SLA tallies follow its clocks)."""
    tallies.incident_count(incident, kind="site", delta=-1)
    for term_id in incident.symptoms.values_list("pk", flat=True):
        tallies.incident_count(incident, kind="symptom", term_id=term_id, delta=-1)
    if incident.cause_found_id:
        tallies.incident_count(incident, kind="cause", term_id=incident.cause_found_id, delta=-1)


@transaction.atomic
def incident_comment(incident: Incident, *, user, note: str, at: dt.datetime | None = None) -> IncidentEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write something.")})
    return _step(incident, EventKind.COMMENTED, user=user, note=note.strip(), at=at)
