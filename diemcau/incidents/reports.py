"""SLA figures for the reports: MTTA / MTTR and compliance, from the monthly tallies.

A clock counts in the month it started (Hanoi time). Compliance = clocks met
in time ÷ clocks decided (met in time, missed, or still running past the
target); clocks handed over in time, clocks still running within target and
clocks of problems that cleared by themselves ("tự hết": monitoring saw the
link recover before anyone acted) are left out, and the self-cleared ones
are counted apart. MTTA and MTTR are the mean clock time (working hours for
working-hour targets, pauses excluded) of the acknowledge and resolve clocks
that a person met, late or not. "Incidents held" counts the times an
organisation received an incident. Reports closed as duplicates count
nowhere.

The tallies (``SlaTally``) hold these sums per holder, site organisation and
month, so the report reads a few thousand rows whatever the number of
incidents; the top lists read the incidents through their date index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from diemcau.core.scope import scope
from diemcau.incidents.choices import Target
from diemcau.incidents.models import Incident, IncidentTally, SlaTally
from diemcau.inventory.models import Organization, Site, Term
from diemcau.lib.collation import vi_key


@dataclass
class Row:
    """Figures of one organisation (or one month)."""

    key: object
    label: str = ""
    is_operator: bool = False
    incidents: int = 0
    figures: dict = field(default_factory=dict)  # target → {"met", "missed", "answered", "seconds", "self_cleared"}

    def compliance(self, target):
        """Percent met of the decided clocks; None (shown "—") only when nothing was decided (0 is 0 %)."""
        f = self.figures.get(target)
        if not f or not (f["met"] + f["missed"]):
            return None
        return round(100 * f["met"] / (f["met"] + f["missed"]), 1)

    @property
    def self_cleared(self) -> int:
        """Incidents whose problem cleared by itself before the holder resolved it (counted neither met nor missed)."""
        f = self.figures.get(Target.RESOLVE)
        return f["self_cleared"] if f else 0

    @property
    def missed(self) -> int:
        """Targets missed (acknowledge, respond and resolve together)."""
        return sum(f["missed"] for f in self.figures.values())

    def mean_minutes(self, target):
        f = self.figures.get(target)
        return round(f["seconds"] / f["answered"] / 60) if f and f["answered"] else None

    @property
    def mtta(self):
        return self.mean_minutes(Target.ACKNOWLEDGE)

    @property
    def mttr(self):
        return self.mean_minutes(Target.RESOLVE)

    @property
    def ack_pct(self):
        return self.compliance(Target.ACKNOWLEDGE)

    @property
    def respond_pct(self):
        return self.compliance(Target.RESPOND)

    @property
    def resolve_pct(self):
        return self.compliance(Target.RESOLVE)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    by_org: list
    by_month: list
    operators: list
    operator_months: dict
    top_symptoms: list
    top_causes: list
    top_sites: list
    total: int


SUMS = {"met": Sum("met"), "missed": Sum("missed"), "answered": Sum("answered"),
        "seconds": Sum("answered_seconds"), "started": Sum("started"), "self_cleared": Sum("self_cleared")}


def _rows(tallies, key):
    rows: dict = {}
    for r in tallies.values(key, "target").annotate(**SUMS).order_by():
        row = rows.setdefault(r[key], Row(key=r[key]))
        row.figures[r["target"]] = {name: r[name] or 0
                                    for name in ("met", "missed", "answered", "seconds", "self_cleared")}
        if r["target"] == Target.RESOLVE:
            row.incidents = r["started"] or 0
    return rows


def tallies_for_user(user):
    return scope(SlaTally.objects.all(), user)


def sla_report(*, user, incidents, start: dt.date, end: dt.date, tz) -> Report:
    """All figures of the report page for months ``start``…``end`` (first days), in a fixed number of queries."""
    tallies = tallies_for_user(user).filter(month__gte=start, month__lte=end)
    by_org = _rows(tallies, "holder_id")
    orgs = Organization.objects.select_related("kind").in_bulk(list(by_org))
    for key, row in by_org.items():
        org = orgs.get(key)
        if org:
            row.label, row.is_operator = org.name, org.is_operator
    by_org_rows = sorted(by_org.values(), key=lambda r: (-r.incidents, vi_key(r.label)))
    month_rows = sorted(_rows(tallies, "month").values(), key=lambda r: r.key)
    for row in month_rows:
        row.label = row.key.strftime("%m/%Y")

    operators = [r for r in by_org_rows if r.is_operator]
    operator_months: dict = {}
    if operators:
        records = tallies.filter(holder_id__in=[r.key for r in operators], target=Target.RESOLVE).values(
            "holder_id", "month").annotate(met=Sum("met"), missed=Sum("missed")).order_by("month")
        for r in records:
            decided = (r["met"] or 0) + (r["missed"] or 0)
            operator_months.setdefault(r["month"].strftime("%m/%Y"), {})[r["holder_id"]] = (
                round(100 * r["met"] / decided, 1) if decided else None)

    if user.is_operator:
        symptom_counts, cause_counts, site_counts, total = _tops_live(incidents, start, end, tz)
    else:
        symptom_counts, cause_counts, site_counts, total = _tops_from_tallies(user, start, end)
    terms = Term.objects.in_bulk([r["term_id"] for r in symptom_counts] + [r["cause_found_id"] for r in cause_counts])
    sites = Site.objects.select_related("organization").in_bulk([r["site_id"] for r in site_counts])
    return Report(
        start=start, end=end, by_org=by_org_rows, by_month=month_rows, operators=operators,
        operator_months=operator_months,
        top_symptoms=[(terms[r["term_id"]], r["n"]) for r in symptom_counts],
        top_causes=[(terms[r["cause_found_id"]], r["n"]) for r in cause_counts],
        top_sites=[(sites[r["site_id"]], r["n"]) for r in site_counts],
        total=total,
    )


def _tops_from_tallies(user, start, end):
    counts = scope(IncidentTally.objects.filter(month__gte=start, month__lte=end), user)
    symptoms = list(counts.filter(kind="symptom").values("term_id").annotate(n=Sum("n")).order_by("-n")[:10])
    causes = list(counts.filter(kind="cause").values("term_id").annotate(n=Sum("n")).order_by("-n")[:10])
    sites = list(counts.filter(kind="site").values("site_id").annotate(n=Sum("n")).order_by("-n", "site_id")[:10])
    total = counts.filter(kind="site").aggregate(n=Sum("n"))["n"] or 0
    return symptoms, [{"cause_found_id": r["term_id"], "n": r["n"]} for r in causes], sites, total


def _tops_live(incidents, start, end, tz):
    """An operator's top lists come from its own incidents (a subset the tallies do not split out)."""
    period_end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    in_period = incidents.filter(reported_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                                 reported_at__lt=dt.datetime.combine(period_end, dt.time.min, tzinfo=tz))
    through = Incident.symptoms.through
    symptoms = list(through.objects.filter(incident__in=in_period).values("term_id").annotate(
        n=Count("pk")).order_by("-n")[:10])
    causes = list(in_period.filter(cause_found__isnull=False).values("cause_found_id").annotate(
        n=Count("pk")).order_by("-n")[:10])
    sites = list(in_period.values("site_id").annotate(n=Count("pk")).order_by("-n", "site_id")[:10])
    return symptoms, causes, sites, in_period.count()
