"""Checks before a unit submits, and the waste checks of R16.

``waste_flags`` judges one purchase proposal against the site's inventory,
the other proposals of the campaign, its recorded cause and the province's
platforms and standard. A flag does not block a submission once the unit
has written why the purchase is still needed; the flag stays visible to the
department. ``assessment_problems`` lists what must be fixed before
submitting, each a clear message on the item.

Flags are stored as ``{"code", "params"}`` and put in words when read, so a
Vietnamese and an English reader both see their language.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.models import Device, Term
from diemcau.lib.text import fold
from diemcau.reviews import sources
from diemcau.reviews.choices import CALLING_GROUPS, CHEAP_CAUSES, PURCHASE_ACTIONS, SHARED_GROUPS
from diemcau.reviews.models import Evidence, GroupAssessment, Proposal

FLAG_TEXTS = {
    "owned_good": _("The site already has %(group)s in good condition (%(devices)s): buying another looks unnecessary."),
    "duplicate_site": _("The same purchase (%(group)s) is proposed more than once for this site."),
    "duplicate_shared": _("Overlaps with the proposal of %(unit)s for the shared %(group)s at the same address (%(site)s)."),
    "cheap_cause": _("The recorded cause is “%(cause)s”: a cheaper action (configuration, training, coordination) fixes it, not a purchase."),
    "model_fails": _("The proposed model %(model)s fails the province's check: %(problems)s."),
}


def _names(term: Term | None) -> dict:
    if term is None:
        return {"vi": "—", "en": "—"}
    return {"vi": term.name_vi, "en": term.name_en or term.name_vi}


def _localise(value):
    if isinstance(value, dict) and "vi" in value:
        return value["en"] if (get_language() or "vi").startswith("en") and value.get("en") else value["vi"]
    return value


def flag_text(flag: dict) -> str:
    template = FLAG_TEXTS.get(flag.get("code"))
    if template is None:
        return str(flag.get("code"))
    params = {k: _localise(v) for k, v in (flag.get("params") or {}).items()}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def flag(code: str, **params) -> dict:
    assert code in FLAG_TEXTS, code
    return {"code": code, "params": params}


@dataclass
class WasteContext:
    """What the waste checks read for a whole campaign, loaded once."""

    good_devices: dict  # (site_id, group_id) -> [labels]
    purchases: list  # rows of every purchase proposal of the campaign
    platforms: list
    min_resolution: dict  # group code -> resolution

    def __post_init__(self):
        # Indexes, so checking every proposal of a national campaign stays linear.
        self.by_site_group = defaultdict(list)
        self.by_address_group = defaultdict(list)
        for row in self.purchases:
            self.by_site_group[(row["assessment__site_id"], row["group_id"])].append(row)
            key = _address_key(row["assessment__site__address"])
            if key:
                self.by_address_group[(key, row["group_id"])].append(row)

    @classmethod
    def for_campaign(cls, campaign_id: int, *, site_ids=None) -> "WasteContext":
        purchases = list(
            Proposal.objects.filter(assessment__task__campaign_id=campaign_id, action__code__in=PURCHASE_ACTIONS)
            .values("pk", "group_id", "assessment__site_id", "assessment__site__address",
                    "assessment__site__code", "assessment__task__organization_id",
                    "assessment__task__organization__name")
        )
        if site_ids is None:
            site_ids = {row["assessment__site_id"] for row in purchases}
        good = defaultdict(list)
        for site_id, group_id, manufacturer, model, quantity in Device.objects.active().filter(
                site_id__in=site_ids, condition__code="good").values_list(
                "site_id", "group_id", "manufacturer", "model", "quantity"):
            label = " ".join(p for p in (manufacturer, model) if p)
            good[(site_id, group_id)].append(f"{quantity} × {label}" if label else str(quantity))
        from diemcau.reviews.choices import RESOLUTION_GROUPS

        return cls(
            good_devices=dict(good), purchases=purchases, platforms=sources.reference_platforms(),
            min_resolution={g: sources.standard_min_resolution(g) for g in RESOLUTION_GROUPS},
        )


def _address_key(address: str) -> str:
    return " ".join(fold(address or "").split())


def waste_flags(proposal: Proposal, ctx: WasteContext) -> list[dict]:
    """The waste checks a proposal trips (R16), as stored flags; none for a non-purchase."""
    if proposal.action.code not in PURCHASE_ACTIONS:
        return []
    flags = []
    site = proposal.assessment.site
    group = proposal.group
    if group is not None:
        owned = ctx.good_devices.get((site.pk, group.pk))
        if owned:
            flags.append(flag("owned_good", group=_names(group), devices=", ".join(owned[:4])))
        same_site = [r for r in ctx.by_site_group.get((site.pk, group.pk), []) if r["pk"] != proposal.pk]
        if same_site:
            flags.append(flag("duplicate_site", group=_names(group)))
        if group.code in SHARED_GROUPS and _address_key(site.address):
            key = _address_key(site.address)
            org_id = proposal.assessment.task.organization_id
            for row in ctx.by_address_group.get((key, group.pk), []):
                if row["pk"] != proposal.pk and row["assessment__task__organization_id"] != org_id:
                    flags.append(flag("duplicate_shared", unit=row["assessment__task__organization__name"],
                                      group=_names(group), site=row["assessment__site__code"]))
                    break
    if proposal.cause_id and proposal.cause.code in CHEAP_CAUSES:
        flags.append(flag("cheap_cause", cause=_names(proposal.cause)))
    if group is not None and (proposal.model or proposal.manufacturer or proposal.protocols or proposal.max_resolution):
        problems = sources.proposed_model_problems(
            group=group.code, manufacturer=proposal.manufacturer, model=proposal.model,
            protocols=proposal.protocols, video_codecs=proposal.video_codecs, audio_codecs=proposal.audio_codecs,
            max_resolution=proposal.max_resolution, platforms=ctx.platforms,
            min_resolution=ctx.min_resolution.get(group.code, ""),
        )
        if problems:
            flags.append(flag("model_fails", model=proposal.proposed_label or "—", problems="; ".join(problems)))
    return flags


def refresh_flags(campaign_id: int, *, proposals=None) -> int:
    """Recompute and store the flags of the campaign's proposals (all, or some); returns how many changed."""
    qs = Proposal.objects.filter(assessment__task__campaign_id=campaign_id) if proposals is None else proposals
    qs = qs.select_related("action", "cause", "group", "assessment__site", "assessment__task")
    items = list(qs)
    ctx = WasteContext.for_campaign(campaign_id, site_ids={p.assessment.site_id for p in items})
    changed = []
    for proposal in items:
        flags = waste_flags(proposal, ctx)
        if flags != proposal.flags:
            proposal.flags = flags
            changed.append(proposal)
    Proposal.objects.bulk_update(changed, ["flags"], batch_size=500)
    return len(changed)


