"""Incident list and SLA report: time and query count at demo size and at one million incidents.

Runs against a throwaway database, never the development one:

    DEBUG=1 .venv/bin/python bench/incidents_scale.py                 # temporary SQLite file
    DEBUG=1 .venv/bin/python bench/incidents_scale.py --postgres      # database diemcau_bench_incidents
    DEBUG=1 .venv/bin/python bench/incidents_scale.py --total 200000  # a smaller "large" size

It loads the demo province (a year of incidents generated the way the
application would), measures, then adds synthetic incidents with their
holdings and SLA clocks by bulk_create up to ``--total`` and measures again.
The synthetic rows skip the timeline events: neither page reads them.
Figures: median of 5 runs (after one warm-up), queries per page.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(args):
    from throwaway import configure as throwaway

    return throwaway("incidents", postgres=args.postgres, sqlite_synchronous="OFF")


def measure(client, url, params=None, runs=5):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, params or {})
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx)
    return statistics.median(times) * 1000, queries


def pages(users):
    from django.utils import timezone
    from throwaway import signed_in

    this_month = timezone.localdate().replace(day=1)
    period = {"start": (this_month - dt.timedelta(days=330)).strftime("%Y-%m"), "end": this_month.strftime("%Y-%m")}
    rows = []
    for label, user in users:
        client = signed_in(user)
        rows.append((f"incident list ({label})", *measure(client, "/incidents/")))
        rows.append((f"open incidents past target ({label})",
                     *measure(client, "/incidents/", {"state": "open", "breached": "on"})))
        rows.append((f"SLA report, 12 months ({label})", *measure(client, "/incidents/sla/", period, runs=3)))
    return rows


def grow(total, rng):
    """Add synthetic incidents with holdings and clocks until there are ``total`` (raw executemany: fast)."""
    from django.db import connection, transaction

    from diemcau.incidents.models import Clock, Holding, Incident
    from diemcau.inventory.models import Link, Site, Term

    sites = list(Site.objects.active().values_list("pk", "organization_id"))
    primary = dict(Link.objects.active().filter(role="primary", provider__isnull=False)
                   .values_list("site_id", "provider_id"))
    symptoms = list(Term.objects.filter(taxonomy="symptom").values_list("pk", "code"))
    families = {"audio_loss": "audio", "audio_noise": "audio", "video_lag": "video", "video_broken": "video",
                "video_loss": "video", "unstable_signal": "connection", "disconnect": "connection",
                "cannot_connect": "connection"}
    now = dt.datetime.now(dt.UTC)
    table = lambda model: connection.ops.quote_name(model._meta.db_table)  # noqa: E731
    through = Incident.symptoms.through
    incident_sql = (
        f"INSERT INTO {table(Incident)} (id, site_id, reported_at, channel, caller, family, description, photo, "
        "important_meeting, meeting_ref, severity, holder_id, status, is_open, resolution, resolved_at, breached, "
        "is_repeat, waiting_on, updated_at) VALUES (%s, %s, %s, 'web', '', %s, 'synthetic', '', false, '', %s, %s, %s, "
        "%s, '', %s, %s, false, '', %s)")
    through_sql = f"INSERT INTO {table(through)} (incident_id, term_id) VALUES (%s, %s)"
    holding_sql = (f"INSERT INTO {table(Holding)} (id, incident_id, holder_id, period, started_at, reason) "
                   "VALUES (%s, %s, %s, 1, %s, '')")
    clock_sql = (
        f"INSERT INTO {table(Clock)} (holding_id, incident_id, holder_id, target, target_seconds, around_the_clock, "
        "hours, started_at, state, due_at, met_at, elapsed_seconds, carried_seconds, counting_since, counted, "
        "escalation_level) VALUES (%s, %s, %s, %s, %s, false, '', %s, %s, %s, %s, %s, 0, %s, true, 0)")
    have = Incident.objects.count()
    next_id = (Incident.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_holding = (Holding.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch = 20_000
    started = time.perf_counter()
    while have < total:
        n = min(batch, total - have)
        incidents, links, holdings, clocks = [], [], [], []
        for _ in range(n):
            site_id, org_id = rng.choice(sites)
            reported = now - dt.timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
            holder = (primary.get(site_id) if rng.random() < 0.35 else None) or org_id
            symptom = rng.choice(symptoms)
            is_open = rng.random() < 0.005
            resolved = None if is_open else reported + dt.timedelta(minutes=rng.randint(20, 3000))
            status = "new" if is_open else rng.choice(["closed", "closed", "resolved"])
            incidents.append((next_id, site_id, reported, families.get(symptom[1], "other"),
                              rng.choice(["critical", "high", "normal", "normal", "normal", "low"]), holder, status,
                              is_open, resolved, rng.random() < 0.15, resolved or reported))
            links.append((next_id, symptom[0]))
            holdings.append((next_holding, next_id, holder, reported))
            for target, limit in (("acknowledge", 3600), ("respond", 4 * 3600), ("resolve", 16 * 3600)):
                elapsed = rng.randint(60, int(limit * 1.6))
                met = resolved is not None
                clocks.append((next_holding, next_id, holder, target, limit, reported,
                               ("met" if elapsed <= limit else "missed") if met else "running",
                               reported + dt.timedelta(seconds=limit),
                               reported + dt.timedelta(seconds=elapsed) if met else None, elapsed,
                               None if met else reported))
            next_id += 1
            next_holding += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(incident_sql, incidents)
            cursor.executemany(through_sql, links)
            cursor.executemany(holding_sql, holdings)
            cursor.executemany(clock_sql, clocks)
        have += n
        print(f"  … {have:,} incidents ({time.perf_counter() - started:.0f} s)", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Incident, Holding, Clock):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table(model)}))")
    from diemcau.incidents.tallies import incident_tally_rebuild, sla_tally_rebuild

    started = time.perf_counter()
    rows = sla_tally_rebuild() + incident_tally_rebuild()
    print(f"  report tallies rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def load_demo_part():
    """The inventory and incidents parts of the demo (other apps' demos are not needed here)."""
    from django.db import transaction
    from django.utils import timezone

    from diemcau.core.demo import DemoContext
    from diemcau.incidents import demo as incidents_demo
    from diemcau.inventory import demo as inventory_demo

    ctx = DemoContext(rng=random.Random(2026), now=timezone.now(), log=lambda line: None)
    with transaction.atomic():
        inventory_demo.load(ctx)
        incidents_demo.load(ctx)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--measure-only", metavar="DATABASE_URL",
                        help="only measure the pages on a database this script filled before")
    args = parser.parse_args()
    if args.measure_only:
        os.environ["DATABASE_URL"] = args.measure_only
        args.postgres = False
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from diemcau.accounts.models import User
        from diemcau.incidents.models import Incident

        users = [("leader", User.objects.get(username="lanhdao")), ("operator", User.objects.get(username="vnpt")),
                 ("unit", User.objects.get(username="kythuat"))]
        print(f"{Incident.objects.count():,} incidents")
        for label, ms, queries in pages(users):
            print(f"{label:<46}{ms:>10.1f} ({queries:>2})")
        return
    db = configure(args)
    from django.core.management import call_command

    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_demo_part()
    print(f"demo (inventory + incidents) loaded in {time.perf_counter() - started:.1f} s")

    from diemcau.accounts.models import User
    from diemcau.incidents.models import Clock, Incident

    users = [("leader", User.objects.get(username="lanhdao")), ("operator", User.objects.get(username="vnpt")),
             ("unit", User.objects.get(username="kythuat"))]
    results = {}
    size = Incident.objects.count()
    results[size] = pages(users)
    grow(args.total, random.Random(2026))
    size_large = Incident.objects.count()
    print(f"{size_large:,} incidents, {Clock.objects.count():,} clocks")
    results[size_large] = pages(users)

    small, large = results[size], results[size_large]
    print(f"\n{'page':<46}{size:>8,} inc. ms (q){size_large:>14,} inc. ms (q){'ratio':>8}")
    for (label, ms_small, q_small), (_l, ms_large, q_large) in zip(small, large, strict=True):
        print(f"{label:<46}{ms_small:>10.1f} ({q_small:>2}){ms_large:>18.1f} ({q_large:>2}){ms_large / ms_small:>8.1f}")


if __name__ == "__main__":
    main()
