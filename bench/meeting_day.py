"""A meeting day under load: 300 sites' agents every 5 s, 50 open readiness boards, 300 technicians.

    DEBUG=1 .venv/bin/python bench/meeting_day.py --postgres          # database diemcau_bench_meeting_day
    DEBUG=1 .venv/bin/python bench/meeting_day.py --postgres --seconds 180 --port 8173

A throwaway database gets 300 sites (communes and wards), each with a link,
a contact, a technician account and an agent token, and one important
provincial meeting with all of them, its check open. Then gunicorn serves
the application with the production settings (``DEBUG`` off, the same
command as ``diemcau serve``) while this process drives, at the same time:

- 300 agents posting one probe result every 5 s each (``/api/v1/agent/results``);
- 50 open boards polling ``board/live`` every 2 s with the key of the
  picture they hold (204 when nothing moved, the whole board when it did);
- 300 technicians each opening their check list and check page and
  confirming the seven manual items one tap at a time (htmx posts);
- the worker's jobs every 30 s (roll-ups and alerts, measured check items,
  chasing) in a thread, as ``diemcau worker`` would.

Printed: board render median and p95 (HTTP, full picture) and its query
count for 60 and 300 sites (in process), the latency from a technician's
last confirmation to the first board showing the site ready and to every
board, the ingest rate during the run, errors (must be 0), and p50/p95 per
page. This one script is also issue 12's "meeting-day load".
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
MANUAL = ["call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = 0

    def add(self, page, seconds, ok, detail=""):
        with self.lock:
            self.times[page].append(seconds)
            if not ok:
                self.errors[page] += 1
                if self.errors[page] <= 3:
                    print(f"  error on {page}: {detail}", flush=True)


class Client:
    """One keep-alive HTTP connection with a session cookie and a CSRF token, like one browser tab."""

    def __init__(self, port, session=None, csrf="x" * 32):
        self.port, self.session, self.csrf = port, session, csrf
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.session:
            headers["Cookie"] = f"sessionid={self.session}; csrftoken={self.csrf}"
            headers["X-CSRFToken"] = self.csrf
        headers["Host"] = "127.0.0.1"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        return None, b""


def setup(args):
    from throwaway import configure

    # The sessions made here must be valid in gunicorn: one key for both.
    os.environ["SECRET_KEY"] = "bench-" + uuid.uuid4().hex

    configure("meeting_day", postgres=args.postgres)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from diemcau.accounts.models import User
    from diemcau.incidents.reference import load_reference
    from diemcau.inventory.models import Contact, Link, Organization, Site, Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.meetings import services
    from diemcau.meetings.models import BackupPlan
    from diemcau.monitoring.models import AgentToken, hash_token

    load_taxonomies(Term)
    load_reference()
    kinds = {t.code: t for t in Term.objects.filter(taxonomy="organization_kind")}
    tslcd = Term.objects.get(taxonomy="link_kind", code="tslcd")
    dost = Organization.objects.create(code="SKHCN", name="Sở Khoa học và Công nghệ", kind=kinds["dost"])
    vnpt = Organization.objects.create(code="VNPT", name="VNPT", kind=kinds["operator"])
    hub = Site.objects.create(organization=dost, code="HUB-01", name="Phòng họp trực tuyến tỉnh", is_hub=True)
    orgs = Organization.objects.bulk_create([
        Organization(code=f"X-{i:03d}", name=f"UBND {'xã' if i % 5 else 'phường'} Thử {i:03d}",
                     kind=kinds["commune" if i % 5 else "ward"]) for i in range(args.sites)])
    sites = Site.objects.bulk_create([Site(organization=o, code=f"{o.code}-01", name=f"Hội trường {o.name}")
                                      for o in orgs])
    Link.objects.bulk_create([Link(site=s, provider=vnpt, kind=tslcd, medium="fibre") for s in sites + [hub]])
    Contact.objects.bulk_create([Contact(site=s, full_name=f"Cán bộ {s.code}", phone=f"09{i:08d}")
                                 for i, s in enumerate(sites)])
    BackupPlan.objects.bulk_create([BackupPlan(site=s, kind="mobile_router", title="Router 4G", steps="Bật router")
                                    for s in sites[::2]])
    password = "!unusable"
    techs = User.objects.bulk_create([User(username=f"kt{i:03d}", role="site_tech", organization=o, password=password)
                                      for i, o in enumerate(orgs)])
    viewers = User.objects.bulk_create([User(username=f"cv{i}", role="dost_staff", organization=dost,
                                             password=password) for i in range(5)])
    raws = []
    tokens = []
    for site in sites:
        raw = f"dca_bench{site.pk:06d}{uuid.uuid4().hex}"
        raws.append(raw)
        tokens.append(AgentToken(site=site, digest=hash_token(raw), hint=raw[:10]))
    AgentToken.objects.bulk_create(tokens)

    def session_for(user):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    now = timezone.now()
    meeting = services.meeting_schedule(
        user=viewers[0], title="Hội nghị trực tuyến UBND tỉnh", organizer=dost, host_site=hub, sites=sites,
        starts_at=now + dt.timedelta(minutes=90), ends_at=now + dt.timedelta(minutes=210), level="provincial",
        importance="important")[0]
    small = services.meeting_schedule(
        user=viewers[0], title="Họp 60 điểm cầu", organizer=dost, host_site=hub, sites=sites[:59],
        starts_at=now + dt.timedelta(minutes=100), ends_at=now + dt.timedelta(minutes=160), level="provincial",
        importance="normal")[0]
    return {
        "meeting": meeting, "meeting_pk": meeting.pk, "small": small, "raws": raws,
        "techs": [(session_for(u), s.pk, s.code) for u, s in zip(techs, sites, strict=True)],
        "viewers": [session_for(v) for v in viewers], "viewer_users": viewers,
    }


def board_queries(meeting, user):
    """Queries and in-process time of one full board picture."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from diemcau.meetings import board

    timings = []
    for _ in range(5):
        meeting.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            render_to_string("meetings/_board.html", board.build(meeting, user))
            timings.append(time.perf_counter() - started)
    return len(captured.captured_queries), statistics.median(timings)


