"""The live pages: the readiness board and roll-call, a site's check on a phone, the meeting report.

The board refreshes itself by htmx polling (every 2 s): the page sends the
key of the picture it shows, and the server answers 204 (nothing to do) in
one small query when the key has not moved, or the new picture. No socket
stays open, so the existing gunicorn workers serve 50 open boards (see
docs/meetings.md for why not server-sent events).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.listing import export_response
from diemcau.inventory.models import Term
from diemcau.meetings import access, board, evidence, report, services
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import ITEM_SYMPTOMS, Outcome
from diemcau.meetings.forms import CheckIncidentForm, MarkForm, RollCallForm
from diemcau.meetings.models import CheckMark, Meeting


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def board_page(request, pk):
    meeting = access.meeting_for_user(request.user, pk)
    context = board.build(meeting, request.user)
    return render(request, "meetings/board.html", context)


@login_required
def board_live(request, pk):
    """The board's picture, or 204 when the key the page holds is still current."""
    user = request.user
    meeting = access.meeting_for_user(user, pk)
    now = timezone.now()
    if request.GET.get("key") == board.board_key(meeting, now):
        return HttpResponse(status=204)
    # Boards of the same scope polling within the same second share one picture: with 50 boards and a
    # tap every few hundred milliseconds the server renders about once a second, not fifty times.
    cache_key = f"meetings:board:{meeting.pk}:{board.scope_key(user, meeting)}:{int(now.timestamp())}"
    html = cache.get(cache_key)
    if html is None:
        html = render_to_string("meetings/_board.html", board.build(meeting, user, now), request=request)
        cache.set(cache_key, html, 10)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def rollcall(request, pk, site_pk):
    user = request.user
    meeting = access.meeting_for_user(user, pk)
    access.check(access.can_rollcall(user, meeting))
    participation = access.participation_for_user(user, meeting, site_pk)
    form = RollCallForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown roll-call mark."), status=400)
    try:
        mark = services.rollcall_mark(participation, user=user, status=form.cleaned_data["status"],
                                      note=form.cleaned_data["note"])
    except ValidationError as exc:
        if _is_htmx(request):
            return HttpResponse(" ".join(exc.messages), status=422)
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:board", pk=meeting.pk)
    if not _is_htmx(request):
        if mark.incident_id:
            messages.warning(request, _("Incident %(code)s opened at %(site)s.") % {
                "code": mark.incident.code, "site": participation.site.name})
        return redirect("meetings:board", pk=meeting.pk)
    meeting.refresh_from_db()
    return render(request, "meetings/_board.html", board.build(meeting, user))


# A site's check ---------------------------------------------------------------------------------

def _check_context(user, meeting: Meeting, participation, now):
    measured = evidence.evaluate(meeting, [participation.site_id], now)[participation.site_id]
    items = participation.items or {}
    failed_marks = {m.item: m for m in CheckMark.objects.filter(
        participation=participation, outcome=Outcome.FAIL, source="manual").order_by("at", "pk")}
    symptoms = {t.code: t for t in Term.objects.filter(taxonomy="symptom", is_active=True)}
    rows = []
    for item in meeting.items:
        code = item["code"]
        latest = items.get(code) or {}
        live = measured.get(code) if item.get("auto") else None
        mark = failed_marks.get(code) if latest.get("outcome") == Outcome.FAIL else None
        rows.append({
            "item": item, "label": cl.item_label(item), "latest": latest, "live": live,
            "at": _parse(latest.get("at")), "evidence_age": board.age_text(live.get("evidence_at"), now) if live else "",
            "fail_mark": mark,
            "suggested": [symptoms[c] for c in ITEM_SYMPTOMS.get(code, []) if c in symptoms],
        })
    manual = [r for r in rows if not r["item"].get("auto")]
    done = sum(1 for r in manual if r["latest"].get("outcome") in (Outcome.PASS, Outcome.FAIL))
    return {"meeting": meeting, "participation": participation, "site": participation.site, "rows": rows,
            "done": done, "todo": len(manual), "now": now, "open": meeting.check_is_open(now),
            "can_mark": access.can_mark(user, participation), "late_now": now > meeting.due_at,
            "incident_form": CheckIncidentForm()}


