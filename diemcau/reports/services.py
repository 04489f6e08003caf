"""Writes of the reports app: drafts and issuing, PDFs, roadmaps and their tasks, chasing, guides."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.core import outbox
from diemcau.inventory.models import Organization
from diemcau.lib import pdf
from diemcau.lib.nd30 import number_line, type_abbr
from diemcau.reports import planning
from diemcau.reports.choices import PdfStatus, WorkStatus
from diemcau.reports.models import (
    Chase,
    Document,
    Guide,
    GuideRead,
    GuideVersion,
    IssuedDocument,
    Roadmap,
    RoadmapItem,
    Work,
    WorkUpdate,
)
from diemcau.reports.text import nfc

log = logging.getLogger(__name__)


# Documents ---------------------------------------------------------------------------------

def department() -> Organization | None:
    return Organization.objects.department()


def document_for(*, kind: str, organization, campaign=None, roadmap=None, excerpt: str = "") -> Document:
    """The one draft of a unit report, assessment or plan for a campaign (created on first use)."""
    from diemcau.reports import documents

    doc = Document.objects.filter(kind=kind, organization=organization, campaign=campaign).first()
    if doc is None:
        doc = Document(kind=kind, organization=organization, campaign=campaign, roadmap=roadmap,
                       excerpt=excerpt or documents.default_excerpt(kind, campaign, organization),
                       texts=documents.default_texts(kind))
        doc.full_clean()
        try:
            with transaction.atomic():
                doc.save()
        except IntegrityError:  # two people opened it at once: one draft
            doc = Document.objects.get(kind=kind, organization=organization, campaign=campaign)
    return doc


def document_save_draft(doc: Document, *, user, texts: dict, excerpt: str | None = None) -> Document:
    """Save the free-text parts of a draft (only the parts the document has)."""
    from diemcau.reports import documents

    allowed = {key for key, _label in documents.editable_parts(doc.kind)}
    unknown = set(texts) - allowed
    if unknown:
        raise ValidationError({"texts": _("Unknown parts: %(parts)s.") % {"parts": ", ".join(sorted(unknown))}})
    doc.texts = {**doc.texts, **{k: nfc(v).strip() for k, v in texts.items()}}
    if excerpt is not None:
        if not excerpt.strip():
            raise ValidationError({"excerpt": _("The excerpt cannot be empty.")})
        doc.excerpt = nfc(excerpt).strip()[:300]
    doc.updated_at, doc.updated_by = timezone.now(), user
    doc.save(update_fields=["texts", "excerpt", "updated_at", "updated_by"])
    return doc


def agency_abbr(org: Organization) -> str:
    """The agency's symbol in the number: UBND for communes and wards, else the organisation's code."""
    if org.kind.code in ("commune", "ward"):
        return "UBND"
    return org.code.replace("-", "").upper()[:12]


def _next_number(org: Organization, abbr: str, year: int) -> int:
    Organization.objects.select_for_update().filter(pk=org.pk).first()  # serialises numbering per agency
    last = IssuedDocument.objects.filter(organization=org, type_abbr=abbr, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def document_issue(doc: Document, *, user, position: str, authority: str = "", signer_name: str = "",
                   today: dt.date | None = None) -> IssuedDocument:
    """Issue a document: number it, date it, sign it, build it from the database as it is now, store it.

    The file is built once here and never again; its SHA-256 is kept beside it.
    """
    from diemcau.reports import documents, tasks

    today = today or timezone.localdate()
    if not position.strip():
        raise ValidationError({"position": _("Give the signer's position.")})
    name = nfc(signer_name or user.get_full_name() or user.username).strip()
    abbr = type_abbr(doc.doc_type)
    with transaction.atomic():
        number = _next_number(doc.organization, abbr, today.year)
        issued = IssuedDocument(
            document=doc, organization=doc.organization, type_abbr=abbr, year=today.year, number=number,
            number_text=number_line(number, doc.doc_type, agency_abbr(doc.organization)).removeprefix("Số: "),
            issued_on=today, signer=user, signer_name=name, signer_position=nfc(position).strip(),
            signer_authority=nfc(authority).strip(), texts=dict(doc.texts),
            pdf_status=PdfStatus.PENDING if pdf.available() else PdfStatus.UNAVAILABLE)
        built = documents.build(doc, issued=issued)
        data = built.docx
        issued.facts = built.facts
        issued.checksum = hashlib.sha256(data).hexdigest()
        issued.size = len(data)
        stem = f"{doc.kind}-{today:%Y%m%d}-{number:02d}"
        issued.docx.save(f"{stem}.docx", ContentFile(data), save=False)
        if built.annex:
            issued.annex.save(f"{stem}-phu-luc.xlsx", ContentFile(built.annex), save=False)
            issued.annex_checksum = hashlib.sha256(built.annex).hexdigest()
        issued.full_clean(exclude=["docx", "annex", "pdf"])
        issued.save()
        if issued.pdf_status == PdfStatus.PENDING:
            transaction.on_commit(lambda: _queue_pdf(issued.pk, tasks))
    return issued


def _queue_pdf(pk, tasks):
    try:
        tasks.convert_pdf(pk)
    except Exception:  # the queue is down: the periodic sweep converts it
        log.exception("Could not queue the PDF of issued document %s", pk)


def claim_pdf(pk: int, *, now=None) -> IssuedDocument | None:
    """Claim one conversion with a conditional UPDATE: a second worker gets nothing."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "PDF_TIMEOUT_SECONDS", 120) * 2)
    claimed = IssuedDocument.objects.filter(pk=pk, pdf_status=PdfStatus.PENDING).filter(
        Q(pdf_claimed_at__isnull=True) | Q(pdf_claimed_at__lt=stale)).update(pdf_claimed_at=now)
    return IssuedDocument.objects.get(pk=pk) if claimed else None


