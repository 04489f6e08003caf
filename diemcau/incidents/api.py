"""JSON API for incidents: monitoring and other systems report, holders work them.

Mounted at ``/api/v1/incidents/``. The same access helpers as the pages: an
incident the caller may not see answers 404; a step they may not take, 403;
a step that makes no sense for the incident's state, 422.
"""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StringConstraints

from diemcau.core.api_support import Pagination
from diemcau.core.replica import using_replica
from diemcau.incidents import access, live, services
from diemcau.incidents.choices import Channel, ClockState, Severity
from diemcau.incidents.models import Clock
from diemcau.inventory.models import Organization, Term

router = Router(tags=["incidents"])


class ClockOut(Schema):
    """One SLA clock as it stands at the moment of the answer (open clocks keep counting)."""

    holder: str = Field(..., description="Organisation code")
    target: str = Field(..., description="acknowledge, respond or resolve")
    state: str = Field(..., description="running, paused, overdue, met, missed, handed_over, self_cleared")
    around_the_clock: bool
    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None
    target_minutes: int = Field(..., description="The target, counted from the last change of targets")
    used_minutes: int = Field(..., description="Clock time used since the holding started, now")
    carried_minutes: int = Field(..., description="Part of the time used before the last change of targets")
    left_minutes: int | None = Field(None, description="Clock time left now (negative: late); null when not counting")


def _now(context):
    request = context["request"]
    if not hasattr(request, "_incident_now"):
        request._incident_now = timezone.now()
    return request._incident_now


def _clocks_out(obj, context) -> list[dict]:
    if not hasattr(obj, "_clocks_out"):
        obj._clocks_out = _clock_rows(obj, context)
    return obj._clocks_out


def _clock_rows(obj, context) -> list[dict]:
    request = context["request"]
    clocks = live.attach(obj.api_clocks, now=_now(context), calendars=live.request_calendars(request))
    return [{"holder": c.holder.code, "target": c.target, "state": c.live.state,
             "around_the_clock": c.around_the_clock, "started_at": c.started_at, "due_at": c.due_at,
             "met_at": c.met_at, "target_minutes": c.live.target_minutes, "used_minutes": c.live.used_minutes,
             "carried_minutes": c.live.carried_minutes, "left_minutes": c.live.left_minutes} for c in clocks]


class IncidentOut(Schema):
    id: int
    code: str
    site: str = Field(..., alias="site.code")
    site_name: str = Field(..., alias="site.name")
    reported_at: datetime
    channel: str
    symptoms: list[str]
    family: str
    description: str
    severity: str
    important_meeting: bool
    suspected_cause: str | None
    holder: str = Field(..., alias="holder.code")
    status: str
    acknowledged_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    next_due_at: datetime | None
    breached: bool = Field(..., description="A target of any holder (not only the current one) was missed")
    missed_by: list[str] = Field(..., description="Codes of the organisations that missed a target")
    waiting_on: str = Field(..., description="The third party the holder waits for, while it waits")
    duplicate_of: str | None = Field(None, description="Code of the incident this report duplicates")
    is_repeat: bool
    cause_found: str | None
    action_taken: str | None
    resolution: str
    clocks: list[ClockOut]

    @staticmethod
    def resolve_clocks(obj, context):
        return _clocks_out(obj, context)

    @staticmethod
    def resolve_missed_by(obj, context):
        if obj.duplicate_of_id:
            return []
        clocks = _clocks_out(obj, context)
        return list(dict.fromkeys(c["holder"] for c in clocks if c["state"] in (ClockState.MISSED,
                                                                                 ClockState.OVERDUE)))

    @staticmethod
    def resolve_duplicate_of(obj):
        return obj.duplicate_code or None

    @staticmethod
    def resolve_symptoms(obj):
        return [t.code for t in obj.symptoms.all()]

    @staticmethod
    def resolve_suspected_cause(obj):
        return obj.suspected_cause.code if obj.suspected_cause_id else None

    @staticmethod
    def resolve_cause_found(obj):
        return obj.cause_found.code if obj.cause_found_id else None

    @staticmethod
    def resolve_action_taken(obj):
        return obj.action_taken.code if obj.action_taken_id else None


class EventOut(Schema):
    kind: str
    at: datetime
    user: str | None
    holder: str | None
    note: str
    data: dict

    @staticmethod
    def resolve_user(obj):
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_holder(obj):
        return obj.holder.code if obj.holder_id else None


class IncidentIn(Schema):
    site: str = Field(..., description="Site code, e.g. X-14-01")
    symptoms: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        ..., min_length=1, description="Symptom codes of the taxonomy, e.g. audio_loss")
    description: str = ""
    severity: Severity = Severity.NORMAL
    suspected_cause: str | None = Field(None, description="Cause code; network routes to the link's operator")
    important_meeting: bool = False
    channel: Channel = Channel.API
    caller: str = ""


class StepIn(Schema):
    note: str = ""
    party: str | None = Field(None, description="Organisation code waited for, for third_party")
    party_name: str = Field("", description="Or the name of whoever is waited for, for third_party")
    duplicate_of: str | None = Field(None, description="Incident code (SC-000123), for close")
    cause_found: str | None = None
    action_taken: str | None = None
    resolution: str = ""
    holder: str | None = Field(None, description="Organisation code, for reassign and triage")
    reason: str = ""
    severity: Severity | None = None
    suspected_cause: str | None = None
    important_meeting: bool | None = None


