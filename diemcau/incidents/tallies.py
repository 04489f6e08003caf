"""Keeping SlaTally exact: each clock adds its contribution to one monthly row."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from diemcau.incidents.choices import ClockState
from diemcau.incidents.models import Clock, SlaTally

FIELDS = ("started", "met", "missed", "answered", "answered_seconds", "self_cleared")
MISSED = (ClockState.MISSED, ClockState.OVERDUE)


def month_of(moment):
    return timezone.localtime(moment).date().replace(day=1)


def contribution(clock, site_org_id):
    """(key, vector) of one clock, or None for an unsaved one or one that counts nowhere (a duplicate's)."""
    if clock is None or clock.pk is None or clock.started_at is None or not clock.counted:
        return None
    key = (clock.holder_id, site_org_id, month_of(clock.started_at), clock.target)
    answered = clock.met_at is not None
    return key, (1, int(clock.state == ClockState.MET), int(clock.state in MISSED), int(answered),
                 clock.elapsed_seconds if answered else 0, int(clock.state == ClockState.SELF_CLEARED))


def apply(deltas: dict) -> None:
    """Add the non-zero differences to their rows (creating rows as needed)."""
    for (holder_id, site_org_id, month, target), vector in deltas.items():
        if not any(vector):
            continue
        row, _created = SlaTally.objects.get_or_create(holder_id=holder_id, site_org_id=site_org_id, month=month,
                                                       target=target)
        SlaTally.objects.filter(pk=row.pk).update(**{name: F(name) + value for name, value in
                                                     zip(FIELDS, vector, strict=True) if value})


def difference(before: list, after: list) -> dict:
    deltas = defaultdict(lambda: [0] * len(FIELDS))
    for sign, items in ((-1, before), (1, after)):
        for item in items:
            if item is None:
                continue
            key, vector = item
            for index, value in enumerate(vector):
                deltas[key][index] += sign * value
    return deltas


def _as_date(value):
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


def sla_tally_rebuild() -> int:
    """Recount every tally from the clocks (after bulk loads); returns the number of rows."""
    SlaTally.objects.all().delete()
    rows = Clock.objects.filter(counted=True).annotate(month=TruncMonth("started_at")).values(
        "holder_id", "incident__site__organization_id", "month", "target").annotate(
        n=Count("pk"), met=Count("pk", filter=Q(state=ClockState.MET)),
        missed=Count("pk", filter=Q(state__in=MISSED)), answered=Count("pk", filter=Q(met_at__isnull=False)),
        seconds=Sum("elapsed_seconds", filter=Q(met_at__isnull=False)),
        self_cleared=Count("pk", filter=Q(state=ClockState.SELF_CLEARED)),
    ).order_by()
    tallies = [SlaTally(holder_id=r["holder_id"], site_org_id=r["incident__site__organization_id"],
                        month=_as_date(r["month"]),
                        target=r["target"], started=r["n"], met=r["met"], missed=r["missed"],
                        answered=r["answered"], answered_seconds=r["seconds"] or 0,
                        self_cleared=r["self_cleared"]) for r in rows]
    SlaTally.objects.bulk_create(tallies, batch_size=2000)
    return len(tallies)


# Top lists -----------------------------------------------------------------------

def incident_count(incident, *, kind: str, term_id=None, delta: int = 1) -> None:
    """Add ``delta`` to one monthly count of the incident's site."""
    from diemcau.incidents.models import IncidentTally

    month = month_of(incident.reported_at)
    row, _created = IncidentTally.objects.get_or_create(
        month=month, site_id=incident.site_id, kind=kind, term_id=term_id,
        defaults={"site_org_id": incident.site.organization_id})
    IncidentTally.objects.filter(pk=row.pk).update(n=F("n") + delta)


def incident_tally_rebuild() -> int:
    """Recount the monthly top-list counts from the incidents (after bulk loads)."""
    from diemcau.incidents.models import Incident, IncidentTally

    IncidentTally.objects.all().delete()
    month = TruncMonth("reported_at")
    through = Incident.symptoms.through
    # A report closed as a duplicate of another is not an incident of its own.
    counted = Incident.objects.filter(duplicate_of__isnull=True)
    sources = [
        ("site", counted.annotate(m=month).values("m", "site_id", "site__organization_id")
         .annotate(n=Count("pk")), None),
        ("cause", counted.filter(cause_found__isnull=False).annotate(m=month)
         .values("m", "site_id", "site__organization_id", "cause_found_id").annotate(n=Count("pk")), "cause_found_id"),
        ("symptom", through.objects.filter(incident__duplicate_of__isnull=True)
         .annotate(m=TruncMonth("incident__reported_at"))
         .values("m", "incident__site_id", "incident__site__organization_id", "term_id").annotate(n=Count("pk")),
         "term_id"),
    ]
    rows = []
    for kind, qs, term_key in sources:
        for r in qs.order_by():
            rows.append(IncidentTally(
                month=_as_date(r["m"]), site_id=r.get("site_id") or r.get("incident__site_id"),
                site_org_id=r.get("site__organization_id") or r.get("incident__site__organization_id"),
                kind=kind, term_id=r[term_key] if term_key else None, n=r["n"]))
    IncidentTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
