"""Pages: the list, reporting on a phone, the incident with its timeline and actions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from diemcau.core.exports import export_response
from diemcau.core.listing import Column, page_columns, paginate, sort_queryset, wants_export
from diemcau.core.replica import using_replica
from diemcau.core.scope import scope
from diemcau.incidents import access, live, services
from diemcau.incidents.choices import Channel, ClockState, EventKind, Status
from diemcau.incidents.forms import (
    CloseForm,
    IncidentFilter,
    NoteForm,
    ReportForm,
    ResolveForm,
    ThirdPartyForm,
    TriageForm,
)
from diemcau.incidents.models import Clock, IncidentEvent, RepeatFlag, SymptomGuide
from diemcau.incidents.sla import TARGETS
from diemcau.inventory.access import site_for_user
from diemcau.inventory.models import Organization, Term
from diemcau.lib.collation import vi_order


def _local(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def refresh_seconds() -> int:
    """How often the list and the incident page refresh their SLA clocks by themselves."""
    return getattr(settings, "INCIDENT_LIVE_REFRESH_SECONDS", 60)


def _is_late(clock) -> bool:
    figures = getattr(clock, "live", None)
    return clock.state in (ClockState.MISSED, ClockState.OVERDUE) or bool(figures and figures.overdue)


def _missed_by(incident) -> list[str]:
    """Names of the organisations that missed a target of this incident (any holding, not only the current)."""
    return list(dict.fromkeys(c.holder.name for c in incident.watched_clocks if _is_late(c)))


INCIDENT_COLUMNS = [
    Column("code", gettext_lazy("Incident"), lambda i: i.code, "id"),
    Column("reported_at", gettext_lazy("Reported"), lambda i: i.reported_at, "reported_at"),
    Column("site", gettext_lazy("Site"), lambda i: f"{i.site.name} ({i.site.code})", "site__code"),
    Column("symptoms", gettext_lazy("Symptoms"), lambda i: [s.name for s in i.symptoms.all()]),
    Column("severity", gettext_lazy("Severity"), lambda i: i.get_severity_display(), "severity"),
    Column("holder", gettext_lazy("Held by"), lambda i: i.holder.name, "holder__name"),
    Column("status", gettext_lazy("Status"), lambda i: i.get_status_display(), "status"),
    Column("next_due_at", gettext_lazy("Next target"), lambda i: i.next_due_at, "next_due_at"),
    Column("breached", gettext_lazy("Target missed"), lambda i: i.breached, "breached"),
    Column("missed_by", gettext_lazy("Missed by"), _missed_by, export_only=True),
]
WATCHED = [*ClockState.live_values(), ClockState.MISSED]


def _watched_clocks(state=WATCHED):
    return Prefetch("clocks", queryset=Clock.objects.filter(state__in=state).select_related("holder").order_by(
        "due_at", "pk"), to_attr="watched_clocks")


def _with_live_clocks(incidents, now, calendars):
    """The next target of each incident as it stands now, and who missed one (clocks prefetched)."""
    for incident in incidents:
        running = [c for c in incident.watched_clocks if c.state in ClockState.live_values()]
        live.attach(running, now=now, calendars=calendars)
        ordered = sorted(running, key=lambda c: (c.state == ClockState.PAUSED, c.due_at or now))
        incident.next_clock = ordered[0] if ordered else None
        incident.missed_by = [] if incident.duplicate_of_id else _missed_by(incident)
    return incidents


@login_required
@using_replica
def incident_list(request):
    user = request.user
    holders = scope(Organization.objects.filter(is_active=True).order_by(vi_order("name")), user, "members")
    filter_form = IncidentFilter(request.GET or None, holders=holders)
    # Prefetched rather than joined: with joins SQLite stops walking the date index at a million rows.
    qs = access.incidents_for_user(user).prefetch_related("site", "holder", "symptoms", _watched_clocks())
    if filter_form.is_valid():
        qs = filter_form.apply(qs)
    qs, sort = sort_queryset(qs, request, INCIDENT_COLUMNS, "-reported_at")
    if sort == "":
        qs = qs.order_by("-reported_at", "-id")
    fmt = wants_export(request)
    if fmt:
        return export_response(fmt, "su-co", INCIDENT_COLUMNS, qs.iterator(chunk_size=2000), sheet_title="su-co",
                               request=request, what=_("Incidents"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    now = timezone.now()
    page = paginate(request, qs)
    _with_live_clocks(page.object_list, now, live.request_calendars(request))
    context = {
        "page": page, "filter": filter_form, "columns": page_columns(INCIDENT_COLUMNS), "sort": sort,
        "query": query.urlencode(), "sort_query": sort_query.urlencode(), "now": now,
        "refresh_seconds": refresh_seconds(),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "incident-rows":
        # The list refreshing itself: only the rows.
        return render(request, "incidents/_incident_rows.html", context)
    context["can_report"] = access.report_sites_for_user(user).exists()
    return render(request, "incidents/incident_list.html", context)


@login_required
def incident_report(request):
    """The phone form. A ``site_tech`` lands with their site chosen; operators log calls."""
    user = request.user
    sites = access.report_sites_for_user(user)
    if not sites.exists():
        raise PermissionDenied
    by_phone = user.is_operator
    initial = {}
    if request.GET.get("site"):
        initial["site"] = site_for_user(user, request.GET["site"]).pk
    elif user.is_unit_user:
        # The site whose named contact the user is, else the unit's first site.
        mine = sites.filter(contacts__user=user, contacts__retired_at__isnull=True).order_by("code").first()
        first = mine or sites.order_by("code").first()
        initial["site"] = first.pk if first else None
    form = ReportForm(request.POST or None, request.FILES or None, sites=sites, by_phone=by_phone, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                site=data["site"], user=user, symptoms=data["symptoms"], description=data["description"],
                photo=data.get("photo"), important_meeting=data["important_meeting"],
                channel=Channel.PHONE if by_phone else Channel.WEB, caller=data.get("caller", ""),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Incident %(code)s was reported to %(holder)s.") % {
                "code": incident.code, "holder": incident.holder.name})
            return redirect(incident)
    guides = SymptomGuide.objects.select_related("symptom")
    return render(request, "incidents/report.html", {"form": form, "guides": guides, "by_phone": by_phone})


@login_required
def incident_detail(request, pk):
    user = request.user
    incident = access.incident_for_user(user, pk)
    events = list(IncidentEvent.objects.filter(incident=incident).select_related("user", "holder").order_by("at", "pk"))
    cause_names = {t.code: t.name for t in Term.objects.filter(taxonomy="cause")}
    for event in events:
        event.cause_label = cause_names.get((event.data or {}).get("suspected_cause"), "")
    now = timezone.now()
    clocks = _clocks_of(request, incident, now)
    symptoms = list(incident.symptoms.all())
    guides = list(SymptomGuide.objects.filter(symptom__in=symptoms).select_related("symptom"))
    routed = services.route_holder(incident.site, incident.suspected_cause)
    can = {
        "work": access.can_work(user, incident),
        "triage": access.can_triage(user, incident),
        "resume": access.can_resume(user, incident),
        "reopen": access.can_reopen(user, incident),
        "close": access.can_close(user, incident),
        "comment": access.can_comment(user, incident),
    }
    return render(request, "incidents/incident_detail.html", {
        "incident": incident, "site": incident.site, "events": events, "clocks": clocks, "symptoms": symptoms,
        "guides": guides, "can": can, "now": now, "ClockState": ClockState, "Status": Status,
        "EventKind": EventKind, "refresh_seconds": refresh_seconds(), "missed_by": _names_missed(clocks),
        "triage_form": TriageForm(initial={
            "severity": incident.severity, "suspected_cause": incident.suspected_cause_id,
            "important_meeting": incident.important_meeting, "holder": incident.holder_id,
        }, prefix="triage"),
        "routed": routed if routed.pk != incident.holder_id else None,
        "resolve_form": ResolveForm(initial={"cause_found": incident.suspected_cause_id}, prefix="resolve"),
        "note_form": NoteForm(),
        "party_form": ThirdPartyForm(prefix="party", exclude_holder=incident.holder_id),
        "close_form": CloseForm(prefix="close"),
    })


def _clocks_of(request, incident, now):
    """The incident's clocks by holding, then acknowledge, respond, resolve; with their figures for now."""
    clocks = sorted(Clock.objects.filter(incident=incident).select_related("holder", "holding"),
                    key=lambda c: (c.holding.period, TARGETS.index(c.target)))
    return live.attach(clocks, now=now, calendars=live.request_calendars(request))