class IncidentFilters(FilterSchema):
    status: str | None = None
    site: str | None = None
    holder: str | None = None
    open: bool | None = None


def _term(taxonomy, code, field):
    if not code:
        return None
    found = Term.objects.filter(taxonomy=taxonomy, code=code).first()
    if found is None:
        raise HttpError(422, f"{field}: unknown code {code!r}")
    return found


def _detail_qs(user):
    clocks = Clock.objects.select_related("holder").order_by("holding__period", "started_at", "pk")
    return access.incidents_for_user(user).select_related(
        "site", "holder", "suspected_cause", "cause_found", "action_taken").prefetch_related(
        "symptoms", Prefetch("clocks", queryset=clocks, to_attr="api_clocks"))


def _incident(user, code):
    if not code:
        return None
    text = code.strip().upper().removeprefix("SC-").lstrip("0")
    found = access.incidents_for_user(user).filter(pk=int(text)).first() if text.isdigit() else None
    if found is None:
        raise HttpError(422, f"duplicate_of: no incident {code!r} that you can see")
    return found


@router.get("", response=list[IncidentOut])
@using_replica
@paginate(Pagination)
def list_incidents(request, filters: Query[IncidentFilters]):
    qs = _detail_qs(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open is not None:
        from diemcau.incidents.choices import Status

        qs = qs.filter(status__in=Status.open_values()) if filters.open else qs.exclude(
            status__in=Status.open_values())
    if filters.site:
        qs = qs.filter(site__code=filters.site)
    if filters.holder:
        qs = qs.filter(holder__code=filters.holder)
    return qs.order_by("-reported_at", "-id")


@router.get("/{int:incident_id}", response=IncidentOut)
def get_incident(request, incident_id: int):
    access.incident_for_user(request.user, incident_id)
    return _detail_qs(request.user).get(pk=incident_id)


@router.get("/{int:incident_id}/events", response=list[EventOut])
def list_events(request, incident_id: int):
    incident = access.incident_for_user(request.user, incident_id)
    return list(incident.events.select_related("user", "holder").order_by("at", "pk"))


@router.post("", response={201: IncidentOut})
def report_incident(request, payload: IncidentIn):
    site = access.report_sites_for_user(request.user).filter(code=payload.site).first()
    if site is None:
        raise HttpError(404, "site: not found or not one you may report for")
    symptoms = [_term("symptom", code, "symptoms") for code in payload.symptoms]
    incident = services.incident_report(
        site=site, user=request.user, symptoms=symptoms, description=payload.description,
        severity=payload.severity, suspected_cause=_term("cause", payload.suspected_cause, "suspected_cause"),
        important_meeting=payload.important_meeting, channel=payload.channel, caller=payload.caller,
    )
    return Status(201, _detail_qs(request.user).get(pk=incident.pk))


def _holder(user, code, field="holder"):
    if not code:
        return None
    org = Organization.objects.filter(code=code, is_active=True).first()
    if org is None:
        raise HttpError(422, f"{field}: unknown organisation {code!r}")
    return org


STEPS = {
    "acknowledge": (access.can_work, lambda i, u, p: services.incident_acknowledge(i, user=u, note=p.note)),
    "respond": (access.can_work, lambda i, u, p: services.incident_respond(i, user=u, note=p.note)),
    "pause": (access.can_work, lambda i, u, p: services.incident_pause(i, user=u, note=p.note)),
    "third_party": (access.can_work, lambda i, u, p: services.incident_wait_for_party(
        i, user=u, party=_holder(u, p.party, "party"), party_name=p.party_name, note=p.note)),
    "resume": (access.can_resume, lambda i, u, p: services.incident_resume(i, user=u, note=p.note)),
    "resolve": (access.can_work, lambda i, u, p: services.incident_resolve(
        i, user=u, cause_found=_term("cause", p.cause_found, "cause_found"),
        action_taken=_term("action", p.action_taken, "action_taken"), resolution=p.resolution or p.note)),
    "reassign": (access.can_triage, lambda i, u, p: services.incident_reassign(
        i, user=u, holder=_holder(u, p.holder) or i.holder, reason=p.reason)),
    "triage": (access.can_triage, lambda i, u, p: services.incident_triage(
        i, user=u, severity=p.severity or i.severity,
        suspected_cause=_term("cause", p.suspected_cause, "suspected_cause") if p.suspected_cause else i.suspected_cause,
        important_meeting=i.important_meeting if p.important_meeting is None else p.important_meeting,
        holder=_holder(u, p.holder), reason=p.reason)),
    "reopen": (access.can_reopen, lambda i, u, p: services.incident_reopen(i, user=u, reason=p.reason or p.note)),
    "close": (access.can_close, lambda i, u, p: services.incident_close(
        i, user=u, note=p.note, duplicate_of=_incident(u, p.duplicate_of))),
    "comment": (access.can_comment, lambda i, u, p: services.incident_comment(i, user=u, note=p.note)),
}


@router.post("/{int:incident_id}/{step}", response=IncidentOut)
def take_step(request, incident_id: int, step: str, payload: StepIn):
    """One step of the timeline: acknowledge, respond, pause, third_party, resume, resolve, reassign, triage, reopen,
    close, comment."""
    if step not in STEPS:
        raise HttpError(404, f"unknown step {step!r}")
    incident = access.incident_for_user(request.user, incident_id)
    allowed, call = STEPS[step]
    if not allowed(request.user, incident):
        raise PermissionDenied
    call(incident, request.user, payload)
    return _detail_qs(request.user).get(pk=incident.pk)