def pdf_convert(pk: int, *, now=None) -> str:
    """Convert one issued .docx to PDF (in the worker). Returns the resulting status."""
    issued = claim_pdf(pk, now=now)
    if issued is None:
        return "skipped"
    if not pdf.available():
        IssuedDocument.objects.filter(pk=pk).update(pdf_status=PdfStatus.UNAVAILABLE)
        return PdfStatus.UNAVAILABLE
    with issued.docx.open("rb") as handle:
        source = handle.read()
    try:
        data = pdf.docx_to_pdf(source)
    except pdf.ConversionError as exc:
        IssuedDocument.objects.filter(pk=pk).update(pdf_status=PdfStatus.FAILED, pdf_error=str(exc)[:2000])
        return PdfStatus.FAILED
    issued.pdf.save(issued.docx.name.rsplit("/", 1)[-1].replace(".docx", ".pdf"), ContentFile(data), save=False)
    IssuedDocument.objects.filter(pk=pk).update(pdf=issued.pdf.name, pdf_status=PdfStatus.DONE, pdf_error="")
    return PdfStatus.DONE


def pending_pdfs(*, now=None, limit: int = 20) -> int:
    """The periodic sweep: conversions that were never queued or whose worker died."""
    done = 0
    for pk in IssuedDocument.objects.filter(pdf_status=PdfStatus.PENDING).order_by("pk").values_list("pk", flat=True)[:limit]:
        if pdf_convert(pk, now=now) != "skipped":
            done += 1
    return done


# Roadmaps ----------------------------------------------------------------------------------

def _clean_phases(phases: list[dict]) -> list[dict]:
    out = []
    for n, phase in enumerate(phases, start=1):
        try:
            budget = int(phase.get("budget"))
        except (TypeError, ValueError):
            raise ValidationError({"phases": _("Phase %(n)s: the budget is a whole number of VND.") % {"n": n}})
        if budget < 0:
            raise ValidationError({"phases": _("Phase %(n)s: the budget cannot be negative.") % {"n": n}})
        due = phase.get("due")
        if isinstance(due, dt.date):
            due = due.isoformat()
        out.append({"label": nfc(phase.get("label") or f"Giai đoạn {n}"), "budget": budget, "due": due or ""})
    if not out:
        raise ValidationError({"phases": _("Give at least one phase with its budget.")})
    return out


