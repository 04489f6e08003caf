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

from diemcau.accounts.choices import Role
from diemcau.core.scope import ADMIN, EDITORS, Rule, allowed, get_for_user, permits, register, scope
from diemcau.inventory.models import Site
from diemcau.reports.choices import DocKind
from diemcau.reports.models import Document, Guide, IssuedDocument, Roadmap, RoadmapItem, Work
from diemcau.reviews.choices import LINK_ACTIONS, LINK_GROUPS

UNIT_KINDS = {DocKind.UNIT_REPORT}
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.SITE_TECH})


def _unit_documents(path: str = ""):
    def rows(user) -> Q:
        return Q(**{f"{path}organization_id": user.organization_id, f"{path}kind__in": UNIT_KINDS})

    return rows


def _link_tasks(user) -> Q:
    """An operator's tasks: the link-related ones at the (active) sites it serves."""
    return Q(item__site__in=scope(Site.objects.active(), user)) & link_q()


def link_q(prefix: str = "item__") -> Q:
    return (Q(**{f"{prefix}proposal__action__code__in": LINK_ACTIONS})
            | Q(**{f"{prefix}proposal__group__code__in": LINK_GROUPS}))


# A unit's own report is written by its people and issued by its head; the province's documents are
# written by the department and issued by its administrator (``document_action`` picks the pair by kind).
register(Document, view=Rule(unit=_unit_documents()),
         edit_unit=Rule(province=None, unit="organization"),
         issue_unit=Rule(province=None, roles=frozenset({Role.UNIT_HEAD}), unit="organization"),
         edit_province=Rule(province=EDITORS), issue_province=Rule(province=ADMIN),
         # Start (draft) the province's documents.
         start=Rule(province=EDITORS))
register(IssuedDocument, view=Rule(unit=_unit_documents("document__")))
# Roadmaps are the department's: read by the province roles, planned by DOST, adopted by its administrator.
register(Roadmap, view=Rule(), plan=Rule(province=EDITORS), adopt=Rule(province=ADMIN))
register(RoadmapItem, view=Rule())
register(Work, view=Rule(unit=("owner", "item__site__organization"), operator=_link_tasks),
         # The owner (its head, contact or operator engineer) and the department record progress.
         change=Rule(province=EDITORS, unit="owner", operator="owner"))
# Everyone reads the guides; the department writes them; the province roles see who has not read them.
register(Guide, view=Rule(others=lambda user: Q()), change=Rule(province=EDITORS), readers=Rule())


# Documents ---------------------------------------------------------------------------------

def documents_for_user(user) -> QuerySet[Document]:
    return scope(Document.objects.all(), user)


def document_for_user(user, pk, *, change: bool = False) -> Document:
    doc = get_for_user(Document.objects.select_related("organization__kind", "campaign", "roadmap",
                                                        "guide_version__guide"), user, pk)
    if change and not can_edit(user, doc):
        raise PermissionDenied
    return doc


def document_action(doc: Document, action: str) -> str:
    return f"{action}_unit" if doc.kind in UNIT_KINDS else f"{action}_province"


def can_edit(user, doc: Document) -> bool:
    """Write the draft's free-text parts."""
    return allowed(user, doc, document_action(doc, "edit"))


def can_issue(user, doc: Document) -> bool:
    """Sign and issue: the unit's head for its report, the department's administrator for the rest."""
    return allowed(user, doc, document_action(doc, "issue"))


def can_start_province_documents(user) -> bool:
    return permits(user, Document, "start")


def issued_for_user(user) -> QuerySet[IssuedDocument]:
    return scope(IssuedDocument.objects.all(), user)


def issued_document_for_user(user, pk) -> IssuedDocument:
    return get_for_user(IssuedDocument.objects.select_related("document", "organization", "signer"), user, pk)


# Roadmaps and their tasks ------------------------------------------------------------------

def sees_roadmaps(user) -> bool:
    return permits(user, Roadmap, "view")


def can_plan(user) -> bool:
    return permits(user, Roadmap, "plan")


def can_adopt(user) -> bool:
    return permits(user, Roadmap, "adopt")


def roadmaps_for_user(user) -> QuerySet[Roadmap]:
    return scope(Roadmap.objects.all(), user)


def roadmap_for_user(user, pk) -> Roadmap:
    return get_for_user(Roadmap.objects.select_related("campaign", "created_by", "adopted_by"), user, pk)


def link_items(qs: QuerySet, prefix: str = "item__") -> QuerySet:
    return qs.filter(link_q(prefix))


def roadmap_items_for_user(user, roadmap: Roadmap) -> QuerySet[RoadmapItem]:
    return scope(roadmap.items.all(), user)


def works_for_user(user) -> QuerySet[Work]:
    return scope(Work.objects.all(), user)


def can_update_work(user, work: Work) -> bool:
    """The owner (its head, contact or operator engineer) and the department record progress."""
    return allowed(user, work, "change")


def work_for_user(user, pk, *, change: bool = False) -> Work:
    return get_for_user(Work.objects.select_related("item__proposal__action", "item__proposal__group", "item__site",
                                                    "item__roadmap", "owner"), user, pk,
                        "change" if change else "view")


# Guides ------------------------------------------------------------------------------------

def can_write_guides(user) -> bool:
    return permits(user, Guide, "change")


def sees_readers(user) -> bool:
    """Who has not read a guide yet: the department, leaders and auditors."""
    return permits(user, Guide, "readers")


def expected_readers(user_model):
    """Who must read the guides: the sites' technical contacts (and unit heads) who can sign in."""
    return user_model.objects.filter(is_active=True, role__in=UNIT_ROLES)
