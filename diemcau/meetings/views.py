"""Pages: the list of meetings, scheduling, a meeting with its history, cancelling, my checks."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from diemcau.core.exports import DATETIME, NUMBER
from diemcau.core.listing import Column, export_response, paginate, wants_export
from diemcau.core.models import ChangeRecord
from diemcau.inventory.access import sites_for_user
from diemcau.meetings import access, backups, duty, services
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import BackupState, Level, MeetingStatus, Readiness
from diemcau.meetings.forms import CancelForm, MeetingForm
from diemcau.meetings.models import Meeting, Participation

MEETING_COLUMNS = [
    Column("starts_at", gettext_lazy("Starts"), lambda m: m.starts_at, kind=DATETIME),
    Column("ends_at", gettext_lazy("Ends"), lambda m: m.ends_at, kind=DATETIME),
    Column("title", gettext_lazy("Title"), lambda m: m.title),
    Column("level", gettext_lazy("Level"), lambda m: m.get_level_display()),
    Column("importance", gettext_lazy("Importance"), lambda m: m.get_importance_display()),
    Column("host", gettext_lazy("Host site"), lambda m: f"{m.host_site.name} ({m.host_site.code})"),
    Column("sites", gettext_lazy("Sites"), lambda m: m.n_sites, kind=NUMBER),
    Column("ready", gettext_lazy("Ready"), lambda m: m.n_ready, kind=NUMBER),
    Column("status", gettext_lazy("Status"), lambda m: m.get_status_display()),
]
PERIODS = [("upcoming", gettext_lazy("Upcoming")), ("past", gettext_lazy("Past")), ("all", gettext_lazy("All"))]


def _with_counts(qs):
    active = Q(participations__removed_at__isnull=True)
    return qs.annotate(n_sites=Count("participations", filter=active),
                       n_ready=Count("participations", filter=active & Q(participations__state=Readiness.READY)))


@login_required
def meeting_list(request):
    user = request.user
    now = timezone.now()
    period = request.GET.get("period") if request.GET.get("period") in dict(PERIODS) else "upcoming"
    level = request.GET.get("level") if request.GET.get("level") in Level.values else ""
    qs = access.meetings_for_user(user).select_related("host_site")
    if period == "upcoming":
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif period == "past":
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        qs = qs.order_by("-starts_at", "-pk")
    if level:
        qs = qs.filter(level=level)
    qs = _with_counts(qs)
    fmt = wants_export(request)
    if fmt:
        return export_response(fmt, "cuoc-hop", MEETING_COLUMNS, qs.iterator(chunk_size=2000),
                               sheet_title=_("Meetings"), request=request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "meetings/meeting_list.html", {
        "page": paginate(request, qs), "period": period, "periods": PERIODS, "level": level, "levels": Level.choices,
        "query": query.urlencode(), "now": now, "can_schedule": access.can_schedule(user),
        "my_checks": _my_open_checks(user, now)[:5],
    })


def _my_open_checks(user, now):
    """Participations of the user's own sites whose check is open: the technician's to-do list."""
    if not user.is_unit_user:
        return []
    return list(Participation.objects.filter(
        removed_at__isnull=True, site__organization_id=user.organization_id, meeting__status=MeetingStatus.SCHEDULED,
        meeting__opens_at__lte=now, meeting__ends_at__gte=now).select_related("meeting", "site")
        .order_by("meeting__starts_at", "site__code"))


@login_required
def my_checks(request):
    now = timezone.now()
    return render(request, "meetings/my_checks.html", {"rows": _my_open_checks(request.user, now), "now": now})


def _form_context(user):
    sites = access.schedule_sites(user)
    return sites, access.organizers_for_user(user)


def _chosen_sites(user, data, sites):
    return services.sites_pick(kinds=data.get("kinds") or (), sites=data.get("sites") or (),
                               all_local=data.get("all_local"), within=sites)


@login_required
def meeting_create(request):
    user = request.user
    if not access.can_schedule(user):
        raise PermissionDenied
    sites, organizers = _form_context(user)
    own = organizers.filter(pk=user.organization_id).first()
    initial = {"organizer": own or organizers.first(),
               "level": Level.PROVINCIAL if user.edits_province else Level.UNIT}
    form = MeetingForm(request.POST or None, sites=sites, organizers=organizers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.meeting_schedule(
                user=user, title=data["title"], organizer=data["organizer"], host_site=data["host_site"],
                sites=_chosen_sites(user, data, sites), starts_at=data["starts_at"], ends_at=data["ends_at"],
                level=data["level"], importance=data["importance"], platform=data["platform"],
                dial_in=data["dial_in"], notes=data["notes"], repeat_until=data.get("repeat_until"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)s meeting(s) scheduled.") % {"n": len(created)})
            return redirect(created[0])
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@login_required
def meeting_edit(request, pk):
    user = request.user
    meeting = access.meeting_for_user(user, pk, change=True)
    sites, organizers = _form_context(user)
    current = list(meeting.participations.filter(removed_at__isnull=True).values_list("site_id", flat=True))
    local_start, local_end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    initial = {"title": meeting.title, "level": meeting.level, "importance": meeting.importance,
               "host_site": meeting.host_site_id, "platform": meeting.platform_id, "day": local_start.date(),
               "start": local_start.time(), "end": local_end.time(), "sites": current, "dial_in": meeting.dial_in,
               "notes": meeting.notes}
    form = MeetingForm(request.POST or None, sites=sites, organizers=organizers, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting, user=user, sites=_chosen_sites(user, data, sites), title=data["title"], level=data["level"],
                importance=data["importance"], host_site=data["host_site"], platform=data["platform"],
                starts_at=data["starts_at"], ends_at=data["ends_at"], dial_in=data["dial_in"], notes=data["notes"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting is saved; its history keeps the change."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def meeting_cancel(request, pk):
    meeting = access.meeting_for_user(request.user, pk, change=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_cancel(meeting, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The meeting is cancelled."))
    else:
        messages.error(request, _("Say why the meeting is cancelled."))
    return redirect(meeting)


FIELD_LABELS = {"participants": gettext_lazy("participating sites")}


def _history(meeting):
    records = list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Meeting),
                                               object_id=meeting.pk).select_related("user").order_by("-at", "-pk"))
    for record in records:
        rows = []
        for name, (before, after) in (record.changes or {}).items():
            try:
                label = FIELD_LABELS.get(name) or Meeting._meta.get_field(name).verbose_name
            except Exception:
                label = name
            rows.append((label, before, after))
        record.rows = rows
    return records


@login_required
def meeting_detail(request, pk):
    user = request.user
    meeting = access.meeting_for_user(user, pk)
    now = timezone.now()
    visible = access.board_participations(user, meeting)
    counts = dict(visible.values_list("state").annotate(n=Count("pk")))
    mine = list(visible.filter(site__organization_id=user.organization_id).select_related("site")) \
        if user.is_unit_user else []
    backup_warning = []
    if meeting.is_important and not meeting.is_cancelled and meeting.ends_at >= now:
        sites = sites_for_user(user, include_retired=True).filter(pk__in=visible.values("site_id")).select_related(
            "organization")
        backup_warning = list(backups.weak_sites(sites))
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "now": now, "phase": meeting.phase(now),
        "counts": [(s, Readiness(s).label, counts.get(s, 0)) for s in Readiness.values],
        "total": sum(counts.values()), "mine": mine, "items": [(i, cl.item_label(i)) for i in meeting.items],
        "can_edit": access.can_edit(user, meeting) and not meeting.is_cancelled and meeting.ends_at >= now,
        "history": _history(meeting), "roster": list(duty.roster_for_meeting(meeting)),
        "backup_warning": backup_warning[:30], "backup_warning_count": len(backup_warning),
        "state_none": BackupState.NONE, "cancel_form": CancelForm(),
        "series_count": meeting.series.meetings.count() if meeting.series_id else 0,
    })


def local_day_bounds(day: dt.date):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)