def refresh_flags_near(campaign_id: int, site_ids) -> int:
    """Recompute the flags a change at these sites can alter: their own proposals, and the
    shared-infrastructure purchases of other units at the same addresses (not the whole campaign)."""
    from django.db.models import Q

    from diemcau.inventory.models import Site

    site_ids = set(site_ids)
    addresses = {a for a in Site.objects.filter(pk__in=site_ids).values_list("address", flat=True) if a.strip()}
    near = Q(assessment__site_id__in=site_ids)
    if addresses:
        keys = {_address_key(a) for a in addresses}
        shared_sites = [pk for pk, address in Proposal.objects.filter(
            assessment__task__campaign_id=campaign_id, group__code__in=SHARED_GROUPS,
            action__code__in=PURCHASE_ACTIONS).values_list("assessment__site_id", "assessment__site__address")
            if _address_key(address) in keys]
        near |= Q(assessment__site_id__in=shared_sites, group__code__in=SHARED_GROUPS)
    return refresh_flags(campaign_id, proposals=Proposal.objects.filter(assessment__task__campaign_id=campaign_id)
                         .filter(near))


@dataclass
class Problem:
    """One thing to fix before submitting, on one item of one site's assessment."""

    assessment_id: int
    site: str
    anchor: str
    text: str


