"""Keeping SlaTally exact: each clock adds its contribution to one monthly row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q, Sum
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
    """Add the non-zero differences to their rows, creating rows as needed.

    One atomic upsert (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``)
    with the rows in key order: two transactions that touch the same rows (a
    worker's SLA scan, another's alert flip, a person's click) lock them in
    the same order, so they wait for each other instead of deadlocking.
    """
    rows = sorted((key, vector) for key, vector in deltas.items() if any(vector))
    if rows:
        _upsert(SlaTally, ["holder_id", "site_org_id", "month", "target"], list(FIELDS),
                [(*key, *vector) for key, vector in rows])


def _upsert(model, keys: list[str], counters: list[str], rows: list[tuple], where: str = "",
            also: tuple[str, ...] = ()) -> None:
    """Insert rows (``keys``, ``also``, ``counters``), or add their counters to the rows already there.

    ``where`` names the partial unique index the keys belong to.
    """
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = [*keys, *also, *counters]
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    additions = ", ".join(f"{ops.quote_name(c)} = {table}.{ops.quote_name(c)} + excluded.{ops.quote_name(c)}"
                          for c in counters)
    sql = (f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) VALUES {values} "
           f"ON CONFLICT ({', '.join(ops.quote_name(k) for k in keys)}){where} DO UPDATE SET {additions}")
    params = [ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for row in rows for v in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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
    """Add ``delta`` to one monthly count of the incident's site (one atomic upsert)."""
    from diemcau.incidents.models import IncidentTally

    month = month_of(incident.reported_at)
    site_org_id = incident.site.organization_id
    if term_id is None:
        _upsert(IncidentTally, ["month", "site_id", "kind"], ["n"], [(month, incident.site_id, kind, site_org_id, delta)],
                where=" WHERE term_id IS NULL", also=("site_org_id",))
    else:
        _upsert(IncidentTally, ["month", "site_id", "kind", "term_id"], ["n"],
                [(month, incident.site_id, kind, term_id, site_org_id, delta)], where=" WHERE term_id IS NOT NULL",
                also=("site_org_id",))


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
