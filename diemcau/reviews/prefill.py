"""Pre-filling site assessments from what the system already knows.

A site contact should confirm and correct, not type: each device group
present at the site gets its devices and their conditions from the
inventory, its compatibility from the last check against the province's
platforms, and its frequent faults and causes from the incident history.
The site's verdict, compliance and measured quality are kept beside the
answers. Many sites are pre-filled with a fixed number of queries.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from diemcau.inventory.choices import Taxonomy
from diemcau.inventory.models import Device, Site, Term
from diemcau.reviews import sources
from diemcau.reviews.choices import SYMPTOM_GROUPS, Frequency, GroupCompatibility
from diemcau.reviews.models import Assessment, Fault, GroupAssessment

BATCH = 500
# Worse first: the state of a group with mixed conditions.
_CONDITION_ORDER = ["broken", "degraded", "good"]
_COMPAT_ORDER = [GroupCompatibility.COMPATIBLE, GroupCompatibility.LIMITED, GroupCompatibility.UNKNOWN,
                 GroupCompatibility.INCOMPATIBLE]


def frequency_for(count: int, days: int) -> str:
    """How often, from the number of incidents over ``days``."""
    per_month = count * 30 / max(days, 1)
    if per_month >= 8:
        return Frequency.EVERY_MEETING
    if per_month >= 3:
        return Frequency.WEEKLY
    if per_month >= 0.8:
        return Frequency.MONTHLY
    return Frequency.RARELY


def group_condition(conditions: list[str]) -> str | None:
    """All good → good; all broken → broken; a mix → degraded; nothing known → None (the contact says)."""
    known = [c for c in conditions if c in _CONDITION_ORDER]
    if not known:
        return None
    if all(c == "good" for c in known):
        return "good"
    if all(c == "broken" for c in known):
        return "broken"
    return "degraded"


def site_knowledge(site_ids, *, now) -> dict:
    """Everything known about the sites, ``{site_id: {...}}``, in a fixed number of queries."""
    site_ids = list(site_ids)
    devices = defaultdict(list)
    rows = Device.objects.active().filter(site_id__in=site_ids).values_list(
        "pk", "site_id", "group__code", "condition__code", "manufacturer", "model", "quantity")
    for pk, site_id, group, condition, manufacturer, model, quantity in rows.iterator(chunk_size=5000):
        devices[site_id].append({"id": pk, "group": group, "condition": condition, "quantity": quantity,
                                 "label": " ".join(p for p in (manufacturer, model) if p)})
    verdicts = sources.verdicts(site_ids)
    compliance = sources.compliance(site_ids)
    compatibility = sources.compatibility(site_ids)
    incidents = sources.incidents(site_ids, now=now)
    quality = sources.quality(site_ids, now=now)
    meetings = sources.meetings(site_ids, now=now)
    return {
        site_id: {
            "devices": devices.get(site_id, []),
            "verdict": verdicts.get(site_id),
            "compliance": compliance.get(site_id),
            "compatibility": compatibility.get(site_id),
            "incidents": incidents.get(site_id),
            "quality": quality.get(site_id),
            "meetings": meetings.get(site_id),
        }
        for site_id in site_ids
    }


def plan_groups(knowledge: dict) -> dict:
    """Per device group present: devices, state, compatibility, faults {symptom: count}, causes."""
    groups: dict = {}
    device_compat = (knowledge.get("compatibility") or {}).get("devices", {})
    for device in knowledge["devices"]:
        entry = groups.setdefault(device["group"], {"devices": [], "count": 0, "conditions": [], "compat": [],
                                                    "faults": {}, "causes": set()})
        entry["devices"].append({"label": device["label"], "condition": device["condition"],
                                 "quantity": device["quantity"]})
        entry["count"] += device["quantity"]
        entry["conditions"].append(device["condition"])
        status = device_compat.get(device["id"]) or device_compat.get(str(device["id"]))
        if status:
            entry["compat"].append(status)
    history = knowledge.get("incidents") or {}
    for symptom, cause in history.get("pairs", []):
        target = next((g for g in SYMPTOM_GROUPS.get(symptom, ()) if g in groups), None)
        if target is None:
            continue
        groups[target]["faults"][symptom] = groups[target]["faults"].get(symptom, 0) + 1
        if cause:
            groups[target]["causes"].add(cause)
    for entry in groups.values():
        entry["condition"] = group_condition(entry["conditions"])
        entry["compatibility"] = (min(entry["compat"], key=_COMPAT_ORDER.index) if entry["compat"] else "")
    return groups


def _known_summary(knowledge: dict) -> dict:
    """What is kept on the assessment for the page: verdict with reasons, compliance, platforms, incidents, quality."""
    history = knowledge.get("incidents") or {}
    return {
        "verdict": knowledge.get("verdict"),
        "compliance": knowledge.get("compliance"),
        "platforms": (knowledge.get("compatibility") or {}).get("platforms", []),
        "incidents": {k: history[k] for k in ("total", "days", "symptoms", "causes")} if history else None,
        "quality": knowledge.get("quality"),
        "meetings": knowledge.get("meetings"),
    }


@transaction.atomic
def prefill_task(task, *, now=None, site_ids=None) -> int:
    """Create the missing assessments of a task's sites, pre-filled; returns how many were created."""
    now = now or timezone.now()
    sites = Site.objects.active().filter(organization_id=task.organization_id)
    if site_ids is not None:
        sites = sites.filter(pk__in=site_ids)
    have = set(Assessment.objects.filter(task=task).values_list("site_id", flat=True))
    missing = [pk for pk in sites.values_list("pk", flat=True) if pk not in have]
    created = 0
    for start in range(0, len(missing), BATCH):
        created += prefill_sites([(task, pk) for pk in missing[start:start + BATCH]], now=now)
    return created