def roadmap_build(*, campaign, title: str, phases: list[dict], min_per_area: bool = False, user=None,
                  time_limit: float = 60.0, now=None) -> Roadmap:
    """Choose and order the campaign's accepted proposals within the phases' budgets, with reasons.

    Both methods run; the items follow the exact plan when side constraints
    apply (several phases, prerequisites, a minimum per unit) and it was
    solved, else the benefit/cost plan. The gap between them is stored.
    """
    phases = _clean_phases(phases)
    budgets = [p["budget"] for p in phases]
    solved = planning.solve(campaign, budgets, min_per_area=min_per_area, time_limit=time_limit, now=now)
    use_exact = (solved.exact is not None and any(solved.exact.phase.values())
                 and planning.needs_exact(budgets, solved.items, min_per_area))
    plan = solved.exact if use_exact else solved.greedy
    roadmap = Roadmap(campaign=campaign, title=nfc(title).strip() or campaign.title, phases=phases,
                      min_per_area=min_per_area, greedy_objective=solved.greedy.objective,
                      exact_objective=solved.exact.objective if solved.exact else None,
                      exact_status=solved.exact.status if solved.exact else "", gap=solved.gap,
                      chosen="milp" if use_exact else "greedy", seconds=solved.seconds, created_by=user)
    roadmap.full_clean()
    ranking = solved.ranking
    package_of = {item: key for key, p in ranking.packages.items() for item in p.items}
    total = len(ranking.order)
    rows = []
    for item in solved.items:
        key = package_of[item.key]
        detail = solved.details[item.key]
        proposal, site = detail["proposal"], detail["site"]
        phase = plan.phase.get(key, 0)
        blocked = ""
        if not phase and item.requires:
            blocked = ", ".join(solved.details[r]["proposal"].description for r in item.requires
                                if not plan.phase.get(package_of.get(r, ""), 0))
        reasons = dict(detail["reasons"])
        rows.append(RoadmapItem(
            proposal=proposal, site_id=site.site_id, package=key[:80], phase=phase,
            greedy_phase=solved.greedy.phase.get(key, 0), rank=solved.greedy.rank[key], cost=item.cost,
            benefit=item.benefit, reasons=reasons,
            explanation=planning.explain(phase=phase, rank=solved.greedy.rank[key], cost=item.cost, reasons=reasons,
                                         phases=phases, total=total, blocked_by=blocked)))
    with transaction.atomic():
        roadmap.save()
        for row in rows:
            row.roadmap = roadmap
        RoadmapItem.objects.bulk_create(rows, batch_size=2000)
    return roadmap


def roadmap_adopt(roadmap: Roadmap, *, user, today: dt.date | None = None) -> int:
    """Adopt a roadmap: each funded item becomes a tracked task owned by the site's unit (a link item
    by its operator), due at the end of its phase. A roadmap is adopted once."""
    from diemcau.inventory.models import Link
    from diemcau.reviews.choices import LINK_ACTIONS

    today = today or timezone.localdate()
    with transaction.atomic():
        if Roadmap.objects.filter(pk=roadmap.pk, adopted_at__isnull=True).update(
                adopted_at=timezone.now(), adopted_by=user) != 1:
            raise ValidationError(_("This roadmap has already been adopted."))
        items = list(roadmap.items.filter(phase__gt=0).select_related("proposal__action", "site"))
        providers = dict(Link.objects.active().filter(site_id__in={i.site_id for i in items}, role="primary")
                         .exclude(provider=None).values_list("site_id", "provider_id"))
        works = []
        for item in items:
            phase = roadmap.phases[item.phase - 1]
            due = dt.date.fromisoformat(phase["due"]) if phase.get("due") else today + dt.timedelta(days=180 * item.phase)
            owner = item.site.organization_id
            if item.proposal.action.code in LINK_ACTIONS and providers.get(item.site_id):
                owner = providers[item.site_id]
            works.append(Work(item=item, owner_id=owner, due_on=due))
        Work.objects.bulk_create(works, batch_size=2000)
        created = Work.objects.filter(item__roadmap=roadmap)
        WorkUpdate.objects.bulk_create([WorkUpdate(work=w, status=WorkStatus.PLANNED, by=user,
                                                   note=_("Roadmap adopted")) for w in created], batch_size=2000)
    roadmap.refresh_from_db()
    return len(works)


