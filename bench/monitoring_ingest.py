"""Agent ingest: samples per second through the real endpoint vs a raw bulk insert, same rows, same database.

Runs against a throwaway database, never the development one:

    DEBUG=1 .venv/bin/python bench/monitoring_ingest.py              # temporary SQLite file (WAL)
    DEBUG=1 .venv/bin/python bench/monitoring_ingest.py --postgres   # database diemcau_bench_monitoring

The endpoint path is the whole Django stack (middleware, URL routing,
django-ninja, token authentication, per-item validation, bulk insert
ignoring duplicates, last-seen update) driven by Django's test client with
batches of 500 agent results as the agent builds them. The raw path inserts
the same rows (fresh ids) with one ``executemany`` per batch. Figures: median
of ``--runs`` runs of ``--batches`` batches each, the three paths taking turns to go first.
"""

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(args):
    from throwaway import configure as throwaway

    return throwaway("monitoring", postgres=args.postgres, sqlite_synchronous="NORMAL")


def agent_result(i, now):
    loss = (i % 7) * 0.4
    return {"id": str(uuid.uuid4()), "kind": "probe",
            "measured_at": (now - dt.timedelta(seconds=30 * i)).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "fields": {"sent": 50, "received": 50 - int(loss / 2), "duplicates": 0, "loss_pct": loss,
                       "rtt_min_ms": 18.1, "rtt_median_ms": 21.4 + i % 5, "rtt_p95_ms": 30.2, "rtt_max_ms": 41.0,
                       "jitter_ms": 2.1 + i % 3, "jitter_back_ms": 1.2, "jitter_rfc3550_ms": 1.9, "reordered": 0,
                       "reordered_pct": 0.0, "reordered_fwd": 0, "loss_fwd_pct": loss, "loss_back_pct": 0.0,
                       "reflector": "reflector.example.gov.vn:862", "interval_ms": 20.0, "size": 44,
                       "late_pct": 0.0, "voice": {"codec": "g711", "ta_ms": 40.1, "ppl_pct": loss, "r": 90.1,
                                                  "mos": 4.33, "scale": "G.107"}}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    db = configure(args)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from diemcau.inventory.models import Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.monitoring import ingest, services
    from diemcau.monitoring.models import AgentToken, Sample
    from diemcau.testing import make_org, make_site

    load_taxonomies(Term)
    site = make_site(make_org("BENCH", "Bench unit", "commune"), "B-1")
    _token, raw = services.agent_token_issue(site=site, user=None)
    client = Client()
    table = Sample._meta.db_table
    columns = ["result_id", "site_id", "kind", "measured_at", "received_at", "rtt_ms", "jitter_ms", "loss_pct",
               "mos", "ok", "data"]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    endpoint_rates, service_rates, raw_rates = [], [], []
    token = AgentToken.authenticate(raw)
    for run in range(args.runs + 1):
        now = timezone.now()
        batches = [[agent_result(i + b * args.size, now) for i in range(args.size)] for b in range(args.batches)]
        bodies = [json.dumps({"agent_version": "0.1.0", "hostname": "PC", "sent_at": "", "results": b})
                  for b in batches]
        # The service alone (decoded JSON in, rows out), to tell HTTP cost from ingest cost.
        payloads = [{"results": [agent_result(i + b * args.size, now) for i in range(args.size)]}
                    for b in range(args.batches)]
        # The same rows, fresh ids, ready for the database.
        rows = []
        for batch in batches:
            chunk = []
            for item in batch:
                row = list(ingest.validate(item, uuid.uuid4(), now, site.pk))
                row[0] = row[0].hex if db["ENGINE"].endswith("sqlite3") else row[0]
                row[3] = connection.ops.adapt_datetimefield_value(row[3])
                row[4] = connection.ops.adapt_datetimefield_value(row[4])
                row[10] = connection.ops.adapt_json_value(row[10], None)
                chunk.append(row)
            rows.append(chunk)

        def endpoint_path(bodies=bodies):
            for body in bodies:
                response = client.post("/api/v1/agent/results", data=body, content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {raw}")
                assert response.status_code == 200 and not response.json()["rejected"], response.content[:300]

        def service_path(payloads=payloads, now=now):
            for payload in payloads:
                ingest.store_batch(token, payload, now=now)

        def raw_path(rows=rows):
            for chunk in rows:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(sql, chunk)

        paths = [("endpoint", endpoint_path), ("service", service_path), ("raw", raw_path)]
        # Each path goes first in turn: the table grows as the runs go on.
        paths = paths[run % 3:] + paths[:run % 3]
        rates = {}
        for name, path in paths:
            started = time.perf_counter()
            path()
            rates[name] = args.batches * args.size / (time.perf_counter() - started)
        if run:  # the first run warms up
            endpoint_rates.append(rates["endpoint"])
            service_rates.append(rates["service"])
            raw_rates.append(rates["raw"])
    endpoint, raw_rate = statistics.median(endpoint_rates), statistics.median(raw_rates)
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]}; {args.batches} batches of {args.size} results per run, "
          f"median of {args.runs} runs; rows stored {Sample.objects.count()}")
    print(f"  endpoint   {endpoint:10.0f} samples/s")
    service = statistics.median(service_rates)
    print(f"  service    {service:10.0f} samples/s (ingest.store_batch without HTTP/JSON decoding)")
    print(f"  raw insert {raw_rate:10.0f} samples/s")
    print(f"  ratio      {endpoint / raw_rate:10.2f}")


if __name__ == "__main__":
    main()
