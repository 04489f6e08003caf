"""JSON API for meetings: scheduling, the board, check marks, roll-call, the report, the duty roster,
backup plans and drills, training.

Mounted at ``/api/v1/meetings/``, with the same access helpers as the pages:
a meeting or site the caller may not see answers 404, an act they may not
take 403, an act that makes no sense now (the check is closed, an item that
does not exist) 422 with the reason.
"""


import datetime as dt
import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from diemcau.core.api_support import IsoDate, IsoDatetime, Pagination
from diemcau.core.models import ChangeVia
from diemcau.core.replica import using_replica
from diemcau.core.scope import scope
from diemcau.inventory.models import Organization
from diemcau.meetings import access, backups, duty, report, services
from diemcau.meetings.choices import Importance, Level, Outcome, RollCall
from diemcau.meetings.models import BackupPlan

router = Router(tags=["meetings"])


def json_errors(view):
    """The access helpers raise ``PermissionDenied``: the API answers it as JSON, like every other error."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PermissionDenied:
            raise HttpError(403, str(_("You may not do this."))) from None
    return wrapper


class MeetingOut(Schema):
    id: int
    title: str
    level: str
    importance: str
    status: str
    organizer: str = Field(..., alias="organizer.code")
    host_site: str = Field(..., alias="host_site.code")
    platform: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    check_opens_at: dt.datetime = Field(..., alias="opens_at")
    check_due_at: dt.datetime = Field(..., alias="due_at")
    dial_in: str
    series: int | None = Field(None, alias="series_id")
    cancel_reason: str

    @staticmethod
    def resolve_platform(obj):
        return obj.platform.code if obj.platform_id else None


class MeetingDetailOut(MeetingOut):
    checklist: dict
    sites: list[str]

    @staticmethod
    def resolve_sites(obj):
        return sorted(p.site.code for p in obj.participations.filter(removed_at__isnull=True).select_related("site"))


class MeetingIn(Schema):
    title: str
    level: Level = Level.PROVINCIAL
    importance: Importance = Importance.NORMAL
    organizer: str | None = Field(None, description="Organisation code; default the caller's")
    host_site: str = Field(..., description="Site code")
    sites: list[str] = Field(default_factory=list, description="Site codes")
    kinds: list[str] = Field(default_factory=list, description="Every site of these organisation kinds")
    all_local: bool = Field(False, description="Every commune and ward")
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    platform: str | None = None
    dial_in: str = ""
    notes: str = ""
    repeat_until: IsoDate | None = Field(None, description="Repeat weekly until this date")


class MeetingPatch(Schema):
    title: str | None = None
    level: Level | None = None
    importance: Importance | None = None
    host_site: str | None = None
    sites: list[str] | None = None
    starts_at: IsoDatetime | None = None
    ends_at: IsoDatetime | None = None
    platform: str | None = None
    dial_in: str | None = None
    notes: str | None = None


class CancelIn(Schema):
    reason: str


class MeetingFilters(FilterSchema):
    since: IsoDatetime | None = Field(None, description="Meetings ending after this time")
    until: IsoDatetime | None = Field(None, description="Meetings starting before this time")
    level: Level | None = None
    status: str | None = None
    site: str | None = Field(None, description="Meetings this site takes part in")


class BoardRowOut(Schema):
    site: str
    site_name: str
    state: str
    failing: list[str]
    items: dict
    evidence: dict
    checked_by: str | None
    checked_at: dt.datetime | None
    ready_at: dt.datetime | None
    late: bool
    rollcall: str
    rollcall_at: dt.datetime | None
    incident: str | None


class MarkIn(Schema):
    item: str
    outcome: Outcome
    note: str = ""


class MarkOut(Schema):
    id: int
    item: str
    outcome: str
    source: str
    at: dt.datetime
    late: bool
    state: str = Field(..., alias="participation.state")


class RollCallIn(Schema):
    status: RollCall
    note: str = ""


class RollCallOut(Schema):
    id: int
    status: str
    at: dt.datetime
    incident: str | None

    @staticmethod
    def resolve_incident(obj):
        return obj.incident.code if obj.incident_id else None


class ShiftOut(Schema):
    id: int
    organization: str = Field(..., alias="organization.code")
    duty: str
    name: str
    phone: str
    meeting: int | None = Field(None, alias="meeting_id")
    starts_at: dt.datetime
    ends_at: dt.datetime


class ShiftIn(Schema):
    organization: str
    duty: str = ""
    name: str
    phone: str
    meeting: int | None = None
    starts_at: IsoDatetime | None = None
    ends_at: IsoDatetime | None = None


class SwapIn(Schema):
    to_name: str
    to_phone: str
    reason: str


class PlanOut(Schema):
    id: int
    site: str = Field(..., alias="site.code")
    kind: str
    title: str
    steps: list[str]
    equipment: str
    state: str
    last_drill_at: dt.datetime | None

    @staticmethod
    def resolve_steps(obj):
        return obj.step_list()


class DrillIn(Schema):
    held_at: IsoDatetime
    conducted_by: str
    worked: bool
    restore_minutes: int | None = None
    note: str = ""


class DrillOut(Schema):
    id: int
    held_at: dt.datetime
    conducted_by: str
    worked: bool
    restore_minutes: int | None
    note: str


class TrainingOut(Schema):
    id: int
    topic: str
    held_on: dt.date
    trainer: str
    organizer: str = Field(..., alias="organizer.code")
    attendees: int = Field(..., alias="attendees_n")


def _meetings(user):
    return access.meetings_for_user(user).select_related("organizer", "host_site", "platform")


def _site(qs, code, field):
    site = qs.filter(code=code).first()
    if site is None:
        raise HttpError(422, f"{field}: no site {code!r} you may invite")
    return site


def _platform(code):
    if not code:
        return None
    from diemcau.standards.models import Platform

    found = Platform.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise HttpError(422, f"platform: unknown platform {code!r}")
    return found


@router.get("", response=list[MeetingOut])
@using_replica
@paginate(Pagination)
@json_errors
def list_meetings(request, filters: Query[MeetingFilters]):
    qs = _meetings(request.user)
    if filters.since:
        qs = qs.filter(ends_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(starts_at__lte=filters.until)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.site:
        qs = qs.filter(participations__site__code=filters.site, participations__removed_at__isnull=True)
    return qs.order_by("starts_at", "pk")


@router.post("", response={201: list[MeetingOut]})
@json_errors
def schedule_meeting(request, payload: MeetingIn):
    """Schedule a meeting (or a weekly series): the department for anyone, a unit among its own sites."""
    user = request.user
    if not access.can_schedule(user):
        raise PermissionDenied
    sites_qs = access.schedule_sites(user)
    organizer = scope(Organization.objects.filter(code=payload.organizer or user.organization.code, is_active=True),
                      user, "act_for").first()
    if organizer is None:
        raise HttpError(422, "organizer: not an organisation you schedule for")
    sites = [_site(sites_qs, code, "sites") for code in payload.sites]
    picked = services.sites_pick(kinds=payload.kinds, sites=sites, all_local=payload.all_local, within=sites_qs)
    created = services.meeting_schedule(
        user=user, title=payload.title, organizer=organizer, host_site=_site(sites_qs, payload.host_site, "host_site"),
        sites=picked, starts_at=payload.starts_at, ends_at=payload.ends_at, level=payload.level,
        importance=payload.importance, platform=_platform(payload.platform), dial_in=payload.dial_in,
        notes=payload.notes, repeat_until=payload.repeat_until, via=ChangeVia.API)
    return Status(201, list(_meetings(user).filter(pk__in=[m.pk for m in created]).order_by("starts_at")))


@router.get("/{int:meeting_id}", response=MeetingDetailOut)
@json_errors
def get_meeting(request, meeting_id: int):
    return access.meeting_for_user(request.user, meeting_id)


@router.patch("/{int:meeting_id}", response=MeetingDetailOut)
@json_errors
def change_meeting(request, meeting_id: int, payload: MeetingPatch):
    user = request.user
    meeting = access.meeting_for_user(user, meeting_id, change=True)
    sites_qs = access.schedule_sites(user)
    fields = payload.dict(exclude_unset=True)
    sites = None
    if "sites" in fields:
        sites = [_site(sites_qs, code, "sites") for code in fields.pop("sites") or []]
    if "host_site" in fields:
        fields["host_site"] = _site(sites_qs, fields["host_site"], "host_site")
    if "platform" in fields:
        fields["platform"] = _platform(fields["platform"])
    services.meeting_update(meeting, user=user, sites=sites, via=ChangeVia.API, **fields)
    return access.meeting_for_user(user, meeting_id)


@router.post("/{int:meeting_id}/cancel", response=MeetingDetailOut)
@json_errors
def cancel_meeting(request, meeting_id: int, payload: CancelIn):
    meeting = access.meeting_for_user(request.user, meeting_id, change=True)
    services.meeting_cancel(meeting, user=request.user, reason=payload.reason, via=ChangeVia.API)
    return access.meeting_for_user(request.user, meeting_id)


@router.get("/{int:meeting_id}/board", response=list[BoardRowOut])
@json_errors
def board(request, meeting_id: int):
    """Every participating site the caller may see, with its readiness and roll-call."""
    meeting = access.meeting_for_user(request.user, meeting_id)
    rows = access.board_participations(request.user, meeting).select_related("site", "checked_by", "incident")
    return [{"site": p.site.code, "site_name": p.site.name, "state": p.state, "failing": p.failing, "items": p.items,
             "evidence": p.evidence, "checked_by": p.checked_by.username if p.checked_by_id else None,
             "checked_at": p.checked_at, "ready_at": p.ready_at,
             "late": bool(p.ready_at and p.ready_at > meeting.due_at), "rollcall": p.rollcall,
             "rollcall_at": p.rollcall_at, "incident": p.incident.code if p.incident_id else None}
            for p in rows.order_by("site__code")]


def _participation(user, meeting, code):
    participation = access.board_participations(user, meeting).select_related(
        "site", "site__organization", "meeting").filter(site__code=code).first()
    if participation is None:
        raise Http404
    return participation


@router.post("/{int:meeting_id}/sites/{site_code}/marks", response={201: MarkOut})
@json_errors
def mark_item(request, meeting_id: int, site_code: str, payload: MarkIn):
    """The site's contact confirms (or fails) one manual item of the check."""
    user = request.user
    meeting = access.meeting_for_user(user, meeting_id)
    participation = _participation(user, meeting, site_code)
    access.check(access.can_mark(user, participation))
    mark = services.check_mark(participation, user=user, item=payload.item, outcome=payload.outcome,
                               note=payload.note)
    return Status(201, mark)


