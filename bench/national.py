"""The national figure on PostgreSQL's own machinery: partitioned samples, a streaming replica,
two web and two worker processes.

Needs root (a loopback replica), PostgreSQL on 127.0.0.1:5432 and Redis:

    deploy/replica-test-cluster.sh up
    DEBUG=1 .venv/bin/python bench/national.py [--sites 10000] [--devices-per-site 10]
        [--incidents 1000000] [--sample-hours 24]
    deploy/replica-test-cluster.sh down

On a throwaway database (``BENCH_DB``, default ``scale_national``, dropped and
created again) it builds the sites, devices, incidents (with their holdings and
SLA clocks, bench/incidents_scale.py's generator), ``--sample-hours`` of probe
results at 30 s for every site in one past local day's partition, and 25 hourly
roll-ups per site; waits for the replica to replay it all; then starts two
gunicorn processes (``diemcau serve``, one worker each, BENCH_PORT and the next
port) and two workers (``diemcau worker``) on one Redis (BENCH_REDIS, default
db 3), with ``DATABASE_REPLICA_URL`` set, and measures:

1. ingest through the real endpoint (``POST /api/v1/agent/results`` over HTTP,
   both web processes in turn, four client threads, ``--batch`` results a
   request) against a raw ``COPY`` of as many rows into the same partitioned table;
2. the per-minute roll-up and alert job (``process_new_samples``) for one minute
   of every site (2 rounds each), in this process, and the workers' own runs of
   it during the ingest (their log's "executed in");
3. the site list, overview, quality board and SLA report: median and p95 of
   ``--runs`` requests and the query count, on the primary and on the replica
   (in this process with Django's test client; the replica is used exactly as
   the pages use it, through ``core.replica``);
4. the time to drop the day's partition;

and prints disk (database, tables, the replica's directory) and memory (RSS of
every process, PostgreSQL's shared buffers) with the machine's load (``uptime``).
"""

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PG = "postgres://postgres@127.0.0.1"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def say(text: str) -> None:
    print(text, flush=True)


def configure(args) -> None:
    database = args.db
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
    os.environ["DATABASE_URL"] = f"{PG}:5432/{database}"
    os.environ["DATABASE_REPLICA_URL"] = f"{PG}:{args.replica_port}/{database}"
    os.environ["REDIS_URL"] = args.redis
    os.environ["HUEY_NAME"] = f"national-{uuid.uuid4().hex[:6]}"
    os.environ["DIEMCAU_DATA_DIR"] = tempfile.mkdtemp(prefix="diemcau-national-")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "diemcau.settings"
    import django

    django.setup()
    import logging

    logging.getLogger("diemcau.audit").setLevel(logging.WARNING)  # no line per sign-in of the bench