def prefill_campaign(campaign, *, now=None) -> int:
    """Pre-fill every unit's missing assessments at once, in batches across units (a worker job
    for a national campaign: far fewer queries than unit by unit)."""
    now = now or timezone.now()
    tasks = {t.organization_id: t for t in campaign.tasks.all()}
    have = set(Assessment.objects.filter(task__campaign=campaign).values_list("site_id", flat=True))
    pairs = [(tasks[org_id], pk) for pk, org_id in Site.objects.active().filter(
        organization_id__in=tasks).order_by("organization_id", "pk").values_list("pk", "organization_id")
        if pk not in have]
    created = 0
    for start in range(0, len(pairs), BATCH):
        with transaction.atomic():
            created += prefill_sites(pairs[start:start + BATCH], now=now)
    return created


def prefill_sites(pairs, *, now) -> int:
    """Pre-filled assessments for ``[(task, site_id), …]`` in bulk (a batch of any tasks)."""
    if not pairs:
        return 0
    terms = {(t.taxonomy, t.code): t for t in Term.objects.filter(
        taxonomy__in=[Taxonomy.DEVICE_GROUP, Taxonomy.DEVICE_CONDITION, Taxonomy.SYMPTOM, Taxonomy.CAUSE])}
    knowledge = site_knowledge([site_id for _task, site_id in pairs], now=now)
    assessments = Assessment.objects.bulk_create([
        Assessment(task=task, site_id=site_id, verdict=((knowledge[site_id].get("verdict") or {}).get("verdict") or ""),
                   known=_known_summary(knowledge[site_id]), prefilled_at=now, updated_at=now)
        for task, site_id in pairs
    ])
    if not assessments[0].pk:  # some backends do not return keys from bulk_create
        by_key = {(a.task_id, a.site_id): a for a in Assessment.objects.filter(
            task_id__in={t.pk for t, _s in pairs}, site_id__in=[s for _t, s in pairs])}
        assessments = [by_key[(t.pk, s)] for t, s in pairs]
    group_rows, plans = [], []
    for assessment in assessments:
        plan = plan_groups(knowledge[assessment.site_id])
        for code, entry in sorted(plan.items(), key=lambda kv: terms.get(("device_group", kv[0])).position
                                  if terms.get(("device_group", kv[0])) else 99):
            group = terms.get((Taxonomy.DEVICE_GROUP, code))
            if group is None:
                continue
            condition = terms.get((Taxonomy.DEVICE_CONDITION, entry["condition"])) if entry["condition"] else None
            group_rows.append(GroupAssessment(
                assessment=assessment, group=group, device_count=entry["count"], devices=entry["devices"][:30],
                condition=condition, compatibility=entry["compatibility"],
            ))
            plans.append((entry, knowledge[assessment.site_id]))
    GroupAssessment.objects.bulk_create(group_rows, batch_size=2000)
    if group_rows and not group_rows[0].pk:
        index = {(g.assessment_id, g.group_id): g for g in GroupAssessment.objects.filter(
            assessment__in=assessments)}
        group_rows = [index[(g.assessment_id, g.group_id)] for g in group_rows]
    faults, cause_links = [], []
    Through = GroupAssessment.causes.through
    for row, (entry, site_knowledge_) in zip(group_rows, plans, strict=True):
        days = (site_knowledge_.get("incidents") or {}).get("days", 180)
        for symptom, count in entry["faults"].items():
            term = terms.get((Taxonomy.SYMPTOM, symptom))
            if term is not None:
                faults.append(Fault(group_assessment=row, symptom=term, frequency=frequency_for(count, days),
                                    incidents=count))
        for cause in sorted(entry["causes"]):
            term = terms.get((Taxonomy.CAUSE, cause))
            if term is not None:
                cause_links.append(Through(groupassessment_id=row.pk, term_id=term.pk))
    Fault.objects.bulk_create(faults, batch_size=2000)
    Through.objects.bulk_create(cause_links, batch_size=2000)
    return len(assessments)