def assessment_problems(assessments) -> list[Problem]:
    """Every problem that blocks the submission of these assessments, in page order.

    Reads the assessments' groups, proposals and evidence in a fixed number of
    queries, so a unit with many sites is checked at once.
    """
    assessments = list(assessments)
    ids = [a.pk for a in assessments]
    groups = defaultdict(list)
    for row in GroupAssessment.objects.filter(assessment_id__in=ids).select_related("group", "condition") \
            .prefetch_related("causes", "faults"):
        groups[row.assessment_id].append(row)
    proposals = defaultdict(list)
    for row in Proposal.objects.filter(assessment_id__in=ids).select_related("group", "action", "cause"):
        proposals[row.assessment_id].append(row)
    evidence = defaultdict(set)  # assessment id -> {group id or None}
    for assessment_id, group_id in Evidence.objects.filter(assessment_id__in=ids).values_list("assessment_id", "group_id"):
        evidence[assessment_id].add(group_id)
    present = defaultdict(set)
    for site_id, group_id in Device.objects.active().filter(
            site_id__in=[a.site_id for a in assessments]).values_list("site_id", "group_id").distinct():
        present[site_id].add(group_id)
    group_terms = {t.pk: t for t in Term.objects.filter(pk__in={g for s in present.values() for g in s})}

    problems: list[Problem] = []
    for a in assessments:
        site = a.site.code

        def add(anchor, text, a=a, site=site):
            problems.append(Problem(a.pk, site, anchor, str(text)))

        if not a.meets_needs:
            add("site", _("Say how far the site as a whole meets meeting needs."))
        assessed = {g.group_id for g in groups[a.pk]}
        for group_id in sorted(present[a.site_id] - assessed, key=lambda g: group_terms[g].position):
            add("groups", _("%(group)s is recorded at the site but has no assessment: add it.")
                % {"group": group_terms[group_id]})
        by_group = defaultdict(list)
        for p in proposals[a.pk]:
            by_group[p.group_id].append(p)
        for g in groups[a.pk]:
            anchor = f"group-{g.pk}"
            if g.condition_id is None or g.condition.code == "unknown":
                add(anchor, _("%(group)s: choose its state (it is blank).") % {"group": g.group})
            if not g.meets_needs:
                add(anchor, _("%(group)s: say how far it meets meeting needs.") % {"group": g.group})
            if list(g.faults.all()) and not list(g.causes.all()):
                add(anchor, _("%(group)s: faults are recorded; name their main cause.") % {"group": g.group})
            if g.condition_id and g.condition.code in ("degraded", "broken") and not by_group.get(g.group_id):
                add(anchor, _("%(group)s is %(state)s: propose an action (the cheapest that fixes it).")
                    % {"group": g.group, "state": g.condition.name.lower()})
        for p in proposals[a.pk]:
            anchor = f"proposal-{p.pk}"
            label = p.description
            if p.action.code in PURCHASE_ACTIONS:
                if not p.justification.strip():
                    add(anchor, _("“%(item)s”: a replacement or investment needs a justification.") % {"item": label})
                if not p.cause_id:
                    add(anchor, _("“%(item)s”: name the cause this purchase fixes.") % {"item": label})
                if not (evidence[a.pk] & {p.group_id, None} if p.group_id else evidence[a.pk]):
                    add(anchor, _("“%(item)s”: attach evidence (a photo or a note) for %(group)s.")
                        % {"item": label, "group": p.group or _("the site")})
                if not p.cost_vnd:
                    add(anchor, _("“%(item)s”: give the estimated cost in VND.") % {"item": label})
                if p.group_id and p.group.code in CALLING_GROUPS and not (p.model and p.protocols):
                    add(anchor, _("“%(item)s”: name the proposed model and its call protocols, so it is checked "
                                  "against the province's platforms.") % {"item": label})
            if p.flags and not p.flag_reason.strip():
                add(anchor, _("“%(item)s” is flagged (%(flags)s). Write why it is still needed, or change it.")
                    % {"item": label, "flags": " ".join(flag_text(f) for f in p.flags)})
    return problems
