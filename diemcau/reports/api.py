"""JSON API of the reports app, mounted at ``/api/v1/reports/``; the same access helpers as the pages."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from diemcau.reports import access, planning, services
from diemcau.reports.choices import WorkStatus
from diemcau.reports.plan_views import _solved

router = Router(tags=["reports"])


class IssuedOut(Schema):
    id: int
    number: str
    issued_on: dt.date
    signer: str
    position: str
    checksum: str
    pdf_status: str


class DocumentOut(Schema):
    id: int
    kind: str
    organization: str
    campaign: int | None
    excerpt: str
    texts: dict
    updated_at: dt.datetime
    issued: list[IssuedOut]


class DraftIn(Schema):
    texts: dict[str, str] = {}
    excerpt: str | None = None


class IssueIn(Schema):
    position: str
    authority: str = ""
    signer_name: str = ""


class WorkOut(Schema):
    id: int
    site: str
    work: str
    owner: str
    due_on: dt.date
    status: str
    cost_planned: int
    cost_spent: int
    overdue: bool


class WorkIn(Schema):
    status: str
    cost_spent: int | None = None
    done_on: dt.date | None = None
    note: str = ""


def _issued(i) -> dict:
    return {"id": i.pk, "number": i.number_text, "issued_on": i.issued_on, "signer": i.signer_name,
            "position": i.signer_position, "checksum": i.checksum, "pdf_status": i.pdf_status}


def _document(doc) -> dict:
    return {"id": doc.pk, "kind": doc.kind, "organization": doc.organization.name, "campaign": doc.campaign_id,
            "excerpt": doc.excerpt, "texts": doc.texts, "updated_at": doc.updated_at,
            "issued": [_issued(i) for i in doc.issues.all()]}


def _guard(call):
    try:
        return call()
    except PermissionDenied:
        raise HttpError(403, "You may not do this.")


@router.get("/documents", response=list[DocumentOut])
def list_documents(request):
    """Documents the caller may see: a unit its own reports; the province all."""
    qs = access.documents_for_user(request.user).select_related("organization").prefetch_related("issues")
    return [_document(d) for d in qs.order_by("-updated_at", "-pk")]


@router.get("/documents/{doc_id}", response=DocumentOut)
def get_document(request, doc_id: int):
    return _document(access.document_for_user(request.user, doc_id))


@router.put("/documents/{doc_id}/draft", response=DocumentOut)
def save_draft(request, doc_id: int, payload: DraftIn):
    doc = _guard(lambda: access.document_for_user(request.user, doc_id, change=True))
    services.document_save_draft(doc, user=request.user, texts=payload.texts, excerpt=payload.excerpt)
    return _document(doc)


@router.post("/documents/{doc_id}/issue", response={201: IssuedOut})
def issue_document(request, doc_id: int, payload: IssueIn):
    """Number, date, sign and store the document as the data are now; the file never changes afterwards."""
    doc = access.document_for_user(request.user, doc_id)
    if not access.can_issue(request.user, doc):
        raise HttpError(403, "Only the unit's head (or, for the province's documents, the department's "
                             "administrator) issues this document.")
    issued = services.document_issue(doc, user=request.user, position=payload.position, authority=payload.authority,
                                     signer_name=payload.signer_name)
    return Status(201, _issued(issued))


@router.get("/roadmaps")
def list_roadmaps(request):
    return [{"id": r.pk, "title": r.title, "campaign": r.campaign_id, "phases": r.phases, "gap": r.gap,
             "chosen": r.chosen, "adopted_at": r.adopted_at}
            for r in access.roadmaps_for_user(request.user).order_by("-created_at")]


@router.get("/roadmaps/{roadmap_id}")
def get_roadmap(request, roadmap_id: int):
    roadmap = access.roadmap_for_user(request.user, roadmap_id)
    items = access.roadmap_items_for_user(request.user, roadmap).select_related("site", "proposal")
    return {"id": roadmap.pk, "title": roadmap.title, "phases": roadmap.phases, "gap": roadmap.gap,
            "greedy_objective": roadmap.greedy_objective, "exact_objective": roadmap.exact_objective,
            "chosen": roadmap.chosen, "items": [
                {"proposal": i.proposal_id, "site": i.site.code, "work": i.proposal.description, "phase": i.phase,
                 "rank": i.rank, "cost": i.cost, "benefit": i.benefit, "why": i.explanation} for i in items]}


@router.get("/roadmaps/{roadmap_id}/slider")
def roadmap_slider(request, roadmap_id: int, budget: int = 0):
    """What a budget of ``budget`` VND (one phase) would fund, and what 100 million more would add."""
    roadmap = access.roadmap_for_user(request.user, roadmap_id)
    if budget < 0:
        raise HttpError(422, "budget: give 0 or more VND.")
    solved = _solved(roadmap)
    return planning.slider(solved.ranking, solved.details, budget)


@router.get("/tasks", response=list[WorkOut])
def list_tasks(request, overdue: bool = False):
    from django.utils import timezone

    today = timezone.localdate()
    qs = access.works_for_user(request.user).select_related("item__site", "item__proposal", "owner").order_by(
        "due_on", "pk")
    if overdue:
        qs = qs.filter(status__in=WorkStatus.open_values(), due_on__lt=today)
    return [{"id": w.pk, "site": w.item.site.code, "work": w.item.proposal.description, "owner": w.owner.name,
             "due_on": w.due_on, "status": w.status, "cost_planned": w.item.cost, "cost_spent": w.cost_spent,
             "overdue": w.is_overdue(today)} for w in qs]


@router.post("/tasks/{work_id}/updates", response={201: dict})
def update_task(request, work_id: int, payload: WorkIn):
    work = _guard(lambda: access.work_for_user(request.user, work_id, change=True))
    update = services.work_update(work, user=request.user, status=payload.status, cost_spent=payload.cost_spent,
                                  done_on=payload.done_on, note=payload.note)
    return Status(201, {"id": update.pk, "status": update.status, "cost_spent": update.cost_spent})


@router.get("/guides")
def list_guides(request):
    from diemcau.reports.models import Guide, GuideRead

    read = set(GuideRead.objects.filter(user=request.user).values_list("version_id", flat=True))
    out = []
    for g in Guide.objects.prefetch_related("versions").order_by("topic", "title"):
        latest = max(g.versions.all(), key=lambda v: v.number, default=None)
        out.append({"code": g.code, "title": g.title, "topic": g.topic, "version": latest.number if latest else None,
                    "read": bool(latest and latest.pk in read)})
    return out


@router.post("/guides/{code}/versions/{number}/read", response={201: dict})
def confirm_guide(request, code: str, number: int):
    from django.http import Http404

    from diemcau.reports.models import GuideVersion

    version = GuideVersion.objects.filter(guide__code=code, number=number).first()
    if version is None:
        raise Http404
    created = services.guide_confirm(version, user=request.user)
    return Status(201, {"confirmed": True, "new": created})