def _names_missed(clocks):
    return list(dict.fromkeys(c.holder.name for c in clocks if _is_late(c)))


@login_required
def incident_clocks(request, pk):
    """The SLA clocks card as it stands now (the incident page refreshes it by itself)."""
    incident = access.incident_for_user(request.user, pk)
    now = timezone.now()
    clocks = _clocks_of(request, incident, now)
    return render(request, "incidents/_clocks.html", {
        "incident": incident, "clocks": clocks, "now": now, "refresh_seconds": refresh_seconds(),
        "missed_by": _names_missed(clocks), "oob": True})


ACTIONS = {
    # action: (permission, form, service call)
    "acknowledge": ("work", NoteForm, lambda i, u, d: services.incident_acknowledge(i, user=u, note=d["note"])),
    "respond": ("work", NoteForm, lambda i, u, d: services.incident_respond(i, user=u, note=d["note"])),
    "pause": ("work", NoteForm, lambda i, u, d: services.incident_pause(i, user=u, note=d["note"])),
    "third_party": ("work", ThirdPartyForm, lambda i, u, d: services.incident_wait_for_party(
        i, user=u, party=d["party"], party_name=d["party_name"], note=d["note"])),
    "resume": ("resume", NoteForm, lambda i, u, d: services.incident_resume(i, user=u, note=d["note"])),
    "resolve": ("work", ResolveForm, lambda i, u, d: services.incident_resolve(
        i, user=u, cause_found=d["cause_found"], action_taken=d["action_taken"], resolution=d["resolution"])),
    "reopen": ("reopen", NoteForm, lambda i, u, d: services.incident_reopen(i, user=u, reason=d["note"])),
    "close": ("close", CloseForm, lambda i, u, d: services.incident_close(
        i, user=u, note=d["note"], duplicate_of=d.get("duplicate_of"))),
    "comment": ("comment", NoteForm, lambda i, u, d: services.incident_comment(i, user=u, note=d["note"])),
    "triage": ("triage", TriageForm, lambda i, u, d: services.incident_triage(
        i, user=u, severity=d["severity"], suspected_cause=d["suspected_cause"],
        important_meeting=d["important_meeting"], holder=d["holder"], reason=d["reason"])),
}
PERMISSIONS = {
    "work": access.can_work, "resume": access.can_resume, "reopen": access.can_reopen,
    "close": access.can_close, "comment": access.can_comment, "triage": access.can_triage,
}


