"""The department's view of a campaign: progress, the three lists of R12.2, verdicts, history.

Everything here reads; a fixed number of queries whatever the number of
sites (the aggregate of 10,000 sites is benchmarked in ``bench/reviews_scale.py``).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone

from diemcau.inventory.models import Term
from diemcau.lib.collation import vi_order
from diemcau.reviews.choices import ActionList, Change, MeetsNeeds, TaskState
from diemcau.reviews.models import Assessment, GroupAssessment, Proposal, UnitTask

VERDICT_RANK = {"stable": 0, "unstable": 1, "unfit": 2}
CONDITION_WEIGHT = {"good": 0, "degraded": 1, "broken": 2}


def progress(campaign, *, now=None) -> dict:
    """Tasks per state, and the late units (not handed in by the deadline, or handed in after it)."""
    now = now or timezone.now()
    tasks = list(UnitTask.objects.filter(campaign=campaign).select_related("organization", "submitted_by")
                 .annotate(sites=Count("assessments")).order_by(vi_order("organization__name")))
    for task in tasks:
        task.campaign = campaign
    counts = Counter(t.state for t in tasks)
    late = [t for t in tasks if t.is_late(now)]
    return {
        "tasks": tasks,
        "rows": [{"state": s, "label": s.label, "count": counts.get(s, 0)} for s in TaskState],
        "total": len(tasks),
        "handed_in": sum(counts.get(s, 0) for s in TaskState.handed_in()),
        "late": late,
        "late_open": [t for t in late if t.state not in TaskState.handed_in()],
        "past_deadline": now > campaign.deadline,
    }


def proposals_in(campaign, *, states=None) -> "QuerySet":  # noqa: F821
    """The campaign's items (of the units in ``states``, or all), read for the aggregate and its export."""
    # What the system knew at pre-filling (a few kB per site) is never part of an item: not read.
    qs = Proposal.objects.filter(assessment__task__campaign=campaign)
    if states is not None:
        qs = qs.filter(assessment__task__state__in=states)
    return qs.select_related("action", "group", "cause", "assessment__site", "assessment__task__organization") \
        .defer("assessment__known", "assessment__summary", "assessment__site__search_text",
               "assessment__site__backup_plan", "assessment__site__notes")


def three_lists(qs) -> list[dict]:
    """Count of items, quantity and total estimated cost in each of the three lists."""
    rows = qs.values("action__extra__list").annotate(items=Count("pk"), quantity=Sum("quantity"), cost=Sum("cost_vnd"))
    by_list = {r["action__extra__list"]: r for r in rows}
    out = []
    for code in ActionList:
        row = by_list.get(code.value) or {}
        out.append({"code": code.value, "label": code.label, "items": row.get("items") or 0,
                    "quantity": row.get("quantity") or 0, "cost": row.get("cost") or 0})
    return out


def focus_counts(qs) -> dict:
    return {
        "province_wide": qs.filter(province_wide=True).count(),
        "help_now": qs.filter(help_now=True).count(),
        "invest": qs.filter(action__extra__list=ActionList.INVEST).count(),
        "flagged": qs.exclude(flags=[]).count(),
    }


def province_wide_themes(qs) -> list[dict]:
    """What several units ask to standardise: by action and device group, with how many sites."""
    rows = qs.filter(province_wide=True).values("action__name_vi", "action__name_en", "group__name_vi",
                                                "group__name_en").annotate(sites=Count("assessment__site", distinct=True))
    return sorted(rows, key=lambda r: -r["sites"])


@dataclass
class SiteRow:
    assessment: Assessment
    reasons: list = field(default_factory=list)


def site_rows(campaign, *, states, shown: int = 200) -> list:
    """Every assessed site with its verdict, worst first; the evidence (the reasons the system
    found) is read and put in words only for the ``shown`` rows a page draws."""
    from diemcau.reviews.sources import render_reason

    assessments = (Assessment.objects.filter(task__campaign=campaign, task__state__in=states)
                   .select_related("site", "task__organization").defer("known", "summary")
                   .annotate(evidence_count=Count("evidence")))
    rows = [SiteRow(a) for a in assessments]
    rows.sort(key=lambda r: (-VERDICT_RANK.get(r.assessment.verdict, -1), r.assessment.site.code))
    known = dict(Assessment.objects.filter(pk__in=[r.assessment.pk for r in rows[:shown]]).values_list("pk", "known"))
    for row in rows[:shown]:
        row.reasons = [render_reason(r.get("reason"))
                       for r in ((known.get(row.assessment.pk) or {}).get("verdict") or {}).get("reasons", [])
                       if r.get("level") != "stable"][:4]
    return rows


def verdict_counts(rows) -> list[dict]:
    from diemcau.reviews.sources import verdict_labels

    counts = Counter(r.assessment.verdict or "" for r in rows)
    labels = verdict_labels()
    return [{"verdict": code, "label": label, "count": counts.get(code, 0)} for code, label in labels]


# History ---------------------------------------------------------------------------------

def site_score(assessment: Assessment, conditions: list[str]) -> int:
    """Lower is better: the verdict, how far the site meets needs, and the wear of its device groups."""
    return (2 * VERDICT_RANK.get(assessment.verdict, 1) + 2 * MeetsNeeds.rank(assessment.meets_needs)
            + sum(CONDITION_WEIGHT.get(c, 1) for c in conditions))


def _scores(campaign) -> dict:
    assessments = {a.site_id: a for a in Assessment.objects.filter(task__campaign=campaign).select_related(
        "site", "site__organization")}
    conditions = defaultdict(list)
    for assessment_id, code, group in GroupAssessment.objects.filter(assessment__task__campaign=campaign) \
            .values_list("assessment_id", "condition__code", "group__code"):
        conditions[assessment_id].append((group, code))
    return {site_id: (a, dict(conditions[a.pk])) for site_id, a in assessments.items()}


def compare(current, previous) -> dict:
    """Site by site: what improved, what got worse, between two campaigns."""
    now_rows, then_rows = _scores(current), _scores(previous)
    # Device groups and conditions are shown by name in the reader's language, never by code.
    names = {t.code: str(t) for t in Term.objects.filter(taxonomy__in=["device_group", "device_condition"])}
    rows = []
    for site_id, (a, groups) in now_rows.items():
        before = then_rows.get(site_id)
        score = site_score(a, list(groups.values()))
        if before is None:
            change, was, changes = Change.NEW, None, []
        else:
            b, old_groups = before
            was = site_score(b, list(old_groups.values()))
            change = Change.IMPROVED if score < was else Change.WORSE if score > was else Change.SAME
            changes = [(names.get(g, g), names.get(old_groups.get(g)), names.get(c))
                       for g, c in groups.items() if old_groups.get(g) != c]
        rows.append({"site": a.site, "assessment": a, "before": before[0] if before else None, "score": score,
                     "was": was, "change": change, "label": Change(change).label, "groups": changes})
    order = {Change.WORSE: 0, Change.IMPROVED: 1, Change.NEW: 2, Change.SAME: 3}
    rows.sort(key=lambda r: (order[r["change"]], r["site"].code))
    counts = Counter(r["change"] for r in rows)
    return {"rows": rows, "counts": [{"change": c, "label": c.label, "count": counts.get(c, 0)} for c in Change]}
