"""Monitoring at the national figure: 10,000 sites reporting every 30 seconds.

On a throwaway database, with ``--sites`` sites (default 10,000):

1. one minute of probe results from every site (2 rounds each) is rolled up
   and judged by the alert rules, as the per-minute job does;
2. with 24 hours of hourly roll-ups for every site, the province quality board
   (all sites, worst first) and ``/monitoring/metrics`` are timed.

    DEBUG=1 .venv/bin/python bench/monitoring_scale.py [--postgres] [--sites 10000]
"""

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from monitoring_ingest import configure  # noqa: E402


def minute_of_rounds(site_ids, base) -> list[tuple]:
    """Sample rows of one minute: two probe rounds of every site, one site in fifty losing 12 %."""
    rows = []
    for n, site_id in enumerate(site_ids):
        for k in range(2):
            loss = 12.0 if n % 50 == 0 else (n + k) % 7 * 0.3
            rows.append((uuid.uuid4(), site_id, "probe", base + dt.timedelta(seconds=30 * k), base, 25.0 + n % 40,
                         3.0 + n % 9, loss, 4.2, True, {"loss_pct": loss}))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.batches = 0
    db = configure(args)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from diemcau.accounts.choices import Role
    from diemcau.inventory.models import Site, Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.monitoring import ingest, tasks
    from diemcau.monitoring.choices import Period
    from diemcau.monitoring.models import Alert, Rollup
    from diemcau.testing import make_org, make_user

    load_taxonomies(Term)
    org = make_org("BENCH", "Bench unit", "commune")
    Site.objects.bulk_create([Site(organization=org, code=f"B-{i:05d}", name=f"Điểm cầu {i}")
                              for i in range(args.sites)], batch_size=2000)
    site_ids = list(Site.objects.values_list("pk", flat=True))
    staff = make_user("bench", Role.DOST_STAFF, make_org("SKHCN", "Sở KH&CN", "dost"))
    now = timezone.now().replace(second=0, microsecond=0)
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]}; {len(site_ids)} sites")

    minute_times = []
    for run in range(args.runs):
        base = now - dt.timedelta(minutes=10 * (args.runs - run))
        rows = minute_of_rounds(site_ids, base)
        ingest.insert_ignoring_duplicates(rows)
        started = time.perf_counter()
        with override_settings():
            judged = tasks.process_new_samples(now=base + dt.timedelta(minutes=1), settle=dt.timedelta(0))
        minute_times.append(time.perf_counter() - started)
        assert judged == len(rows), judged
    print(f"  per-minute job (roll-up + alert rules) for {2 * len(site_ids)} rounds: median "
          f"{statistics.median(minute_times):.2f} s (runs {', '.join(f'{t:.2f}' for t in minute_times)}); "
          f"alerts raised {Alert.objects.filter(state='raised').count()}")

    start = now.replace(minute=0) - dt.timedelta(hours=24)
    Rollup.objects.bulk_create([Rollup(site_id=s, period=Period.HOUR, bucket=start + dt.timedelta(hours=h), rounds=120,
                                       loss_avg=(s + h) % 11 * 0.3, jitter_avg=5.0, rtt_avg=30.0, mos_avg=4.2)
                                for s in site_ids for h in range(25)], batch_size=5000, ignore_conflicts=True)
    client = Client()
    client.force_login(staff)
    for url, label in (("/monitoring/", "quality board (all sites, worst first)"),
                       ("/monitoring/metrics", "/metrics")):
        times, queries = [], 0
        with override_settings(MONITORING_METRICS_TOKEN="t"):
            for _ in range(args.runs):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url, HTTP_AUTHORIZATION="Bearer t")
                times.append(time.perf_counter() - started)
                queries = len(captured.captured_queries)
                assert response.status_code == 200
        print(f"  {label}: median {statistics.median(times):.2f} s, {queries} queries")


if __name__ == "__main__":
    main()
