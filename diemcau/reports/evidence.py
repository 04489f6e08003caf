"""What the roadmap weighs, read from the database: meetings served, faults, verdict, each proposal.

``roadmap_items(campaign)`` turns the accepted proposals of a campaign into
solver ``Item``\\ s (``diemcau.reports.roadmap``) with the reasons behind each
benefit score, in a fixed number of queries whatever the number of sites.

The benefit of a proposal = meetings weight × (verdict weight + fault weight)
× how bad its device group is × how directly it helps (cheap fixes and
urgent help count more). The weights are the ``WEIGHTS`` below: documented
in docs/reports.md, stored with each roadmap item's reasons.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from diemcau.reports.roadmap import Item
from diemcau.reviews.choices import CALLING_GROUPS, LINK_ACTIONS, LINK_GROUPS, ActionList, TaskState

WEIGHTS = {
    # Provincial meetings a month a site serves, by its level, when no meeting data is recorded.
    "level_meetings": {"hub": 8, "leadership": 6, "party": 5, "dost": 4, "department": 4, "ward": 3, "commune": 2},
    "verdict": {"unfit": 3.0, "unstable": 2.0, "stable": 0.5, "": 1.5},
    "frequency": {"every_meeting": 1.5, "weekly": 1.0, "monthly": 0.5, "rarely": 0.2},
    "incident": 0.2,  # per incident in the last 12 months, up to 10
    "repeat": 1.0,  # an open repeat flag (R10)
    "condition": {"broken": 1.5, "degraded": 1.2, "good": 0.6, "unknown": 1.0},
    "fix_list": 1.2,  # cheap fixes before investment
    "help_now": 1.5,
}
PURCHASE_FOR_LINK = ("replace", "invest", "software")
MEETING_WINDOW_DAYS = 180


@dataclass
class SiteEvidence:
    site_id: int
    code: str
    name: str
    organization_id: int
    organization: str
    verdict: str
    meetings: float
    meetings_source: str  # "meetings", "declared" or "level"
    incidents: int
    repeat: bool


def meetings_served(site_ids, *, now=None) -> dict[int, float] | None:
    """Provincial meetings a month each site joined over the last six months (the meetings app);
    ``None`` when no provincial meeting is recorded in that time, so the roadmap goes by the site."""
    from diemcau.meetings.choices import Level, MeetingStatus
    from diemcau.meetings.models import Participation

    now = now or timezone.now()
    since = now - dt.timedelta(days=MEETING_WINDOW_DAYS)
    rows = (Participation.objects.filter(meeting__starts_at__gte=since, meeting__starts_at__lte=now,
                                         meeting__level=Level.PROVINCIAL, removed_at__isnull=True)
            .exclude(meeting__status=MeetingStatus.CANCELLED)
            .values("site_id").annotate(n=Count("pk")).order_by())
    counts = {r["site_id"]: r["n"] for r in rows}
    if not counts:
        return None
    months = MEETING_WINDOW_DAYS / 30
    return {site_id: counts.get(site_id, 0) / months for site_id in site_ids}


def site_evidence(site_ids, *, now=None) -> dict[int, SiteEvidence]:
    from diemcau.incidents.models import Incident, RepeatFlag
    from diemcau.inventory.models import Site
    from diemcau.standards.models import SiteVerdict

    now = now or timezone.now()
    site_ids = list(site_ids)
    sites = Site.objects.filter(pk__in=site_ids).select_related("organization__kind").only(
        "pk", "code", "name", "is_hub", "meetings_per_month", "organization__name", "organization__kind__code")
    verdicts = dict(SiteVerdict.objects.filter(site_id__in=site_ids, is_current=True).values_list("site_id", "verdict"))
    year_ago = now - dt.timedelta(days=365)
    incidents = dict(Incident.objects.filter(site_id__in=site_ids, reported_at__gte=year_ago).values("site_id")
                     .annotate(n=Count("pk")).order_by().values_list("site_id", "n"))
    repeats = set(RepeatFlag.objects.filter(site_id__in=site_ids, cleared_at__isnull=True)
                  .values_list("site_id", flat=True))
    measured = meetings_served(site_ids, now=now)
    out = {}
    for site in sites:
        if measured is not None:
            meetings, source = measured.get(site.pk, 0.0), "meetings"
        elif site.meetings_per_month is not None:
            meetings, source = float(site.meetings_per_month), "declared"
        else:
            level = "hub" if site.is_hub else site.organization.kind.code
            meetings, source = float(WEIGHTS["level_meetings"].get(level, 2)), "level"
        out[site.pk] = SiteEvidence(
            site_id=site.pk, code=site.code, name=site.name, organization_id=site.organization_id,
            organization=site.organization.name, verdict=verdicts.get(site.pk, ""), meetings=meetings,
            meetings_source=source, incidents=incidents.get(site.pk, 0), repeat=site.pk in repeats)
    return out


def accepted_proposals(campaign):
    """The proposals the roadmap chooses from: accepted units, paid or free work, not "keep"."""
    from diemcau.reviews.models import Proposal

    return (Proposal.objects.filter(assessment__task__campaign=campaign, assessment__task__state=TaskState.ACCEPTED)
            .exclude(action__extra__list=ActionList.CONTINUE).exclude(action__code="keep")
            .select_related("action", "group", "cause", "assessment")
            .only("pk", "description", "cost_vnd", "quantity", "province_wide", "help_now", "assessment__site_id",
                  "assessment__id", "action__code", "action__name_vi", "action__name_en", "action__extra",
                  "group__code", "group__name_vi", "group__name_en", "cause__code")
            .order_by("pk"))


def roadmap_items(campaign, *, now=None) -> tuple[list[Item], dict]:
    """Solver items of the campaign's accepted proposals and, by item key, the reasons and objects."""
    from diemcau.reviews.models import Fault, GroupAssessment

    proposals = list(accepted_proposals(campaign))
    assessment_ids = {p.assessment_id for p in proposals}
    conditions = {(g["assessment_id"], g["group__code"]): g["condition__code"] or "unknown"
                  for g in GroupAssessment.objects.filter(assessment_id__in=assessment_ids)
                  .values("assessment_id", "group__code", "condition__code")}
    worst = {}
    order = list(WEIGHTS["frequency"])
    for f in Fault.objects.filter(group_assessment__assessment_id__in=assessment_ids).values(
            "group_assessment__assessment_id", "group_assessment__group__code", "frequency"):
        key = (f["group_assessment__assessment_id"], f["group_assessment__group__code"])
        if key not in worst or order.index(f["frequency"]) < order.index(worst[key]):
            worst[key] = f["frequency"]
    sites = site_evidence({p.assessment.site_id for p in proposals}, now=now)
    link_keys = defaultdict(list)
    for p in proposals:
        if p.action.code in LINK_ACTIONS or (p.group_id and p.group.code in LINK_GROUPS):
            link_keys[p.assessment.site_id].append(item_key(p))
    items, details = [], {}
    for p in proposals:
        site = sites[p.assessment.site_id]
        group = p.group.code if p.group_id else ""
        meetings_w = 1 + site.meetings / 4
        verdict_w = WEIGHTS["verdict"].get(site.verdict, WEIGHTS["verdict"][""])
        frequency = worst.get((p.assessment_id, group), "")
        fault_w = (WEIGHTS["frequency"].get(frequency, 0) + WEIGHTS["incident"] * min(site.incidents, 10)
                   + (WEIGHTS["repeat"] if site.repeat else 0))
        condition = conditions.get((p.assessment_id, group), "unknown") if group else "unknown"
        condition_w = WEIGHTS["condition"].get(condition, 1.0)
        is_fix = p.list_code == ActionList.FIX
        effect = (WEIGHTS["fix_list"] if is_fix else 1.0) * (WEIGHTS["help_now"] if p.help_now else 1.0)
        benefit = round(100 * meetings_w * (verdict_w + fault_w) * condition_w * effect, 2)
        key = item_key(p)
        requires = ()
        if group in CALLING_GROUPS and p.action.code in PURCHASE_FOR_LINK:
            requires = tuple(k for k in link_keys[site.site_id] if k != key)
        bundle = f"{p.action.code}:{group}" if p.province_wide else ""
        items.append(Item(key=key, cost=int(p.cost_vnd), benefit=benefit, area=str(site.organization_id),
                          requires=requires, bundle=bundle))
        details[key] = {
            "proposal": p, "site": site,
            "reasons": {"meetings": round(site.meetings, 1), "meetings_source": site.meetings_source,
                        "verdict": site.verdict, "incidents": site.incidents, "repeat": site.repeat,
                        "frequency": frequency, "condition": condition, "fix": is_fix, "help_now": p.help_now,
                        "province_wide": p.province_wide, "requires": list(requires), "benefit": benefit},
        }
    return items, details


