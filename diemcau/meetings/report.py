"""The one-page report of a meeting: readiness on time, incidents, link quality, roll-call.

Everything is read from the rows (checks, roll-call marks, incidents,
minute roll-ups of the meeting's window), in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.core.exports import DATETIME, DECIMAL, NUMBER
from diemcau.core.listing import Column
from diemcau.meetings import access
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import Readiness, RollCall


class Verdict:
    ON_TIME = "on_time"
    LATE = "late"
    FAILED = "failed"
    UNCHECKED = "unchecked"

    LABELS = {ON_TIME: gettext_lazy("Ready on time"), LATE: gettext_lazy("Ready late"),
              FAILED: gettext_lazy("Failed its check"), UNCHECKED: gettext_lazy("Not checked")}


def readiness_verdict(participation, meeting) -> str:
    if participation.state == Readiness.PROBLEM:
        return Verdict.FAILED
    if participation.ready_at is not None:
        return Verdict.ON_TIME if participation.ready_at <= meeting.due_at else Verdict.LATE
    return Verdict.UNCHECKED


def _quality(site_ids, meeting) -> dict:
    from diemcau.monitoring.choices import Period
    from diemcau.monitoring.models import Rollup

    def weighted(name):
        return Sum(F(name) * F("rounds"))

    out = {}
    rows = (Rollup.objects.filter(site_id__in=site_ids, period=Period.MINUTE, bucket__gte=meeting.starts_at,
                                  bucket__lt=meeting.ends_at)
            .values("site_id").annotate(n=Sum("rounds"), bad=Sum("bad_rounds"), loss=weighted("loss_avg"),
                                        rtt=weighted("rtt_avg"), jitter=weighted("jitter_avg"),
                                        mos=weighted("mos_avg")))
    for row in rows:
        n = row["n"] or 0
        if n:
            out[row["site_id"]] = {k: (row[k] / n if row[k] is not None else None)
                                   for k in ("loss", "rtt", "jitter", "mos")}
            out[row["site_id"]]["bad_pct"] = 100.0 * (row["bad"] or 0) / n
    return out


def build(meeting, user) -> dict:
    from diemcau.incidents.models import Incident

    participations = list(access.board_participations(user, meeting).select_related(
        "site", "site__organization", "checked_by").order_by("site__organization__name", "site__code"))
    site_ids = [p.site_id for p in participations]
    quality = _quality(site_ids, meeting)
    incidents = defaultdict(list)
    for incident in Incident.objects.filter(site_id__in=site_ids, reported_at__gte=meeting.due_at,
                                            reported_at__lte=meeting.ends_at).order_by("reported_at"):
        incidents[incident.site_id].append(incident)
    labels = {i["code"]: cl.item_label(i) for i in meeting.items}
    rows = []
    tally = defaultdict(int)
    for p in participations:
        verdict = readiness_verdict(p, meeting)
        tally[verdict] += 1
        if p.rollcall:
            tally["rollcall_" + p.rollcall] += 1
        rows.append({"participation": p, "site": p.site, "verdict": verdict, "verdict_label": Verdict.LABELS[verdict],
                     "failing": [labels.get(c, c) for c in p.failing], "quality": quality.get(p.site_id),
                     "incidents": incidents.get(p.site_id, []),
                     "rollcall": RollCall(p.rollcall).label if p.rollcall else ""})
    summary = [(Verdict.LABELS[v], tally[v]) for v in (Verdict.ON_TIME, Verdict.LATE, Verdict.FAILED,
                                                       Verdict.UNCHECKED)]
    rollcall = [(RollCall(s).label, tally["rollcall_" + s]) for s in RollCall.values]
    return {"meeting": meeting, "rows": rows, "summary": summary, "rollcall": rollcall, "total": len(rows),
            "incident_total": sum(len(r["incidents"]) for r in rows), "now": timezone.now(),
            "whole": access.sees_whole_board(user, meeting)}


def _fmt(value, digits=1):
    return None if value is None else round(value, digits)


COLUMNS = [
    Column("site_code", gettext_lazy("Site code"), lambda r: r["site"].code),
    Column("site", gettext_lazy("Site"), lambda r: r["site"].name),
    Column("organization", gettext_lazy("Organisation"), lambda r: r["site"].organization.name),
    Column("readiness", gettext_lazy("Readiness"), lambda r: str(r["verdict_label"])),
    Column("ready_at", gettext_lazy("Ready at"), lambda r: r["participation"].ready_at, kind=DATETIME),
    Column("failing", gettext_lazy("Failed items"), lambda r: r["failing"]),
    Column("checked_by", gettext_lazy("Checked by"),
           lambda r: str(r["participation"].checked_by) if r["participation"].checked_by_id else ""),
    Column("rollcall", gettext_lazy("Roll-call"), lambda r: str(r["rollcall"])),
    Column("incidents", gettext_lazy("Incidents"), lambda r: [i.code for i in r["incidents"]]),
    Column("rtt", gettext_lazy("RTT (ms)"), lambda r: _fmt((r["quality"] or {}).get("rtt")), kind=NUMBER),
    Column("loss", gettext_lazy("Loss (%)"), lambda r: _fmt((r["quality"] or {}).get("loss"), 2), kind=DECIMAL),
    Column("jitter", gettext_lazy("Jitter (ms)"), lambda r: _fmt((r["quality"] or {}).get("jitter")), kind=NUMBER),
    Column("mos", gettext_lazy("MOS"), lambda r: _fmt((r["quality"] or {}).get("mos"), 2), kind=DECIMAL),
]


def summary_text(meeting, data) -> str:
    return _("%(total)s sites: %(parts)s") % {
        "total": data["total"], "parts": ", ".join(f"{label} {n}" for label, n in data["summary"])}