@router.post("/{int:meeting_id}/sites/{site_code}/rollcall", response={201: RollCallOut})
@json_errors
def mark_rollcall(request, meeting_id: int, site_code: str, payload: RollCallIn):
    """The host marks a site; a problem opens an incident at the site with the meeting attached."""
    user = request.user
    meeting = access.meeting_for_user(user, meeting_id)
    access.check(access.can_rollcall(user, meeting))
    participation = _participation(user, meeting, site_code)
    return Status(201, services.rollcall_mark(participation, user=user, status=payload.status, note=payload.note))


@router.get("/{int:meeting_id}/report", response=dict)
@json_errors
def meeting_report(request, meeting_id: int):
    meeting = access.meeting_for_user(request.user, meeting_id)
    data = report.build(meeting, request.user)
    return {
        "meeting": meeting.pk, "summary": {str(label): n for label, n in data["summary"]},
        "rollcall": {str(label): n for label, n in data["rollcall"]},
        "sites": [{"site": r["site"].code, "readiness": r["verdict"], "ready_at": r["participation"].ready_at,
                   "failing": r["participation"].failing, "rollcall": r["participation"].rollcall,
                   "incidents": [i.code for i in r["incidents"]], "quality": r["quality"]} for r in data["rows"]],
    }


# Duty roster ------------------------------------------------------------------------------------------

