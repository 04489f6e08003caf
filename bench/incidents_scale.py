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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(args):
    if args.postgres:
        name = "diemcau_bench_incidents"
        base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        path = Path(tempfile.mkdtemp(prefix="diemcau-bench-")) / "incidents.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "diemcau.settings"
    import django

    django.setup()
    from django.conf import settings

    # dj-database-url gives SQLite no WAL pragmas: set what the default configuration sets.
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    assert "var/diemcau.sqlite3" not in str(db.get("NAME")), "refusing to touch the development database"
    return db


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
    from django.test import Client
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    period = {"start": (this_month - dt.timedelta(days=330)).strftime("%Y-%m"), "end": this_month.strftime("%Y-%m")}
    rows = []
    for label, user in users:
        client = Client()
        client.force_login(user)
        rows.append((f"incident list ({label})", *measure(client, "/incidents/")))
        rows.append((f"open incidents past target ({label})",
                     *measure(client, "/incidents/", {"state": "open", "breached": "on"})))
        rows.append((f"SLA report, 12 months ({label})", *measure(client, "/incidents/sla/", period, runs=3)))
    return rows


def grow(total, rng):
    """Add synthetic incidents with holdings and clocks until there are ``total``."""
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
    through = Incident.symptoms.through
    have = Incident.objects.count()
    batch = 20_000
    started = time.perf_counter()
    while have < total:
        n = min(batch, total - have)
        incidents, picks = [], []
        for _ in range(n):
            site_id, org_id = rng.choice(sites)
            reported = now - dt.timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
            operator = primary.get(site_id) if rng.random() < 0.35 else None
            symptom = rng.choice(symptoms)
            is_open = rng.random() < 0.005
            resolved = None if is_open else reported + dt.timedelta(minutes=rng.randint(20, 3000))
            incidents.append(Incident(
                site_id=site_id, reported_at=reported, family=families.get(symptom[1], "other"),
                severity=rng.choice(["critical", "high", "normal", "normal", "normal", "low"]),
                holder_id=operator or org_id, status="new" if is_open else rng.choice(["closed", "closed", "resolved"]),
                resolved_at=resolved, breached=rng.random() < 0.15, updated_at=resolved or reported,
                description="synthetic"))
            picks.append((symptom[0], operator, org_id, reported, resolved))
        with transaction.atomic():
            Incident.objects.bulk_create(incidents, batch_size=5000)
            through.objects.bulk_create([through(incident_id=i.pk, term_id=p[0]) for i, p in zip(incidents, picks, strict=True)],
                                        batch_size=5000)
            holdings = [Holding(incident_id=i.pk, holder_id=p[1] or p[2], period=1, started_at=p[3])
                        for i, p in zip(incidents, picks, strict=True)]
            Holding.objects.bulk_create(holdings, batch_size=5000)
            clocks = []
            for holding, (_s, _o, _org, reported, resolved) in zip(holdings, picks, strict=True):
                for target, limit in (("acknowledge", 3600), ("respond", 4 * 3600), ("resolve", 16 * 3600)):
                    elapsed = rng.randint(60, int(limit * 1.6))
                    met = resolved is not None
                    clocks.append(Clock(
                        holding_id=holding.pk, incident_id=holding.incident_id, holder_id=holding.holder_id,
                        target=target, target_seconds=limit, started_at=reported,
                        state=("met" if elapsed <= limit else "missed") if met else "running",
                        due_at=reported + dt.timedelta(seconds=limit), elapsed_seconds=elapsed,
                        met_at=reported + dt.timedelta(seconds=elapsed) if met else None))
            Clock.objects.bulk_create(clocks, batch_size=5000)
        have += n
        print(f"  … {have:,} incidents ({time.perf_counter() - started:.0f} s)", flush=True)
    from diemcau.incidents.tallies import sla_tally_rebuild

    started = time.perf_counter()
    rows = sla_tally_rebuild()
    print(f"  SLA tallies rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--total", type=int, default=1_000_000)
    args = parser.parse_args()
    db = configure(args)
    from django.core.management import call_command

    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", stdout=open(os.devnull, "w"))
    print(f"demo loaded in {time.perf_counter() - started:.1f} s")

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
