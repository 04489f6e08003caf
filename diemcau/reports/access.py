"""Who sees and changes which documents, roadmaps, tasks and guides — decided here and nowhere else.

- ``dost_admin``, ``dost_staff``: everything; they draft the province's
  documents and roadmaps; ``dost_admin`` issues them and adopts roadmaps;
- ``leader``, ``auditor``: read everything;
- ``unit_head``, ``site_tech``: their own unit's reports (the head issues
  them), the roadmap tasks their unit owns or that concern their sites;
- ``operator``: the roadmap tasks about the links at the sites it serves.

Everyone reads the guides and confirms the versions they have read. Invisible
objects raise 404; visible but not changeable raise 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from diemcau.accounts.choices import Role
from diemcau.inventory.access import sites_for_user
from diemcau.reports.choices import DocKind
from diemcau.reports.models import Document, IssuedDocument, Roadmap, RoadmapItem, Work
from diemcau.reviews.choices import LINK_ACTIONS, LINK_GROUPS

UNIT_KINDS = {DocKind.UNIT_REPORT}


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


# Documents ---------------------------------------------------------------------------------

def documents_for_user(user) -> QuerySet[Document]:
    qs = Document.objects.all()
    if not _active(user):
        return qs.none()
    if user.sees_province:
        return qs
    if user.is_unit_user:
        return qs.filter(organization_id=user.organization_id, kind__in=UNIT_KINDS)
    return qs.none()


def document_for_user(user, pk, *, change: bool = False) -> Document:
    doc = documents_for_user(user).select_related("organization__kind", "campaign", "roadmap", "guide_version__guide") \
        .filter(pk=pk).first()
    if doc is None:
        raise Http404
    if change and not can_edit(user, doc):
        raise PermissionDenied
    return doc


def can_edit(user, doc: Document) -> bool:
    """Write the draft's free-text parts."""
    if doc.kind in UNIT_KINDS:
        return user.is_unit_user and user.organization_id == doc.organization_id
    return user.edits_province


def can_issue(user, doc: Document) -> bool:
    """Sign and issue: the unit's head for its report, the department's administrator for the rest."""
    if doc.kind in UNIT_KINDS:
        return user.role == Role.UNIT_HEAD and user.organization_id == doc.organization_id
    return user.role == Role.DOST_ADMIN


def can_start_province_documents(user) -> bool:
    return _active(user) and user.edits_province


def issued_for_user(user) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(document__in=documents_for_user(user))


def issued_document_for_user(user, pk) -> IssuedDocument:
    issued = issued_for_user(user).select_related("document", "organization", "signer").filter(pk=pk).first()
    if issued is None:
        raise Http404
    return issued


# Roadmaps and their tasks ------------------------------------------------------------------

def sees_roadmaps(user) -> bool:
    return _active(user) and user.sees_province


def can_plan(user) -> bool:
    return _active(user) and user.edits_province


def can_adopt(user) -> bool:
    return _active(user) and user.role == Role.DOST_ADMIN


def roadmaps_for_user(user) -> QuerySet[Roadmap]:
    return Roadmap.objects.all() if sees_roadmaps(user) else Roadmap.objects.none()


def roadmap_for_user(user, pk) -> Roadmap:
    roadmap = roadmaps_for_user(user).select_related("campaign", "created_by", "adopted_by").filter(pk=pk).first()
    if roadmap is None:
        raise Http404
    return roadmap


def link_items(qs: QuerySet, prefix: str = "item__") -> QuerySet:
    return qs.filter(Q(**{f"{prefix}proposal__action__code__in": LINK_ACTIONS})
                     | Q(**{f"{prefix}proposal__group__code__in": LINK_GROUPS}))


def roadmap_items_for_user(user, roadmap: Roadmap) -> QuerySet[RoadmapItem]:
    return roadmap.items.all() if sees_roadmaps(user) else roadmap.items.none()


def works_for_user(user) -> QuerySet[Work]:
    qs = Work.objects.all()
    if not _active(user):
        return qs.none()
    if user.sees_province:
        return qs
    if user.is_unit_user:
        return qs.filter(Q(owner_id=user.organization_id) | Q(item__site__organization_id=user.organization_id))
    if user.is_operator:
        return link_items(qs.filter(item__site__in=sites_for_user(user)))
    return qs.none()


def can_update_work(user, work: Work) -> bool:
    """The owner (its head, contact or operator engineer) and the department record progress."""
    if user.edits_province:
        return True
    if user.is_operator:
        return work.owner_id == user.organization_id
    return user.is_unit_user and work.owner_id == user.organization_id


def work_for_user(user, pk, *, change: bool = False) -> Work:
    work = works_for_user(user).select_related("item__proposal__action", "item__proposal__group", "item__site",
                                               "item__roadmap", "owner").filter(pk=pk).first()
    if work is None:
        raise Http404
    if change and not can_update_work(user, work):
        raise PermissionDenied
    return work


# Guides ------------------------------------------------------------------------------------

def can_write_guides(user) -> bool:
    return _active(user) and user.edits_province


def sees_readers(user) -> bool:
    """Who has not read a guide yet: the department, leaders and auditors."""
    return _active(user) and user.sees_province


def expected_readers(user_model):
    """Who must read the guides: the sites' technical contacts (and unit heads) who can sign in."""
    return user_model.objects.filter(is_active=True, role__in=[Role.SITE_TECH, Role.UNIT_HEAD])