def build(args):
    from django.db import connection, transaction

    from diemcau.accounts.choices import Role
    from diemcau.core import partitions
    from diemcau.inventory.models import Device, Organization, Site, Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.monitoring.choices import Period
    from diemcau.monitoring.models import Rollup
    from diemcau.monitoring.rollups import SAMPLES
    from diemcau.testing import make_org, make_user, term

    load_taxonomies(Term)
    started = time.perf_counter()
    commune = term("organization_kind", "commune")
    for p in range(34):
        make_org(f"T{p:02d}", f"Tỉnh {p}", "dost")
    units = Organization.objects.bulk_create([
        Organization(code=f"X-{n:04d}", name=f"UBND xã {n}", kind=commune) for n in range(args.sites // 10)])
    Site.objects.bulk_create([Site(organization=units[i % len(units)], code=f"B-{i:05d}", name=f"Điểm cầu {i}")
                              for i in range(args.sites)], batch_size=5000)
    site_ids = list(Site.objects.order_by("pk").values_list("pk", flat=True))
    staff = make_user("bench", Role.DOST_STAFF, make_org("SKHCN", "Sở KH&CN", "dost"))
    groups = list(Term.objects.filter(taxonomy="device_group"))
    good = Term.objects.get(taxonomy="device_condition", code="good")
    for start in range(0, len(site_ids), 1000):
        Device.objects.bulk_create([
            Device(site_id=site_id, group=groups[n % len(groups)], condition=good, serial=f"SN-{site_id}-{n}")
            for site_id in site_ids[start:start + 1000] for n in range(args.devices_per_site)], batch_size=5000)
    say(f"  {len(site_ids):,} sites, {Device.objects.count():,} devices in {time.perf_counter() - started:.0f} s")

    # Samples: --sample-hours of 30-second rounds for every site, on a past local day (its own partition)
    # the workers' retention (MONITORING_RAW_DAYS, 7) keeps: the bench drops it itself at the end.
    day = (dt.datetime.now(partitions.local_zone()) - dt.timedelta(days=args.days_ago)).date()
    day_start = partitions.day_start(day)
    partitions.ensure(SAMPLES)
    # ensure() creates days ahead of the newest one; a past day is created as it would have been then.
    with transaction.atomic(), connection.cursor() as cursor:
        partitions._create_day(cursor, SAMPLES, day, has_default=True)
    rounds = args.sample_hours * 120
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO monitoring_sample (result_id, site_id, kind, measured_at, received_at, rtt_ms, jitter_ms,
                                              loss_pct, mos, ok, data)
            SELECT gen_random_uuid(), s.id, 'probe', %s + r * interval '30 seconds', %s + r * interval '30 seconds',
                   20 + (s.id + r) %% 40, 2 + (s.id + r) %% 9, ((s.id * 7 + r) %% 13) * 0.2, 4.2, true,
                   '{{"loss_pct": 0.4, "sent": 50, "received": 50}}'::jsonb
            FROM inventory_site s CROSS JOIN generate_series(0, {rounds - 1}) r""",
            [day_start, day_start])
        samples = cursor.rowcount
    elapsed = time.perf_counter() - started
    say(f"  {samples:,} samples ({args.sample_hours} h x {len(site_ids):,} sites at 30 s) on {day} "
        f"in {elapsed:.0f} s (INSERT … SELECT, {samples / elapsed:,.0f} rows/s)")

    started = time.perf_counter()
    from incidents_scale import grow

    grow(args.incidents, random.Random(2026))
    say(f"  incidents built in {time.perf_counter() - started:.0f} s")

    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    Rollup.objects.bulk_create([Rollup(site_id=s, period=Period.HOUR, bucket=now - dt.timedelta(hours=h), rounds=120,
                                       loss_avg=(s + h) % 11 * 0.3, jitter_avg=5.0, rtt_avg=30.0, mos_avg=4.2)
                                for s in site_ids for h in range(1, 26)], batch_size=10000, ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff, site_ids, day, samples


def wait_for_replica(timeout=600) -> float:
    from django.db import connections

    started = time.perf_counter()
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    while True:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise SystemExit("the replica did not catch up")
        time.sleep(0.2)


def start_nodes(args, logs: Path):
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "WEB_WORKERS": "1", "WORKER_THREADS": "2", "HUEY_LOG_LEVEL": "INFO", "LOG_LEVEL": "WARNING",
           "HOST": "127.0.0.1", "DEBUG": "0", "SECRET_KEY": "national-bench", "RUN_ACCESS_LOG": "0",
           "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    processes = []
    for n, port in enumerate((args.port, args.port + 1)):
        processes.append(subprocess.Popen([str(bin_dir / "diemcau"), "serve"], env={**env, "PORT": str(port)},
                                          stdout=(logs / f"web{n}.log").open("w"), stderr=subprocess.STDOUT))
    for n in range(2):
        processes.append(subprocess.Popen([str(bin_dir / "diemcau"), "worker"], env=env,
                                          stdout=(logs / f"worker{n}.log").open("w"), stderr=subprocess.STDOUT))
    for port in (args.port, args.port + 1):
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # answered (503 until a worker has beaten)
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"web on port {port} did not start") from None
                time.sleep(0.5)
    return processes


def ingest(args, site_ids):
    """Results per second through the real endpoint over HTTP vs a raw COPY of as many rows."""
    from django.db import connection
    from monitoring_ingest import agent_result

    from diemcau.inventory.models import Site
    from diemcau.monitoring import services

    tokens = [services.agent_token_issue(site=site, user=None)[1]
              for site in Site.objects.filter(pk__in=site_ids[:args.agents])]
    stop = time.monotonic() + args.ingest_seconds
    counts = [0] * args.clients
    errors = []

    def client(n):
        rng = random.Random(n)
        request = 0
        while time.monotonic() < stop:
            port = args.port + request % 2
            token = tokens[rng.randrange(len(tokens))]
            now = dt.datetime.now(dt.UTC)
            body = json.dumps({"agent_version": "0.1.0", "hostname": "PC", "sent_at": "",
                               "results": [agent_result(i, now) for i in range(args.batch)]}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/agent/results", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as response:
                    answer = json.loads(response.read())
                counts[n] += len(answer["accepted"])
            except Exception as error:  # noqa: BLE001 - counted and shown
                errors.append(repr(error)[:200])
            request += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    endpoint_rate = sum(counts) / elapsed

    # The same number of rows by COPY into the same partitioned table (today's partition).
    rows = max(sum(counts), 50_000)
    now = dt.datetime.now(dt.UTC)
    buffer = io.StringIO()
    payload = json.dumps(agent_result(0, now)["fields"])
    for i in range(rows):
        at = (now - dt.timedelta(seconds=i % 3600)).isoformat()
        buffer.write(f"{uuid.uuid4()}\t{site_ids[i % len(site_ids)]}\tprobe\t{at}\t{now.isoformat()}\t21.4\t2.1\t0.4"
                     f"\t4.3\tt\t{payload}\n")
    data = buffer.getvalue()
    started = time.perf_counter()
    columns = "result_id, site_id, kind, measured_at, received_at, rtt_ms, jitter_ms, loss_pct, mos, ok, data"
    with connection.cursor() as cursor, cursor.copy(f"COPY monitoring_sample ({columns}) FROM STDIN") as copy:
        copy.write(data)
    copy_rate = rows / (time.perf_counter() - started)
    return endpoint_rate, copy_rate, sum(counts), elapsed, errors


def minute_job(site_ids, runs=3):
    from monitoring_scale import minute_of_rounds

    from diemcau.monitoring import ingest as ingest_module
    from diemcau.monitoring import tasks

    times = []
    base0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    for run in range(runs):
        base = base0 + dt.timedelta(minutes=10 * run)
        ingest_module.insert_ignoring_duplicates(minute_of_rounds(site_ids, base))
        started = time.perf_counter()
        judged = tasks.process_new_samples(now=base + dt.timedelta(minutes=1), settle=dt.timedelta(0))
        times.append(time.perf_counter() - started)
    return times, judged


def pages(staff, runs):
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from diemcau.core import replica

    client = Client()
    client.force_login(staff)
    this_month = dt.date.today().replace(day=1)
    sla = {"start": (this_month - dt.timedelta(days=330)).strftime("%Y-%m"), "end": this_month.strftime("%Y-%m")}
    targets = [("site list", reverse("inventory:sites"), {}), ("overview", reverse("inventory:overview"), {}),
               ("quality board", reverse("monitoring:board"), {}), ("SLA report, 12 months", reverse(
                   "incidents:sla_report"), sla)]
    results = []
    for label, url, params in targets:
        for where, headers in (("primary", {"HTTP_X_DIEMCAU_READ": "primary"}), ("replica", {})):
            replica.forget()
            client.get(url, params, **headers)  # warm-up
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connections["default"]) as on_primary, \
                        CaptureQueriesContext(connections["replica"]) as on_replica:
                    started = time.perf_counter()
                    response = client.get(url, params, **headers)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            results.append((label, where, statistics.median(times) * 1000, p95 * 1000, len(on_primary),
                            len(on_replica)))
    return results


def rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            total += int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0])
    return total / 1024


def process_tree(pid) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    children = [int(p) for p in out]
    return [pid] + [q for c in children for q in process_tree(c)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scale_national"))
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8300")))
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--devices-per-site", type=int, default=10)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--sample-hours", type=int, default=24)
    parser.add_argument("--days-ago", type=int, default=6)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--ingest-seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    say(f"start: {uptime()}")
    configure(args)
    from django.core.management import call_command
    from django.db import connection, connections

    from diemcau.core import partitions
    from diemcau.monitoring.rollups import SAMPLES

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"database {args.db} migrated in {time.perf_counter() - started:.0f} s")
    started_build = time.perf_counter()
    staff, site_ids, day, samples = build(args)
    say(f"built in {time.perf_counter() - started_build:.0f} s; replica caught up "
        f"{wait_for_replica():.1f} s later; {uptime()}")

    say("\n== per-minute roll-up and alert job (process_new_samples), one minute of every site, 2 rounds each")
    times, judged = minute_job(site_ids)
    say(f"  {judged:,} rounds judged; runs {', '.join(f'{t:.2f}' for t in times)} s; "
        f"median {statistics.median(times):.2f} s")

    logs = Path(tempfile.mkdtemp(prefix="national-logs-"))
    processes = start_nodes(args, logs)
    try:
        time.sleep(3)
        say(f"\n== ingest: {args.clients} client threads, {args.batch} results a request, both web processes "
            f"({args.ingest_seconds} s); {uptime()}")
        endpoint_rate, copy_rate, stored, elapsed, errors = ingest(args, site_ids)
        say(f"  endpoint {endpoint_rate:,.0f} results/s ({stored:,} in {elapsed:.1f} s, {len(errors)} errors"
            f"{': ' + errors[0] if errors else ''})")
        say(f"  COPY     {copy_rate:,.0f} rows/s; ratio endpoint/COPY {endpoint_rate / copy_rate:.3f}")
        say(f"  national need: {len(site_ids) * 2 / 60:,.0f} results/s (every site every 30 s)")
        time.sleep(65)  # let the workers' per-minute job take the ingested rows
        text = "".join((logs / f"worker{n}.log").read_text() for n in range(2))
        runs = [float(t) for t in re.findall(r"samples_job: \S+ executed in ([0-9.]+)s", text)]
        enqueued = len(re.findall(r"Enqueueing periodic task diemcau.monitoring.tasks.samples_job", text))
        say(f"  workers' samples_job runs: {', '.join(f'{t:.2f}' for t in runs) or 'none yet'} s "
            f"(queued {enqueued} times in {len(runs)} runs; two workers)")
        memory = {"web (2 gunicorn)": rss_mb([p for proc in processes[:2] for p in process_tree(proc.pid)]),
                  "workers (2 huey)": rss_mb([p for proc in processes[2:] for p in process_tree(proc.pid)])}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    say(f"\n== pages ({args.runs} runs after a warm-up; ms; queries on primary / replica); {uptime()}")
    wait_for_replica()
    say(f"  {'page':<24}{'reads':<9}{'median':>9}{'p95':>9}{'q prim':>8}{'q repl':>8}")
    for label, where, median, p95, on_primary, on_replica in pages(staff, args.runs):
        say(f"  {label:<24}{where:<9}{median:>9.0f}{p95:>9.0f}{on_primary:>8}{on_replica:>8}")

    say("\n== disk")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        say(f"  database {args.db}: {cursor.fetchone()[0]}")
        for table in ("monitoring_sample", "monitoring_rollup", "incidents_incident", "incidents_clock",
                      "incidents_holding", "inventory_device", "inventory_site"):
            cursor.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                           "WHERE c.oid = %s::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits "
                           "WHERE inhparent = %s::regclass)", [table, table])
            size = cursor.fetchone()[0]
            say(f"    {table:<24}{size / 2**20:>10,.0f} MB")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [SAMPLES.name_for(day)])
        say(f"  the day's partition {SAMPLES.name_for(day)} ({samples:,} rows, with its indexes): "
            f"{cursor.fetchone()[0]}")
    replica_dir = subprocess.run(["du", "-sh", "/var/lib/postgresql/15/replica"], capture_output=True,
                                 text=True).stdout.split("\t")[0]
    say(f"  replica data directory (the whole cluster): {replica_dir}")

    say("\n== memory (RSS)")
    for label, mb in memory.items():
        say(f"  {label:<20}{mb:>8.0f} MB")
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        say(f"  PostgreSQL shared_buffers: {cursor.fetchone()[0]} on each cluster (primary, replica)")
    say("  " + subprocess.run(["free", "-m"], capture_output=True, text=True).stdout.splitlines()[1])

    say("\n== dropping the day's partition")
    connections["replica"].close()
    started = time.perf_counter()
    dropped = partitions.drop_expired(SAMPLES, keep_days=args.days_ago - 1)
    say(f"  drop_expired: {dropped['partitions']} in {(time.perf_counter() - started) * 1000:.0f} ms "
        f"({samples:,} rows); {uptime()}")


if __name__ == "__main__":
    main()
