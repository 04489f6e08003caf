"""Measured check items: judged only from evidence the system collected in the check window.

Each source reads many sites at once (a fixed number of queries for a board
of 300 sites) and answers ``{site_id: {"outcome", "evidence_at", "value"}}``.
Evidence older than ``MEETINGS_EVIDENCE_MINUTES`` or from before the check
opened does not count: without fresh evidence the item has "no evidence",
whatever was true yesterday. A contact cannot tick these items.

- ``probe``: the agent's packet trains (probe and self-check) against the
  FAIL levels of the standard in force (loss, jitter, RTT) and the MOS level;
- ``terminal`` / ``ups``: the server's SIP OPTIONS / SNMP checks of the
  site's terminals (or PCs) / power devices;
- ``incidents``: any open incident at the site fails the item;
- ``throughput``: the last throughput test in the window against the
  standard's minimum bandwidth (NET-BW).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Avg, Count, Max
from django.utils import timezone

from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import AutoSource, Outcome

MIN_ROUNDS = 2


def _since(meeting, now: dt.datetime, freshness: dt.timedelta | None = None) -> dt.datetime:
    return max(meeting.opens_at, now - (freshness or cl.evidence_window()))


def probe(site_ids, since: dt.datetime, now: dt.datetime) -> dict:
    from diemcau.monitoring.choices import TRAIN_KINDS, Problem
    from diemcau.monitoring.levels import current_levels
    from diemcau.monitoring.models import Sample

    levels = current_levels()
    rows = (Sample.objects.filter(site_id__in=list(site_ids), kind__in=TRAIN_KINDS, measured_at__gte=since,
                                  measured_at__lte=now)
            .values("site_id").annotate(n=Count("pk"), loss=Avg("loss_pct"), jitter=Avg("jitter_ms"),
                                        rtt=Avg("rtt_ms"), mos=Avg("mos"), last=Max("measured_at")))
    out = {}
    for row in rows:
        if row["n"] < MIN_ROUNDS:
            continue
        figures = {"rounds": row["n"], "loss_pct": row["loss"], "jitter_ms": row["jitter"], "rtt_ms": row["rtt"],
                   "mos": row["mos"]}
        failing = [name for name, problem in (("loss_pct", Problem.LOSS), ("jitter_ms", Problem.JITTER),
                                              ("rtt_ms", Problem.RTT), ("mos", Problem.MOS))
                   if problem in levels and levels[problem].fails(figures[name])]
        figures = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in figures.items()}
        figures["failing"] = failing
        out[row["site_id"]] = {"outcome": Outcome.FAIL if failing else Outcome.PASS, "evidence_at": row["last"],
                               "value": figures}
    return out


def _device_checks(site_ids, groups, since) -> dict:
    from diemcau.monitoring.choices import CheckStatus
    from diemcau.monitoring.models import DeviceCheck

    by_site = defaultdict(list)
    for site_id, status, checked_at, method, model in DeviceCheck.objects.filter(
            device__site_id__in=list(site_ids), device__group__code__in=groups, device__retired_at__isnull=True,
            enabled=True, checked_at__gte=since).values_list("device__site_id", "status", "checked_at", "method",
                                                            "device__model"):
        by_site[site_id].append((status, checked_at, method, model))
    out = {}
    for site_id, checks in by_site.items():
        bad = [c for c in checks if c[0] in (CheckStatus.DOWN, CheckStatus.FAULT)]
        good = [c for c in checks if c[0] == CheckStatus.UP]
        if not bad and not good:
            continue
        out[site_id] = {"outcome": Outcome.FAIL if bad else Outcome.PASS,
                        "evidence_at": max(c[1] for c in checks),
                        "value": {"checks": [{"status": c[0], "method": c[2], "device": c[3]} for c in checks]}}
    return out


def terminal(site_ids, since, now) -> dict:
    return _device_checks(site_ids, ["terminal", "computer"], since)


def ups(site_ids, since, now) -> dict:
    return _device_checks(site_ids, ["power"], since)


def incidents(site_ids, since, now) -> dict:
    from diemcau.incidents.models import OPEN, Incident

    open_by_site = defaultdict(list)
    for site_id, pk in Incident.objects.filter(OPEN, site_id__in=list(site_ids)).values_list("site_id", "pk"):
        open_by_site[site_id].append(f"SC-{pk:06d}")
    return {site_id: {"outcome": Outcome.FAIL if open_by_site.get(site_id) else Outcome.PASS, "evidence_at": now,
                      "value": {"open": open_by_site.get(site_id, [])}}
            for site_id in site_ids}


def throughput(site_ids, since, now) -> dict:
    from diemcau.monitoring.models import Sample

    minimum_kbps = _minimum_kbps()
    out = {}
    rows = (Sample.objects.filter(site_id__in=list(site_ids), kind="throughput", measured_at__gte=since,
                                  measured_at__lte=now)
            .order_by("site_id", "-measured_at").values_list("site_id", "measured_at", "ok", "data"))
    for site_id, measured_at, ok, data in rows:
        if site_id in out:
            continue
        kbps = (data or {}).get("kbps")
        passed = ok is not False and kbps is not None and kbps >= minimum_kbps
        out[site_id] = {"outcome": Outcome.PASS if passed else Outcome.FAIL, "evidence_at": measured_at,
                        "value": {"kbps": kbps, "minimum_kbps": minimum_kbps}}
    return out


def _minimum_kbps() -> float:
    """NET-BW's FAIL level of the standard in force, in kbit/s."""
    from diemcau.standards.models import Standard

    standard = Standard.objects.current()
    requirement = standard.requirements.filter(code="NET-BW").first() if standard else None
    rule = (requirement.rule if requirement else {}).get("primary_link_mbps") or {}
    return float(rule.get("fail_below", 1.2)) * 1000


SOURCES = {AutoSource.PROBE: probe, AutoSource.TERMINAL: terminal, AutoSource.UPS: ups,
           AutoSource.INCIDENTS: incidents, AutoSource.THROUGHPUT: throughput}
# How fresh evidence must be, per source: device polls run every five minutes; a throughput test
# is asked for once and counts for the whole check window.
FRESHNESS = {AutoSource.TERMINAL: dt.timedelta(minutes=15), AutoSource.UPS: dt.timedelta(minutes=15),
             AutoSource.THROUGHPUT: dt.timedelta(days=30)}


def evaluate(meeting, site_ids, now: dt.datetime | None = None) -> dict:
    """``{site_id: {item code: {"outcome", "evidence_at", "value"}}}`` for the meeting's measured items."""
    now = now or timezone.now()
    site_ids = list(site_ids)
    out = {site_id: {} for site_id in site_ids}
    for item in meeting.auto_items:
        source = item.get("source")
        found = SOURCES[source](site_ids, _since(meeting, now, FRESHNESS.get(source)), now) if source in SOURCES \
            else {}
        for site_id in site_ids:
            out[site_id][item["code"]] = found.get(site_id) or {"outcome": Outcome.NO_DATA, "evidence_at": None,
                                                                "value": {}}
    return out
