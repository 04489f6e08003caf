"""Pages around the meetings: duty roster, backup plans and drills, training, calendar feeds, Excel import."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.audit.services import IMPORT_FAILED, IMPORT_REFUSED, IMPORT_SAVED, record_import
from diemcau.core.listing import XLSX_TYPE, paginate
from diemcau.inventory.access import site_for_user, sites_for_user
from diemcau.meetings import access, backups, duty, ical, importer, training
from diemcau.meetings.choices import BackupState
from diemcau.meetings.forms import (
    DrillForm,
    ImportForm,
    PlanForm,
    ShiftForm,
    SwapForm,
    TrainingForm,
)
from diemcau.meetings.models import CalendarFeed

# Duty roster ------------------------------------------------------------------------------------------


@login_required
def duty_list(request):
    user = request.user
    now = timezone.now()
    shifts = access.shifts_for_user(user).filter(cancelled_at__isnull=True, ends_at__gte=now - dt.timedelta(days=1))
    shifts = shifts.select_related("organization", "meeting").prefetch_related("swaps").order_by("starts_at", "pk")
    organizations = access.duty_organizations(user)
    can_add = access.can_add_shifts(user)
    upcoming = access.meetings_for_user(user).filter(status="scheduled", ends_at__gte=now).order_by("starts_at")[:50]
    form = ShiftForm(request.POST or None, organizations=organizations, meetings=upcoming) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            if not access.can_manage_duty(user, data["organization"].pk):
                raise PermissionDenied
            try:
                duty.shift_create(user=user, organization=data["organization"], name=data["name"],
                                  phone=data["phone"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                                  meeting=data["meeting"], duty=data["duty"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The shift is on the roster."))
                return redirect("meetings:duty")
    on_now = list(duty.shifts_covering(now))
    return render(request, "meetings/duty.html", {
        "page": paginate(request, shifts), "form": form, "now": now, "on_now": on_now,
        "manageable": {o.pk for o in organizations} if can_add else set(), "swap_form": SwapForm(),
    })


@login_required
@require_POST
def duty_swap(request, pk):
    shift = access.shift_for_user(request.user, pk, change=True)
    form = SwapForm(request.POST)
    if form.is_valid():
        try:
            duty.shift_swap(shift, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The shift changed hands; the roster keeps who had it."))
    else:
        messages.error(request, _("Name the new person, their phone and the reason."))
    return redirect("meetings:duty")


@login_required
@require_POST
def duty_cancel(request, pk):
    shift = access.shift_for_user(request.user, pk, change=True)
    duty.shift_cancel(shift, user=request.user)
    messages.success(request, _("The shift is taken off the roster."))
    return redirect("meetings:duty")


# Backup plans and drills --------------------------------------------------------------------------------

@login_required
def backup_list(request):
    """Sites whose backup was never tried, failed its last drill, or that have none."""
    sites = sites_for_user(request.user).select_related("organization")
    rows = backups.weak_sites(sites)
    totals = dict.fromkeys(BackupState.values, 0)
    for state in backups.site_backup(sites.values_list("pk", flat=True)).values():
        totals[state["state"]] += 1
    return render(request, "meetings/backup_list.html", {
        "page": paginate(request, rows), "totals": [(s, BackupState(s).label, totals[s]) for s in BackupState.values],
    })


@login_required
def backup_site(request, site_pk):
    user = request.user
    site = site_for_user(user, site_pk)
    can_change = access.can_change_plans(user, site)
    plan_form = PlanForm(request.POST or None) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if plan_form.is_valid():
            plan = plan_form.save(commit=False)
            plan.site = site
            try:
                backups.plan_save(plan, user=user)
            except ValidationError as exc:
                plan_form.add_error(None, exc)
            else:
                messages.success(request, _("Backup plan saved. Try it in a drill: until then it counts as untried."))
                return redirect("meetings:backup_site", site_pk=site.pk)
    state = backups.site_backup([site.pk])[site.pk]
    for entry in state["plans"]:
        entry["drills"] = list(entry["plan"].drills.all()[:10])
    return render(request, "meetings/backup_site.html", {
        "site": site, "state": state, "plan_form": plan_form, "can_change": can_change,
        "drill_form": DrillForm(initial={"held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                         "conducted_by": user.get_full_name() or user.username}),
    })


@login_required
@require_POST
def drill_add(request, plan_pk):
    user = request.user
    plan = access.plan_for_user(user, plan_pk, change=True)
    form = DrillForm(request.POST)
    if form.is_valid():
        try:
            backups.drill_record(plan=plan, user=user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Drill recorded."))
    else:
        messages.error(request, " ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()
                                         if k in form.fields))
    return redirect("meetings:backup_site", site_pk=plan.site_id)


@login_required
@require_POST
def plan_retire(request, plan_pk):
    plan = access.plan_for_user(request.user, plan_pk, change=True)
    backups.plan_retire(plan, user=request.user)
    messages.success(request, _("The plan is retired; its drills stay in the record."))
    return redirect("meetings:backup_site", site_pk=plan.site_id)


# Training ----------------------------------------------------------------------------------------------

@login_required
def training_list(request):
    user = request.user
    form = TrainingForm(request.POST or None) if access.can_manage_training(user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            session = form.save(commit=False)
            try:
                training.session_save(session, user=user, attendees=form.cleaned_data["attendees"],
                                      guides=form.cleaned_data["guides"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Training session recorded."))
                return redirect("meetings:training")
    page = paginate(request, access.trainings_for_user(user).select_related("organizer"))
    for session in page.object_list:
        session.visible_attendees = list(access.visible_attendees(user, session).select_related("site"))
    return render(request, "meetings/training.html", {"page": page, "form": form,
                                                      "can_see_flags": access.can_see_training_flags(request.user)})


@login_required
def training_flags(request):
    user = request.user
    if not access.can_see_training_flags(user):
        raise PermissionDenied
    rows = training.untrained_sites(sites_for_user(user))
    return render(request, "meetings/training_flags.html", {
        "rows": rows, "days": training.window_days(), "threshold": training.threshold()})


# Calendar feeds ------------------------------------------------------------------------------------------

@login_required
def calendar_page(request):
    user = request.user
    if request.method == "POST":
        site = site_for_user(user, request.POST["site"]) if request.POST.get("site") else None
        if "revoke" in request.POST:
            CalendarFeed.objects.filter(user=user, pk=request.POST.get("revoke"), revoked_at__isnull=True).update(
                revoked_at=timezone.now())
            messages.success(request, _("The address no longer works."))
        else:
            try:
                CalendarFeed.objects.create(user=user, site=site, key=CalendarFeed.new_key())
            except IntegrityError:
                messages.info(request, _("You already have this calendar address."))
        return redirect("meetings:calendar")
    feeds = list(CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).select_related("site"))
    for feed in feeds:
        feed.address = request.build_absolute_uri(f"/meetings/ical/{feed.key}.ics")
    return render(request, "meetings/calendar.html", {
        "feeds": feeds, "sites": sites_for_user(user).order_by("code")[:500],
        "has_personal": any(f.site_id is None for f in feeds)})


def ical_feed(request, key):
    """No sign-in: the secret address is the credential; the owner's access rules apply."""
    feed = CalendarFeed.objects.select_related("user", "site").filter(key=key, revoked_at__isnull=True).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    response = HttpResponse(ical.render(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="diemcau.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# Excel import ----------------------------------------------------------------------------------------------

@login_required
def import_page(request):
    user = request.user
    if not access.can_schedule(user):
        raise PermissionDenied
    if request.GET.get("template"):
        response = HttpResponse(importer.template_xlsx(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-cuoc-hop.xlsx"'
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        audit = {"what": _("Meetings"), "filename": upload.name, "size": upload.size, "request": request}
        try:
            result = importer.import_meetings(upload, user=user)
        except Exception:
            record_import(outcome=IMPORT_FAILED, **audit)
            raise
        if result.ok:
            record_import(outcome=IMPORT_SAVED, changed=len(result.rows), **audit)
        else:
            record_import(outcome=IMPORT_REFUSED, errors=len(result.errors), **audit)
        if result.ok:
            messages.success(request, _("%(n)s meeting row(s) imported.") % {"n": len(result.rows)})
            return redirect("meetings:list")
    return render(request, "meetings/import.html", {"form": form, "result": result})