def _parse(value):
    import datetime as dt

    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


@login_required
def check_page(request, pk, site_pk):
    user = request.user
    meeting = access.meeting_for_user(user, pk)
    participation = access.participation_for_user(user, meeting, site_pk)
    return render(request, "meetings/check.html", _check_context(user, meeting, participation, timezone.now()))


@login_required
@require_POST
def check_mark(request, pk, site_pk):
    """One tap: OK or not OK for one item (with an optional note or photo). htmx gets the list back."""
    user = request.user
    meeting, participation = access.participation_to_mark(user, pk, site_pk)
    form = MarkForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.check_mark(participation, user=user, item=data["item"], outcome=data["outcome"],
                                note=data["note"], photo=data.get("photo"))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if _all_manual_done(meeting, participation):
                # The last tap: the measured items are judged now too, so the board shows the whole check.
                from diemcau.meetings.jobs import evidence_meeting

                evidence_meeting(meeting, timezone.now(), [participation])
    else:
        error = _("Choose OK or not OK.")
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("meetings:check", pk=meeting.pk, site_pk=participation.site_id)
    participation.refresh_from_db()
    context = _check_context(user, meeting, participation, timezone.now())
    context["error"] = error
    return render(request, "meetings/_check_items.html", context, status=422 if error else 200)


def _all_manual_done(meeting, participation) -> bool:
    items = participation.items or {}
    return all((items.get(i["code"]) or {}).get("outcome") in (Outcome.PASS, Outcome.FAIL)
               for i in meeting.manual_items)


@login_required
@require_POST
def check_throughput(request, pk, site_pk):
    """The contact asks the site's agent for a throughput test; its result fills the measured item."""
    from diemcau.monitoring.services import agent_throughput_request

    user = request.user
    meeting, participation = access.participation_to_mark(user, pk, site_pk)
    if agent_throughput_request(site=participation.site, user=user):
        messages.success(request, _("Throughput test requested: the agent runs it after its next upload and the "
                                    "result appears here within a minute or two."))
    else:
        messages.error(request, _("This site has no agent to run the test."))
    return redirect("meetings:check", pk=meeting.pk, site_pk=participation.site_id)


@login_required
@require_POST
def check_incident(request, pk, site_pk, mark_pk):
    """A failed item becomes an incident, with the symptom the contact picked."""
    user = request.user
    meeting, participation = access.participation_to_mark(user, pk, site_pk)
    mark = CheckMark.objects.filter(pk=mark_pk, participation=participation).first()
    if mark is None:
        from django.http import Http404

        raise Http404
    form = CheckIncidentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one symptom."))
        return redirect("meetings:check", pk=meeting.pk, site_pk=participation.site_id)
    try:
        incident = services.check_incident_open(mark, user=user, symptoms=form.cleaned_data["symptoms"],
                                                description=form.cleaned_data["description"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:check", pk=meeting.pk, site_pk=participation.site_id)
    messages.success(request, _("Incident %(code)s was reported to %(holder)s.") % {
        "code": incident.code, "holder": incident.holder.name})
    return redirect(incident)


# The report after the meeting ---------------------------------------------------------------------

@login_required
def meeting_report(request, pk):
    user = request.user
    meeting = access.meeting_for_user(user, pk)
    data = report.build(meeting, user)
    if request.GET.get("export") == "xlsx":
        return export_response("xlsx", f"bao-cao-cuoc-hop-{meeting.pk}", report.COLUMNS, data["rows"],
                               sheet_title=_("Meeting report"), request=request)
    return render(request, "meetings/report.html", data)


def require(allowed: bool):
    if not allowed:
        raise PermissionDenied
