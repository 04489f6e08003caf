"""Pages of the roadmap, its tasks and the guides library."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.listing import paginate
from diemcau.lib.nd30 import DOCX_TYPE
from diemcau.reports import access, planning, services
from diemcau.reports.choices import DocKind, WorkStatus
from diemcau.reports.documents import build, default_texts
from diemcau.reports.documents.guide import to_html
from diemcau.reports.forms import GuideForm, ProgressForm, RoadmapForm, WorkUpdateForm
from diemcau.reports.models import Document, Guide, GuideRead
from diemcau.reviews.access import campaign_for_user

SLIDER_CACHE: dict = {}


@login_required
def roadmap_new(request, campaign_pk):
    user = request.user
    campaign = campaign_for_user(user, campaign_pk)
    if not access.can_plan(user):
        raise PermissionDenied
    year = timezone.localdate().year + 1
    form = RoadmapForm(request.POST or None, initial={
        "title": f"Lộ trình {campaign.title}",
        "phases": f"Giai đoạn 1 ({year}); 2.000.000.000; 31/12/{year}\n"
                  f"Giai đoạn 2 ({year + 1}); 1.500.000.000; 31/12/{year + 1}"})
    if request.method == "POST" and form.is_valid():
        try:
            roadmap = services.roadmap_build(campaign=campaign, title=form.cleaned_data["title"],
                                             phases=form.cleaned_data["phases"],
                                             min_per_area=form.cleaned_data["min_per_area"], user=user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return redirect(roadmap)
    return render(request, "reports/roadmap_form.html", {"form": form, "campaign": campaign})


@login_required
def roadmap_detail(request, pk):
    user = request.user
    roadmap = access.roadmap_for_user(user, pk)
    items = access.roadmap_items_for_user(user, roadmap).select_related(
        "proposal__action", "proposal__group", "site").order_by("phase", "rank", "pk")
    funded = [i for i in items if i.phase]
    waiting_qs = items.filter(phase=0).order_by("rank", "pk")
    phases = []
    for n, phase in enumerate(roadmap.phases, start=1):
        rows = [i for i in funded if i.phase == n]
        due = dt.date.fromisoformat(phase["due"]) if phase.get("due") else None
        phases.append({"n": n, "label": phase.get("label"), "budget": phase["budget"], "due": due,
                       "items": rows, "spent": sum(i.cost for i in rows)})
    return render(request, "reports/roadmap.html", {
        "roadmap": roadmap, "phases": phases, "waiting": paginate(request, waiting_qs, 25),
        "waiting_cost": sum(i.cost for i in items if not i.phase), "can_adopt": access.can_adopt(user),
        "can_report": access.can_start_province_documents(user), "progress_form": ProgressForm(),
        "slider_start": roadmap.phases[0]["budget"] if roadmap.phases else 0,
        "gap_pct": round(100 * roadmap.gap, 2) if roadmap.gap is not None else None,
        "progress_docs": roadmap.documents.filter(kind=DocKind.PROGRESS).order_by("-as_of"),
    })


def _solved(roadmap):
    """The ranking of a roadmap's campaign, kept for the slider's next calls (the evidence is read once)."""
    key = (roadmap.pk, roadmap.created_at.isoformat())
    if key not in SLIDER_CACHE:
        solved = planning.solve(roadmap.campaign, [p["budget"] for p in roadmap.phases], exact=False)
        SLIDER_CACHE.clear()
        SLIDER_CACHE[key] = solved
    return SLIDER_CACHE[key]


@login_required
def roadmap_slider(request, pk):
    """The live answer to "what if the budget is …?" (an htmx fragment)."""
    roadmap = access.roadmap_for_user(request.user, pk)
    try:
        budget = max(int(request.GET.get("budget", "0").replace(".", "")), 0)
    except ValueError:
        budget = 0
    solved = _solved(roadmap)
    answer = planning.slider(solved.ranking, solved.details, budget)
    return render(request, "reports/_slider.html", {"answer": answer, "roadmap": roadmap})


@login_required
@require_POST
def roadmap_adopt(request, pk):
    roadmap = access.roadmap_for_user(request.user, pk)
    if not access.can_adopt(request.user):
        raise PermissionDenied
    try:
        n = services.roadmap_adopt(roadmap, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Roadmap adopted: %(n)s tasks created and assigned.") % {"n": n})
    return redirect(roadmap)


@login_required
def work_list(request):
    user = request.user
    qs = access.works_for_user(user).select_related("item__site", "item__proposal", "owner").order_by("due_on", "pk")
    show = request.GET.get("show", "open")
    today = timezone.localdate()
    if show == "open":
        qs = qs.filter(status__in=WorkStatus.open_values())
    elif show == "overdue":
        qs = qs.filter(status__in=WorkStatus.open_values(), due_on__lt=today)
    return render(request, "reports/work_list.html", {"page": paginate(request, qs), "show": show, "today": today})


@login_required
def work_detail(request, pk):
    user = request.user
    work = access.work_for_user(user, pk)
    can_update = access.can_update_work(user, work)
    form = WorkUpdateForm(request.POST or None, initial={"status": work.status, "cost_spent": work.cost_spent})
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.work_update(work, user=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Progress recorded."))
                return redirect(work)
    return render(request, "reports/work.html", {
        "work": work, "form": form, "can_update": can_update, "today": timezone.localdate(),
        "updates": work.updates.select_related("by").order_by("-at", "-pk"),
    })


# Guides ----------------------------------------------------------------------------------

@login_required
def guide_list(request):
    guides = Guide.objects.prefetch_related("versions").order_by("topic", "title")
    topic = request.GET.get("topic", "")
    if topic:
        guides = guides.filter(topic=topic)
    read = set(GuideRead.objects.filter(user=request.user).values_list("version_id", flat=True))
    rows = []
    for g in guides:
        latest = max(g.versions.all(), key=lambda v: v.number, default=None)
        rows.append({"guide": g, "latest": latest, "read": latest is not None and latest.pk in read})
    return render(request, "reports/guide_list.html", {"rows": rows, "topic": topic,
                                                       "can_write": access.can_write_guides(request.user)})


def _guide(code):
    guide = Guide.objects.filter(code=code).prefetch_related("symptoms").first()
    if guide is None:
        raise Http404
    return guide


@login_required
def guide_detail(request, code):
    guide = _guide(code)
    versions = list(guide.versions.select_related("created_by").order_by("-number"))
    if not versions:
        raise Http404
    wanted = request.GET.get("v")
    version = next((v for v in versions if str(v.number) == wanted), versions[0])
    confirmed = GuideRead.objects.filter(version=version, user=request.user).first()
    return render(request, "reports/guide.html", {
        "guide": guide, "version": version, "versions": versions, "html": to_html(version.body),
        "confirmed": confirmed, "latest": versions[0], "can_write": access.can_write_guides(request.user),
        "sees_readers": access.sees_readers(request.user),
    })


@login_required
@require_POST
def guide_confirm(request, code, number):
    guide = _guide(code)
    version = guide.versions.filter(number=number).first()
    if version is None:
        raise Http404
    services.guide_confirm(version, user=request.user)
    messages.success(request, _("Thank you: your reading of version %(n)s is recorded.") % {"n": version.number})
    return redirect(f"{guide.get_absolute_url()}?v={version.number}")


@login_required
def guide_edit(request, code=None):
    user = request.user
    if not access.can_write_guides(user):
        raise PermissionDenied
    guide = _guide(code) if code else None
    latest = guide.versions.order_by("-number").first() if guide else None
    initial = {"title": guide.title, "code": guide.code, "topic": guide.topic, "body": latest.body} if guide else {}
    form = GuideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.guide_publish(guide=guide, code=data["code"] or "", title=data["title"],
                                             topic=data["topic"], body=data["body"], note=data["note"], user=user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Version %(n)s published; readers are asked to confirm it.")
                             % {"n": version.number})
            return redirect(version.guide)
    return render(request, "reports/guide_form.html", {"form": form, "guide": guide})


@login_required
def guide_docx(request, code, number):
    """The guide version as an ND 30 .docx (a version never changes, so neither does its content)."""
    guide = _guide(code)
    version = guide.versions.filter(number=number).first()
    if version is None:
        raise Http404
    department = services.department()
    if department is None:
        raise Http404
    doc = Document(kind=DocKind.GUIDE, organization=department, guide_version=version, excerpt=guide.title,
                   texts=default_texts(DocKind.GUIDE))
    response = HttpResponse(build(doc).docx, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="huong-dan-{guide.code}-v{version.number}.docx"'
    return response


@login_required
def guide_readers(request, code):
    """Who has not confirmed the latest version (the department, leaders, auditors)."""
    if not access.sees_readers(request.user):
        raise Http404
    guide = _guide(code)
    version = guide.versions.order_by("-number").first()
    if version is None:
        raise Http404
    readers = access.expected_readers(get_user_model()).select_related("organization")
    done = set(GuideRead.objects.filter(version=version).values_list("user_id", flat=True))
    pending = [u for u in readers.order_by("organization__name", "username") if u.pk not in done]
    return render(request, "reports/guide_readers.html", {"guide": guide, "version": version, "pending": pending,
                                                          "confirmed": len(done), "expected": readers.count()})