def start_gunicorn(args, env):
    command = [sys.executable, "-m", "gunicorn", "diemcau.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
               "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "120",
               "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=str(ROOT))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = Client(args.port).request("GET", "/healthz")
            if status in (200, 503):  # 503: it answers, but no worker beats here (the jobs run in this process)
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def agent_body(n=1):
    now = dt.datetime.now(dt.UTC)
    from diemcau.monitoring.synthetic import agent_round

    rounds = [agent_round(str(uuid.uuid4()), now - dt.timedelta(seconds=i), random.uniform(0, 0.8),
                          random.uniform(2, 6), random.uniform(20, 60)) for i in range(n)]
    return json.dumps({"agent_version": "bench", "hostname": "PC", "results": rounds})


READY_TILE = re.compile(r'id="site-([^"]+)" data-state="ready"')


def _role(name, args, data, pending, deadline, out):
    """One load generator process (its own GIL): agents, boards or technicians, with threads."""
    stats = Stats()
    stop = threading.Event()
    meeting_pk = data["meeting_pk"]
    seen = defaultdict(dict)

    def agents(share):
        clients = {}
        while not stop.is_set():
            cycle = time.monotonic()
            for index in share:
                client = clients.setdefault(index, Client(args.port))
                started = time.perf_counter()
                try:
                    status, body = client.request("POST", "/api/v1/agent/results", body=agent_body(),
                                                  headers={"Authorization": f"Bearer {data['raws'][index]}",
                                                           "Content-Type": "application/json"})
                    ok = status == 200
                    if ok:
                        with stats.lock:
                            stats.samples += len(json.loads(body)["accepted"])
                except OSError as exc:
                    ok, status = False, str(exc)
                stats.add("agent upload", time.perf_counter() - started, ok, status)
                if stop.is_set():
                    return
            time.sleep(max(0.0, 5.0 - (time.monotonic() - cycle)))

    def board_tab(index):
        client = Client(args.port, data["viewers"][index % len(data["viewers"])])
        key = ""
        time.sleep(random.uniform(0, 2))
        while not stop.is_set():
            started = time.perf_counter()
            status, body = client.request("GET", f"/meetings/{meeting_pk}/board/live/?key={key}")
            elapsed = time.perf_counter() - started
            if status == 200:
                stats.add("board (new picture)", elapsed, True)
                text = body.decode()
                key = re.search(r'data-key="([^"]+)"', text).group(1)
                now = time.time()
                ready = set(READY_TILE.findall(text))
                for code in ready - set(seen):
                    t0 = pending.get(code)
                    if t0 is not None:
                        seen[code][index] = now - t0
                for code in ready & set(seen):
                    if index not in seen[code] and pending.get(code) is not None:
                        seen[code][index] = now - pending[code]
            elif status == 204:
                stats.add("board (nothing moved, 204)", elapsed, True)
            else:
                stats.add("board (new picture)", elapsed, False, status)
            time.sleep(max(0.0, 2.0 - elapsed))

    def technicians(share):
        for session, site_pk, code in share:
            client = Client(args.port, session)
            for page, path in (("my checks", "/meetings/my-checks/"),
                               ("check page", f"/meetings/{meeting_pk}/check/{site_pk}/")):
                started = time.perf_counter()
                status, _ = client.request("GET", path)
                stats.add(page, time.perf_counter() - started, status == 200, status)
            for item in MANUAL:
                time.sleep(random.uniform(0.5, 2.0))   # a thumb, not a script
                started = time.perf_counter()
                if item == MANUAL[-1]:
                    pending[code] = time.time()
                status, _ = client.request("POST", f"/meetings/{meeting_pk}/check/{site_pk}/mark/",
                                           body=f"item={item}&outcome=pass",
                                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "HX-Request": "true"})
                stats.add("check tap (htmx)", time.perf_counter() - started, status == 200, status)
                if stop.is_set():
                    return

    threads = []
    if name == "agents":
        for k in range(30):
            threads.append(threading.Thread(target=agents, args=(range(k, len(data["raws"]), 30),)))
    elif name == "boards":
        threads += [threading.Thread(target=board_tab, args=(k,)) for k in range(args.boards)]
    else:
        techs = data["techs"][:]
        random.shuffle(techs)
        threads += [threading.Thread(target=technicians, args=(techs[k::30],)) for k in range(30)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    time.sleep(max(0.0, deadline - time.time()))
    stop.set()
    for thread in threads:
        thread.join(30)
    out.put((name, dict(stats.times), dict(stats.errors), stats.samples, {k: dict(v) for k, v in seen.items()}))


def _worker(deadline, out):
    """The worker's jobs every 30 s (roll-ups and alerts, measured check items, chasing), as ``diemcau worker``."""
    from django.db import connection

    from diemcau.meetings import jobs
    from diemcau.monitoring import tasks

    times = []
    connection.close()
    while time.time() + 30 < deadline:
        time.sleep(30)
        started = time.perf_counter()
        tasks.process_new_samples(settle=dt.timedelta(seconds=3))
        jobs.evidence_scan()
        jobs.chase_scan()
        times.append(time.perf_counter() - started)
    out.put(("worker", {"worker jobs (separate process)": times}, {}, 0, {}))


def run_load(args, data, stats):
    import multiprocessing

    from django.db import connection

    connection.close()   # children are forked: none may share the parent's connection
    context = multiprocessing.get_context("fork")
    manager = context.Manager()
    pending = manager.dict()
    out = context.Queue()
    started = time.time()
    deadline = started + args.seconds
    processes = [context.Process(target=_role, args=(name, args, data, pending, deadline, out))
                 for name in ("agents", "boards", "technicians")]
    processes.append(context.Process(target=_worker, args=(deadline, out)))
    for process in processes:
        process.start()
    seen = defaultdict(dict)
    for _ in processes:
        name, times, errors, samples, observed = out.get(timeout=args.seconds + 300)
        for page, values in times.items():
            stats.times[page] += values
        for page, n in errors.items():
            stats.errors[page] += n
        stats.samples += samples
        for code, boards in observed.items():
            seen[code].update(boards)
    for process in processes:
        process.join(60)
    return time.time() - started, dict(pending), seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=150)
    parser.add_argument("--port", type=int, default=8173)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    args = parser.parse_args()
    random.seed(14)
    data = setup(args)
    from django.conf import settings
    from django.db import connection

    viewer = data["viewer_users"][0]
    q_small, t_small = board_queries(data["small"], viewer)
    q_large, t_large = board_queries(data["meeting"], viewer)
    connection.close()
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1",
               DATABASE_URL=os.environ["DATABASE_URL"], DIEMCAU_DATA_DIR=str(settings.DATA_DIR))
    # Production settings serve hashed static files from the manifest: collect them as a server would.
    subprocess.run([sys.executable, "-m", "diemcau.cli", "collectstatic", "--noinput", "-v0"], env=env, cwd=str(ROOT),
                   check=True)
    server = start_gunicorn(args, env)
    stats = Stats()
    try:
        duration, pending, seen = run_load(args, data, stats)
    finally:
        server.terminate()
        server.wait(30)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"\nmeeting day on {engine}, gunicorn {args.workers} workers × {args.threads} threads, DEBUG off; "
          f"{len(data['raws'])} sites, {args.boards} open boards, {len(data['techs'])} technicians, "
          f"{duration:.0f} s")
    print(f"board picture in process: 60 sites {q_small} queries {t_small * 1000:.0f} ms; "
          f"{len(data['raws'])} sites {q_large} queries {t_large * 1000:.0f} ms")
    print(f"ingest: {stats.samples / duration:.1f} samples/s accepted "
          f"({len(stats.times['agent upload']) / duration:.1f} uploads/s)")
    first = [min(v.values()) for v in seen.values() if v]
    every = [x for v in seen.values() for x in v.values()]
    print(f"confirmation → board: {len(pending)} last taps; first board median {statistics.median(first):.2f} s "
          f"p95 {percentile(first, 95):.2f} s; every board median {statistics.median(every):.2f} s "
          f"p95 {percentile(every, 95):.2f} s ({len(every)} observations)" if first else
          "confirmation → board: no observation")
    total_errors = sum(stats.errors.values())
    print(f"errors: {total_errors}")
    print(f"{'page':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for page, values in sorted(stats.times.items()):
        print(f"{page:34} {len(values):6d} {statistics.median(values) * 1000:8.0f} "
              f"{percentile(values, 95) * 1000:8.0f} {stats.errors[page]:6d}")


if __name__ == "__main__":
    main()
