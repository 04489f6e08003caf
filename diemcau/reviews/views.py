"""Pages of review campaigns: campaigns, a unit's task, a site's assessment, the aggregate and history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.exports import VND, export_response
from diemcau.core.listing import Column, paginate, wants_export
from diemcau.inventory.choices import Taxonomy
from diemcau.inventory.models import Term
from diemcau.reviews import access, aggregate, services
from diemcau.reviews.checks import flag_text
from diemcau.reviews.choices import TaskState
from diemcau.reviews.filters import ProposalFilterSet
from diemcau.reviews.forms import (
    AssessmentForm,
    CampaignForm,
    EvidenceForm,
    GroupForm,
    ProposalForm,
)
from diemcau.reviews.models import Fault, GroupAssessment, Proposal

# Campaigns -------------------------------------------------------------------------------

@login_required
def campaign_list(request):
    user = request.user
    campaigns = access.campaigns_for_user(user).annotate(
        units=Count("tasks", distinct=True),
        handed_in=Count("tasks", filter=Q(tasks__state__in=TaskState.handed_in()), distinct=True),
    ).select_related("created_by").order_by("-deadline", "-pk")
    my_tasks = {}
    if user.is_unit_user:
        my_tasks = {t.campaign_id: t for t in access.tasks_for_user(user).select_related("campaign")}
    return render(request, "reviews/campaign_list.html", {
        "campaigns": campaigns, "my_tasks": my_tasks, "can_open": access.can_open_campaign(user),
        "now": timezone.now(),
    })


@login_required
def campaign_new(request):
    if not access.can_open_campaign(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_open(
                title=data["title"], deadline=data["deadline"], instructions=data["instructions"],
                organizations=data["organizations"], reminder_days=data["reminder_text"], previous=data["previous"],
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Campaign opened for %(n)s organisations.") % {"n": campaign.tasks.count()})
            return redirect(campaign)
    return render(request, "reviews/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, pk):
    user = request.user
    campaign = access.campaign_for_user(user, pk)
    if user.is_unit_user:
        task = access.tasks_for_user(user).filter(campaign=campaign).first()
        if task is None:
            raise Http404
        return redirect(task)
    if user.is_operator:
        return redirect("reviews:link_items", pk=campaign.pk)
    return render(request, "reviews/campaign_detail.html", {
        "campaign": campaign, "progress": aggregate.progress(campaign), "now": timezone.now(),
        "can_review": access.can_review(user), "can_close": access.can_open_campaign(user),
    })


@login_required
@require_POST
def campaign_close(request, pk):
    """The department closes a campaign: no more changes, reminders stop; everything stays readable."""
    campaign = access.campaign_for_user(request.user, pk)
    if not access.can_open_campaign(request.user):
        raise PermissionDenied
    if campaign.closed_at is None:
        services.campaign_close(campaign)
        messages.success(request, _("Campaign closed."))
    return redirect(campaign)


# A unit's task ---------------------------------------------------------------------------

@login_required
def task_detail(request, pk):
    user = request.user
    task = access.task_for_user(user, pk)
    assessments = list(task.assessments.select_related("site", "updated_by").annotate(
        proposal_count=Count("proposals", distinct=True),
        flagged=Count("proposals", filter=~Q(proposals__flags=[]), distinct=True),
    ).order_by("site__code"))
    problems = services.task_problems(task) if task.is_editable and assessments else []
    by_assessment = {}
    for p in problems:
        by_assessment.setdefault(p.assessment_id, []).append(p)
    for a in assessments:
        a.problems = by_assessment.get(a.pk, [])
    review_items, review_groups = [], {}
    if access.can_review(user) and task.state == TaskState.SUBMITTED:
        review_items = list(Proposal.objects.filter(assessment__task=task).select_related(
            "assessment__site", "action", "group", "cause").order_by("assessment__site__code", "pk"))
        for g in GroupAssessment.objects.filter(assessment__task=task).select_related("group", "condition"):
            review_groups.setdefault(g.assessment_id, []).append(g)
        for a in assessments:
            a.review_groups = review_groups.get(a.pk, [])
    return render(request, "reviews/task_detail.html", {
        "task": task, "campaign": task.campaign, "assessments": assessments, "problems": problems,
        "site_problems": by_assessment.get(0, []),
        "events": task.events.select_related("user"), "can_fill": access.can_fill(user, task),
        "can_submit": access.can_submit(user, task), "can_review": access.can_review(user),
        "review_items": review_items, "now": timezone.now(),
    })


@login_required
@require_POST
def task_start(request, pk):
    task = access.task_for_user(request.user, pk)
    if not access.can_fill(request.user, task):
        raise PermissionDenied
    try:
        created = services.task_start(task, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, _("%(n)s site assessments pre-filled from what the system knows: check and correct them.")
                             % {"n": created})
    return redirect(task)


@login_required
@require_POST
def task_submit(request, pk):
    task = access.task_for_user(request.user, pk)
    if not access.can_submit(request.user, task):
        raise PermissionDenied
    try:
        services.task_submit(task, user=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _("Not submitted: %(n)s problems to fix first (listed on each site).")
                       % {"n": len(exc.messages)})
    else:
        messages.success(request, _("Submitted and signed. The department has been told."))
    return redirect(task)


@login_required
@require_POST
def task_review(request, pk):
    task = access.task_for_user(request.user, pk)
    if not access.can_review(request.user):
        raise PermissionDenied
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.task_accept(task, user=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Accepted."))
        elif decision == "return":
            comments = {}
            for key, value in request.POST.items():
                parts = key.split("-")
                if len(parts) == 3 and parts[0] == "c" and parts[1] in ("assessment", "group", "proposal") \
                        and parts[2].isdigit():
                    comments[(parts[1], int(parts[2]))] = value
            services.task_return(task, user=request.user, note=request.POST.get("note", ""), comments=comments)
            messages.success(request, _("Returned to the unit with your comments."))
        else:
            raise ValidationError(_("Choose to accept or to return."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(task)


# A site's assessment ---------------------------------------------------------------------

def _group_forms(request, assessment, groups, *, editable):
    symptoms = list(Term.objects.filter(taxonomy=Taxonomy.SYMPTOM, is_active=True).order_by("position"))
    forms = []
    for g in groups:
        faults = {f.symptom_id: f for f in g.faults.all()}
        form = GroupForm(request.POST if request.method == "POST" and editable else None, instance=g,
                         prefix=f"g{g.pk}", symptoms=symptoms, faults=faults)
        form.row = g
        form.fault_rows = list(faults.values())
        forms.append(form)
    return forms


@login_required
def assessment_detail(request, pk):
    user = request.user
    assessment = access.assessment_for_user(user, pk)
    task = assessment.task
    editable = access.can_fill(user, task)
    groups = list(access.groups_for_user(user, assessment).select_related("group", "condition")
                  .prefetch_related("causes", Prefetch("faults", queryset=Fault.objects.select_related("symptom"))))
    form = AssessmentForm(request.POST if request.method == "POST" and editable else None, instance=assessment,
                          prefix="a")
    group_forms = _group_forms(request, assessment, groups, editable=editable)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid() and all(f.is_valid() for f in group_forms):
            with transaction.atomic():
                form.save()
                for f in group_forms:
                    f.save()
                    chosen = f.chosen_faults()
                    f.row.faults.exclude(symptom_id__in=chosen).delete()
                    for symptom_id, frequency in chosen.items():
                        Fault.objects.update_or_create(group_assessment=f.row, symptom_id=symptom_id,
                                                       defaults={"frequency": frequency})
                services.touch(assessment, user=user)
            messages.success(request, _("Saved."))
            return redirect(assessment)
        messages.error(request, _("Some answers need correcting (marked in red)."))
    proposals = access.proposals_for_user(user).filter(assessment=assessment).select_related("action", "group", "cause")
    evidence = assessment.evidence.select_related("group")
    if access.sees_only_links(user):
        evidence = evidence.filter(group__code__in=("network",))
    problems = services.assessment_problems([assessment]) if editable else []
    return render(request, "reviews/assessment_detail.html", {
        "assessment": assessment, "task": task, "campaign": task.campaign, "form": form, "group_forms": group_forms,
        "proposals": proposals, "evidence": evidence, "editable": editable, "problems": problems,
        "known": assessment.known or {}, "known_reasons": _known_reasons(assessment),
        "evidence_form": EvidenceForm(groups=Term.objects.filter(pk__in=[g.group_id for g in groups])),
        "only_links": access.sees_only_links(user),
        "conditions": {t.code: t.name for t in Term.objects.filter(taxonomy=Taxonomy.DEVICE_CONDITION)},
    })


def _known_reasons(assessment) -> list[str]:
    from diemcau.reviews.sources import render_reason

    verdict = (assessment.known or {}).get("verdict") or {}
    return [render_reason(r.get("reason")) for r in verdict.get("reasons", [])][:8]


@login_required
def proposal_edit(request, assessment_pk=None, pk=None):
    user = request.user
    if pk is not None:
        proposal = access.proposal_for_user(user, pk, change=True)
        assessment = proposal.assessment
    else:
        assessment = access.assessment_for_user(user, assessment_pk, change=True)
        proposal = Proposal(assessment=assessment)
        group = request.GET.get("group")
        if group and group.isdigit():
            proposal.group_id = int(group)
    form = ProposalForm(request.POST or None, instance=proposal, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.proposal_save(form.save(commit=False), user=user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if saved.flags and not saved.flag_reason.strip():
                messages.warning(request, _("Saved, but flagged: %(flags)s Write why it is still needed, or change it.")
                                 % {"flags": " ".join(flag_text(f) for f in saved.flags)})
                return redirect("reviews:proposal_edit", pk=saved.pk)
            messages.success(request, _("Proposal saved."))
            return redirect(assessment.get_absolute_url() + f"#proposal-{saved.pk}")
    return render(request, "reviews/proposal_form.html", {"form": form, "assessment": assessment,
                                                          "proposal": proposal, "task": assessment.task})


@login_required
@require_POST
def proposal_delete(request, pk):
    proposal = access.proposal_for_user(request.user, pk, change=True)
    assessment = proposal.assessment
    services.proposal_delete(proposal, user=request.user)
    messages.success(request, _("Proposal removed."))
    return redirect(assessment)


@login_required
@require_POST
def evidence_add(request, pk):
    assessment = access.assessment_for_user(request.user, pk, change=True)
    groups = Term.objects.filter(pk__in=assessment.groups.values("group_id"))
    form = EvidenceForm(request.POST, request.FILES, groups=groups)
    if form.is_valid():
        try:
            services.evidence_add(assessment, user=request.user, note=form.cleaned_data["note"],
                                  photo=form.cleaned_data["photo"], group=form.cleaned_data["group"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Evidence attached."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(assessment.get_absolute_url() + "#evidence")


@login_required
def evidence_photo(request, pk):
    """A photo, only to those who may see its assessment (never a public URL)."""
    evidence = access.evidence_for_user(request.user, pk)
    if not evidence.photo:
        raise Http404
    try:
        handle = evidence.photo.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=evidence.content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def evidence_delete(request, pk):
    evidence = access.evidence_for_user(request.user, pk, change=True)
    assessment = evidence.assessment
    services.evidence_delete(evidence, user=request.user)
    messages.success(request, _("Evidence removed."))
    return redirect(assessment.get_absolute_url() + "#evidence")


# The department's aggregate ------------------------------------------------------------

def proposal_columns() -> list[Column]:
    return [
        Column("site", _("Site"), lambda p: p.assessment.site.code, link=lambda p: p.assessment.site.get_absolute_url()),
        Column("site_name", _("Site name"), lambda p: p.assessment.site.name, optional=True),
        Column("unit", _("Organisation"), lambda p: p.assessment.task.organization.name),
        Column("verdict", _("Stability"), lambda p: p.assessment.verdict_label, optional=True),
        Column("meetings", _("Provincial meetings a month"), lambda p: p.assessment.site.meetings_per_month,
               optional=True),
        Column("group", _("Device group"), lambda p: str(p.group) if p.group_id else _("whole site")),
        Column("action", _("Action"), lambda p: str(p.action)),
        Column("list", _("List"), lambda p: p.list_label, optional=True),
        Column("cause", _("Cause it fixes"), lambda p: str(p.cause) if p.cause_id else "", optional=True),
        Column("description", _("What exactly"), lambda p: p.description),
        Column("quantity", _("Quantity"), lambda p: p.quantity, optional=True),
        Column("cost", _("Estimated cost (VND)"), lambda p: p.cost_vnd, kind=VND),
        Column("province_wide", _("Standardise province-wide"), lambda p: _("yes") if p.province_wide else "",
               optional=True),
        Column("help_now", _("Technical help now"), lambda p: _("yes") if p.help_now else "", optional=True),
        Column("flags", _("Waste checks"), lambda p: " ".join(flag_text(f) for f in p.flags), optional=True),
        Column("flag_reason", _("Unit's reason"), lambda p: p.flag_reason, optional=True),
        Column("justification", _("Justification"), lambda p: p.justification, optional=True),
    ]


@login_required
def campaign_aggregate(request, pk):
    user = request.user
    campaign = access.campaign_for_user(user, pk)
    if not access.sees_whole_campaign(user):
        raise PermissionDenied
    filterset = ProposalFilterSet(request.GET or None, queryset=aggregate.proposals_in(campaign), campaign=campaign)
    states = filterset.states()
    base = aggregate.proposals_in(campaign, states=states)
    items = filterset.qs
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
    if data.get("focus") == "invest":
        # Focused investment: the sites that serve provincial meetings most often first (R12.5).
        items = items.order_by(F("assessment__site__meetings_per_month").desc(nulls_last=True), "-cost_vnd", "pk")
    else:
        items = items.order_by("assessment__site__code", "action__position", "pk")
    columns = proposal_columns()
    fmt = wants_export(request)
    if fmt:
        return export_response(fmt, f"tong-hop-{campaign.pk}", columns, items.iterator(chunk_size=2000),
                               sheet_title=_("Proposals"), request=request)
    sites = aggregate.site_rows(campaign, states=states)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reviews/aggregate.html", {
        "campaign": campaign, "filter": filterset.form, "lists": aggregate.three_lists(ProposalFilterSet(
            {k: v for k, v in request.GET.items() if k != "list"}, queryset=base, campaign=campaign).qs),
        "focus": aggregate.focus_counts(base), "themes": aggregate.province_wide_themes(base),
        "page": paginate(request, items), "columns": columns, "query": query.urlencode(),
        "sites": sites[:200], "site_total": len(sites), "verdicts": aggregate.verdict_counts(sites),
        "progress": aggregate.progress(campaign),
    })


@login_required
def campaign_compare(request, pk):
    user = request.user
    campaign = access.campaign_for_user(user, pk)
    if not access.sees_whole_campaign(user):
        raise PermissionDenied
    others = access.campaigns_for_user(user).exclude(pk=campaign.pk)
    other_pk = request.GET.get("with") or (campaign.previous_id and str(campaign.previous_id)) or ""
    previous = others.filter(pk=other_pk).first() if other_pk.isdigit() else None
    result = aggregate.compare(campaign, previous) if previous else None
    return render(request, "reviews/compare.html", {"campaign": campaign, "previous": previous, "others": others,
                                                    "result": result})


@login_required
def link_items(request, pk):
    """What an operator sees of a campaign: link-related items of the sites it serves."""
    user = request.user
    campaign = access.campaign_for_user(user, pk)
    proposals = access.proposals_for_user(user).filter(assessment__task__campaign=campaign) \
        .select_related("assessment__site", "assessment__task__organization", "action", "group", "cause") \
        .order_by("assessment__site__code", "pk")
    if not access.sees_only_links(user):
        proposals = access.link_items(proposals)
    groups = GroupAssessment.objects.filter(
        assessment__in=access.assessments_for_user(user).filter(task__campaign=campaign), group__code="network"
    ).select_related("assessment__site", "condition").prefetch_related("causes", "faults__symptom")
    return render(request, "reviews/link_items.html", {"campaign": campaign, "proposals": proposals,
                                                       "groups": groups})
