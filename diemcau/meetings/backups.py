"""Backup plans and drills (R22): a plan counts only once it has been tried and worked.

A site's backup state is the best of its plans' states, each from the plan's
last drill: worked, failed, or never tried. Drills are rows; a new drill
never changes an old one.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from diemcau.meetings.choices import BackupState
from diemcau.meetings.models import BackupPlan, Drill

_BEST_FIRST = [BackupState.WORKS, BackupState.FAILED, BackupState.UNTRIED, BackupState.NONE]


def site_backup(site_ids) -> dict:
    """``{site_id: {"state", "plans": [{"plan", "state", "last"}]}}`` in two queries."""
    site_ids = list(site_ids)
    plans = list(BackupPlan.objects.filter(site_id__in=site_ids, retired_at__isnull=True).order_by("site_id", "pk"))
    last = {}
    for drill in (Drill.objects.filter(plan__in=[p.pk for p in plans]).order_by("plan_id", "-held_at", "-pk")
                  .only("plan_id", "held_at", "worked", "restore_minutes", "conducted_by")):
        last.setdefault(drill.plan_id, drill)
    by_site = defaultdict(list)
    for plan in plans:
        drill = last.get(plan.pk)
        state = BackupState.UNTRIED if drill is None else (BackupState.WORKS if drill.worked else BackupState.FAILED)
        by_site[plan.site_id].append({"plan": plan, "state": state, "last": drill})
    out = {}
    for site_id in site_ids:
        entries = by_site.get(site_id, [])
        entries.sort(key=lambda e: _BEST_FIRST.index(e["state"]))
        out[site_id] = {"state": entries[0]["state"] if entries else BackupState.NONE, "plans": entries}
    return out


@transaction.atomic
def plan_save(plan: BackupPlan, *, user) -> BackupPlan:
    if plan.pk is None and getattr(user, "is_authenticated", False):
        plan.created_by = user
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_retire(plan: BackupPlan, *, user) -> BackupPlan:
    if plan.retired_at is None:
        plan.retired_at = timezone.now()
        plan.save(update_fields=["retired_at"])
    return plan


@transaction.atomic
def drill_record(*, plan: BackupPlan, user, held_at, conducted_by: str, worked: bool, restore_minutes=None,
                 note: str = "") -> Drill:
    drill = Drill(plan=plan, held_at=held_at, conducted_by=conducted_by.strip(), worked=worked,
                  restore_minutes=restore_minutes, note=note.strip(),
                  recorded_by=user if getattr(user, "is_authenticated", False) else None)
    drill.full_clean()
    drill.save()
    return drill


def weak_sites(sites) -> list[dict]:
    """Sites whose backup was never tried, failed its last drill, or that have none: worst first."""
    sites = list(sites)
    states = site_backup([s.pk for s in sites])
    rows = [{"site": s, **states[s.pk]} for s in sites if states[s.pk]["state"] != BackupState.WORKS]
    order = [BackupState.NONE, BackupState.FAILED, BackupState.UNTRIED]
    rows.sort(key=lambda r: (order.index(r["state"]), r["site"].organization.name, r["site"].code))
    return rows


def weak_count(sites) -> int:
    """How many of these sites have no plan whose last drill worked, in one query."""
    from django.db.models import Exists, OuterRef, Subquery

    last_worked = Subquery(Drill.objects.filter(plan=OuterRef("pk")).order_by("-held_at", "-pk").values("worked")[:1])
    working = BackupPlan.objects.filter(site=OuterRef("pk"), retired_at__isnull=True).annotate(
        last=last_worked).filter(last=True)
    return sites.exclude(Exists(working)).count()