def work_update(work: Work, *, user, status: str, cost_spent: int | None = None, done_on=None,
                note: str = "") -> WorkUpdate:
    """Record a step of a task as a new row; the task keeps the latest state for lists."""
    if status not in WorkStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    cost = work.cost_spent if cost_spent is None else int(cost_spent)
    if cost < 0:
        raise ValidationError({"cost_spent": _("The cost spent cannot be negative.")})
    if status == WorkStatus.DONE and done_on is None:
        done_on = timezone.localdate()
    if done_on and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date it was done cannot be in the future.")})
    with transaction.atomic():
        update = WorkUpdate(work=work, status=status, cost_spent=cost, done_on=done_on, note=nfc(note).strip(),
                            by=user)
        update.full_clean(exclude=["work"])
        update.save()
        work.status, work.cost_spent, work.updated_at = status, cost, timezone.now()
        work.done_on = done_on if status == WorkStatus.DONE else None
        work.save(update_fields=["status", "cost_spent", "done_on", "updated_at"])
    return update


def chase_overdue(*, today: dt.date | None = None) -> int:
    """Tell each overdue task's owner (and the department) through the outbox — once per task per period.

    A chase is claimed by inserting its row (unique per task and day); the
    period is ``REPORTS_CHASE_DAYS``, so a task is not chased every day.
    """
    from diemcau.accounts.choices import Role
    from diemcau.accounts.models import User

    today = today or timezone.localdate()
    every = max(getattr(settings, "REPORTS_CHASE_DAYS", 7), 1)
    overdue = Work.objects.filter(status__in=WorkStatus.open_values(), due_on__lt=today).select_related(
        "item__proposal", "item__site", "owner")
    recent = set(Chase.objects.filter(on__gt=today - dt.timedelta(days=every)).values_list("work_id", flat=True))
    sent = 0
    department = list(User.objects.filter(is_active=True, role=Role.DOST_STAFF))
    owners: dict[int, list] = {}  # each owner's people, read once however many of its tasks are late
    for work in overdue:
        if work.pk in recent:
            continue
        if work.owner_id not in owners:
            owners[work.owner_id] = list(User.objects.filter(
                is_active=True, organization_id=work.owner_id,
                role__in=[Role.UNIT_HEAD, Role.OPERATOR, Role.SITE_TECH]))
        users = owners[work.owner_id] + department
        title = f"Quá hạn: {work.item.proposal.description[:120]} — {work.item.site.name}"
        body = (f"Hạng mục lộ trình tại {work.item.site.name} ({work.owner.name}) đến hạn ngày "
                f"{work.due_on:%d/%m/%Y}, hiện {work.get_status_display().lower()}. Đề nghị cập nhật tiến độ.")
        try:
            # The claim and the message in one transaction: a failure leaves no claim, the next run retries.
            with transaction.atomic():
                chase = Chase.objects.create(work=work, on=today, recipients=len(users))
                outbox.send(kind="reports.overdue", key=f"reports.overdue:{chase.pk}", title=title, body=body,
                            users=users, url=work.get_absolute_url())
        except IntegrityError:
            continue  # another worker claimed it
        sent += 1
    return sent


# Guides ------------------------------------------------------------------------------------

def guide_publish(*, guide: Guide | None = None, code: str = "", title: str = "", topic: str = "", body: str,
                  note: str = "", user=None) -> GuideVersion:
    """A new version of a guide (creating the guide on its first version). Versions are never edited."""
    body = nfc(body).strip()
    if not body:
        raise ValidationError({"body": _("Write the guide's text.")})
    with transaction.atomic():
        if guide is None:
            guide = Guide(code=code, title=nfc(title).strip(), topic=topic)
            guide.full_clean()
            guide.save()
        elif title:
            guide.title = nfc(title).strip()
            guide.save(update_fields=["title"])
        Guide.objects.select_for_update().filter(pk=guide.pk).first()
        last = guide.versions.aggregate(n=Max("number"))["n"] or 0
        version = GuideVersion(guide=guide, number=last + 1, body=body, note=nfc(note).strip()[:300], created_by=user)
        version.full_clean()
        version.save()
    return version


def guide_confirm(version: GuideVersion, *, user) -> bool:
    """A reader confirms they have read this version; confirming twice changes nothing."""
    try:
        with transaction.atomic():
            GuideRead.objects.create(version=version, user=user)
    except IntegrityError:
        return False
    return True