@router.get("/duty", response=list[ShiftOut])
@using_replica
@paginate(Pagination)
@json_errors
def list_shifts(request, at: IsoDatetime | None = None):
    qs = access.shifts_for_user(request.user).filter(cancelled_at__isnull=True).select_related("organization")
    if at is not None:
        qs = qs.filter(starts_at__lte=at, ends_at__gte=at)
    return qs.order_by("starts_at", "pk")


@router.post("/duty", response={201: ShiftOut})
@json_errors
def add_shift(request, payload: ShiftIn):
    user = request.user
    organization = Organization.objects.filter(code=payload.organization, is_active=True).first()
    if organization is None:
        raise HttpError(422, f"organization: unknown organisation {payload.organization!r}")
    if not access.can_manage_duty(user, organization.pk):
        raise PermissionDenied
    meeting = access.meeting_for_user(user, payload.meeting) if payload.meeting else None
    starts, ends = payload.starts_at, payload.ends_at
    if meeting is not None:
        starts, ends = starts or meeting.opens_at, ends or meeting.ends_at
    if starts is None or ends is None:
        raise HttpError(422, "starts_at: give the period, or a meeting")
    return Status(201, duty.shift_create(user=user, organization=organization, name=payload.name,
                                         phone=payload.phone, starts_at=starts, ends_at=ends, meeting=meeting,
                                         duty=payload.duty))


@router.post("/duty/{int:shift_id}/swap", response=ShiftOut)
@json_errors
def swap_shift(request, shift_id: int, payload: SwapIn):
    shift = access.shift_for_user(request.user, shift_id, change=True)
    duty.shift_swap(shift, user=request.user, to_name=payload.to_name, to_phone=payload.to_phone,
                    reason=payload.reason)
    return shift


# Backup plans and drills -----------------------------------------------------------------------------------

@router.get("/backup-plans", response=list[PlanOut])
@using_replica
@paginate(Pagination)
@json_errors
def list_plans(request, site: str | None = None):
    qs = access.plans_for_user(request.user).filter(retired_at__isnull=True).select_related("site")
    if site:
        qs = qs.filter(site__code=site)
    plans = list(qs.order_by("site__code", "pk"))
    states = backups.site_backup({p.site_id for p in plans})
    by_plan = {e["plan"].pk: e for s in states.values() for e in s["plans"]}
    for plan in plans:
        entry = by_plan.get(plan.pk) or {}
        plan.state = str(entry.get("state", "untried"))
        plan.last_drill_at = entry["last"].held_at if entry.get("last") else None
    return plans


@router.post("/backup-plans/{int:plan_id}/drills", response={201: DrillOut})
@json_errors
def record_drill(request, plan_id: int, payload: DrillIn):
    plan: BackupPlan = access.plan_for_user(request.user, plan_id, change=True)
    return Status(201, backups.drill_record(plan=plan, user=request.user, **payload.dict()))


@router.get("/training", response=list[TrainingOut])
@using_replica
@paginate(Pagination)
@json_errors
def list_training(request):
    from django.db.models import Count

    return access.trainings_for_user(request.user).select_related("organizer").annotate(
        attendees_n=Count("attendees")).order_by("-held_on", "-pk")

