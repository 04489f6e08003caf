"""Pages of the reports app: the Reports page, documents (draft, preview, issue, download)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.replica import using_replica
from diemcau.core.scope import scope
from diemcau.lib import pdf
from diemcau.lib.nd30 import DOCX_TYPE
from diemcau.reports import access, documents, services
from diemcau.reports.choices import DocKind, PdfStatus, WorkStatus
from diemcau.reports.forms import DraftForm, IssueForm, ProgressForm
from diemcau.reviews.access import campaign_for_user, campaigns_for_user, tasks_for_user
from diemcau.reviews.choices import TaskState
from diemcau.reviews.models import UnitTask

PROVINCE_KINDS = (DocKind.ASSESSMENT, DocKind.PLAN)


@login_required
@using_replica
def index(request):
    """The Reports page: what this user may draft, issue, read and follow up."""
    user = request.user
    context = {"now": timezone.now(), "soffice": pdf.available()}
    visible = access.documents_for_user(user).exclude(kind=DocKind.GUIDE)
    context["documents"] = list(visible.select_related("organization", "campaign").annotate(
        issued=Count("issues")).order_by("-updated_at")[:50])
    if user.is_unit_user:
        context["my_tasks"] = list(tasks_for_user(user).select_related("campaign").order_by("-campaign__deadline")[:10])
    if access.sees_roadmaps(user):
        context["campaigns"] = list(campaigns_for_user(user).annotate(
            accepted=Count("tasks", filter=Q(tasks__state=TaskState.ACCEPTED))).filter(accepted__gt=0)
            .order_by("-deadline")[:10])
        context["roadmaps"] = list(access.roadmaps_for_user(user).select_related("campaign").order_by("-created_at")[:10])
        context["can_plan"] = access.can_plan(user)
    context["works"] = access.works_for_user(user).filter(status__in=WorkStatus.open_values()).count()
    context["overdue"] = access.works_for_user(user).filter(status__in=WorkStatus.open_values(),
                                                            due_on__lt=timezone.localdate()).count()
    return render(request, "reports/index.html", context)


@login_required
@using_replica
def unit_report(request, campaign_pk):
    """A unit's report of a campaign: its one draft, created on first visit (unit users only)."""
    user = request.user
    campaign = campaign_for_user(user, campaign_pk)
    # The unit's own task (the fill rule: its site contact and head), none for anyone else.
    task = scope(UnitTask.objects.filter(campaign=campaign), user, "fill").first()
    if task is None:
        raise Http404
    doc = services.document_for(kind=DocKind.UNIT_REPORT, organization=task.organization, campaign=campaign)
    return redirect(doc)


@login_required
@require_POST
def province_document(request, campaign_pk, kind):
    """The department starts (or reopens) the province assessment or the overall plan of a campaign."""
    user = request.user
    campaign = campaign_for_user(user, campaign_pk)
    if kind not in PROVINCE_KINDS:
        raise Http404
    if not access.can_start_province_documents(user):
        raise PermissionDenied
    department = services.department()
    if department is None:
        messages.error(request, _("No organisation of kind “Department of Science and Technology” exists."))
        return redirect("reports:index")
    doc = services.document_for(kind=kind, organization=department, campaign=campaign)
    return redirect(doc)


@login_required
def document_detail(request, pk):
    user = request.user
    doc = access.document_for_user(user, pk)
    can_edit, can_issue = access.can_edit(user, doc), access.can_issue(user, doc)
    form = DraftForm(doc, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.document_save_draft(doc, user=user, texts=form.texts(), excerpt=form.cleaned_data["excerpt"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(doc)
    issues = list(doc.issues.select_related("signer").order_by("-issued_at"))
    return render(request, "reports/document.html", {
        "doc": doc, "form": form, "issue_form": IssueForm(initial=IssueForm.defaults(doc, user)),
        "issues": issues, "can_edit": can_edit, "can_issue": can_issue, "soffice": pdf.available(),
        "pdf_done": PdfStatus.DONE,
    })


@login_required
def document_preview(request, pk):
    """The draft as a .docx, built now (no number or date): what would be issued."""
    doc = access.document_for_user(request.user, pk)
    built = documents.build(doc)
    response = HttpResponse(built.docx, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="du-thao-{doc.kind}-{doc.pk}.docx"'
    return response


@login_required
@require_POST
def document_issue(request, pk):
    user = request.user
    doc = access.document_for_user(user, pk)
    if not access.can_issue(user, doc):
        raise PermissionDenied
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(doc)
    try:
        issued = services.document_issue(doc, user=user, position=form.cleaned_data["position"],
                                         authority=form.cleaned_data["authority"],
                                         signer_name=form.cleaned_data["signer_name"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(doc)
    messages.success(request, _("Issued as No. %(number)s. The file is stored and will not change.")
                     % {"number": issued.number_text})
    return redirect(doc)


@login_required
def issued_download(request, pk, what):
    """An issued file, exactly as stored (never rebuilt)."""
    issued = access.issued_document_for_user(request.user, pk)
    field = {"docx": issued.docx, "pdf": issued.pdf, "xlsx": issued.annex}.get(what)
    if not field:
        raise Http404
    types = {"docx": DOCX_TYPE, "pdf": pdf.PDF_TYPE,
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    name = f"{issued.document.kind}-{issued.issued_on:%Y%m%d}-{issued.number:02d}.{what}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name, content_type=types[what])


@login_required
@require_POST
def progress_new(request, roadmap_pk):
    """A progress report of an adopted roadmap at a date (the department)."""
    user = request.user
    roadmap = access.roadmap_for_user(user, roadmap_pk)
    if not access.can_start_province_documents(user):
        raise PermissionDenied
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(roadmap)
    from diemcau.reports.models import Document

    department = services.department()
    doc = Document(kind=DocKind.PROGRESS, organization=department, campaign=roadmap.campaign, roadmap=roadmap,
                   as_of=form.cleaned_data["as_of"], texts=documents.default_texts(DocKind.PROGRESS),
                   excerpt=f"{documents.default_excerpt(DocKind.PROGRESS, None, department)} đến ngày "
                           f"{form.cleaned_data['as_of']:%d/%m/%Y}", updated_by=user)
    doc.full_clean()
    doc.save()
    return redirect(doc)