def item_key(proposal) -> str:
    # Sorted as text, so the proposal id is padded: ties go to the older proposal.
    return f"p{proposal.pk:09d}"


def improved_sites(site_ids, *, since_by_site: dict) -> dict[int, tuple[str, str]]:
    """Sites whose verdict got better after the date their work was done: {site: (before, now)}."""
    from diemcau.standards.models import SiteVerdict

    rank = {"stable": 0, "unstable": 1, "unfit": 2}
    rows = (SiteVerdict.objects.filter(site_id__in=list(site_ids))
            .filter(Q(is_current=True) | Q(computed_at__lte=max(since_by_site.values(), default=timezone.now())))
            .values("site_id", "verdict", "computed_at", "is_current").order_by("site_id", "computed_at", "pk"))
    before, current = {}, {}
    for r in rows:
        since = since_by_site.get(r["site_id"])
        if since is None:
            continue
        if r["computed_at"] <= since:
            before[r["site_id"]] = r["verdict"]
        if r["is_current"]:
            current[r["site_id"]] = (r["verdict"], r["computed_at"])
    out = {}
    for site_id, was in before.items():
        now_verdict, at = current.get(site_id, (None, None))
        if now_verdict and at and at > since_by_site[site_id] and rank.get(now_verdict, 9) < rank.get(was, 9):
            out[site_id] = (was, now_verdict)
    return out