@login_required
@require_POST
def incident_action(request, pk, action):
    if action not in ACTIONS:
        raise PermissionDenied
    incident = access.incident_for_user(request.user, pk)
    permission, form_class, call = ACTIONS[action]
    access.check(PERMISSIONS[permission](request.user, incident))
    prefix = {"resolve": "resolve", "triage": "triage", "third_party": "party", "close": "close"}.get(action)
    form = form_class(request.POST, prefix=prefix, **({"user": request.user, "incident": incident}
                                                     if form_class is CloseForm else {}))
    if form.is_valid():
        try:
            call(incident, request.user, form.cleaned_data)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect(incident)


@login_required
def incident_photo(request, pk):
    """The photo, only to those who see the incident (media files are not public)."""
    incident = access.incident_for_user(request.user, pk)
    if not incident.photo:
        raise Http404
    return FileResponse(incident.photo.open("rb"), filename=incident.photo.name.rsplit("/", 1)[-1])


@login_required
def repeat_list(request):
    """R10: sites where the same trouble keeps coming back, with the head who answers for it."""
    from diemcau.inventory.access import sites_for_user

    flags = RepeatFlag.objects.filter(cleared_at__isnull=True, site__in=sites_for_user(request.user)).select_related(
        "site", "site__organization").order_by("-last_incident_at")
    flags = list(flags)
    heads = _heads_by_org({f.site.organization_id for f in flags})
    for flag in flags:
        flag.heads = heads.get(flag.site.organization_id, [])
    return render(request, "incidents/repeat_list.html", {"flags": flags})


def _heads_by_org(org_ids):
    from diemcau.accounts.choices import Role
    from diemcau.accounts.models import User

    heads = {}
    for user in User.objects.filter(organization_id__in=org_ids, role=Role.UNIT_HEAD, is_active=True).order_by(
            "last_name", "first_name"):
        heads.setdefault(user.organization_id, []).append(user)
    return heads
