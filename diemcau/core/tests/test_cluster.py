"""Against real clusters: a streaming replica of the test database, two worker processes on one Redis.

Run by .ci/run's cluster step (deploy/replica-test-cluster.sh up, then
``DATABASE_REPLICA_URL=… pytest -m cluster``); skipped when no replica is named.
"""

import collections
import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from diemcau.core import replica
from diemcau.core.heartbeat import beat
from diemcau.core.tasks import worker_reads_from_the_primary
from diemcau.testing import make_province, make_site

REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not REPLICA_URL, reason="needs a streaming replica: DATABASE_REPLICA_URL (deploy/replica-test-cluster.sh)"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def sql(alias: str, statement: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def caught_up(timeout: float = 15) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    target = sql("default", "SELECT pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    while not sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])[0]:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@contextmanager
def replay_paused():
    """The replica keeps receiving WAL but applies none of it: it lags, as a busy replica would."""
    sql("replica", "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        sql("replica", "SELECT pg_wal_replay_resume()")


def cluster_of(port: int) -> list[str]:
    for line in subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.splitlines():
        version, name, cluster_port = line.split()[:3]
        if int(cluster_port) == port:
            return [version, name]
    raise AssertionError(f"no PostgreSQL cluster on port {port}")


@pytest.fixture
def real_replica(settings):
    """The "replica" alias on the streaming replica's copy of the test database (the tests mirror it otherwise)."""
    url = dj_database_url.parse(REPLICA_URL)
    conn = connections["replica"]
    conn.close()
    mirrored = conn.settings_dict
    primary = connections["default"].settings_dict
    conn.settings_dict = {**primary, "HOST": url["HOST"], "PORT": url["PORT"],
                          "OPTIONS": {**primary.get("OPTIONS", {}), "connect_timeout": 2}}
    settings.REPLICA_CHECK_SECONDS = 0  # every read asks (production: every 5 s)
    replica.forget()
    replica.enable()
    yield conn
    conn.close()
    conn.settings_dict = mirrored
    replica.forget()


def site_codes(client, **headers) -> set[str]:
    response = client.get("/api/v1/sites?limit=500", **headers)
    assert response.status_code == 200
    return {site["code"] for site in response.json()["items"]}


def test_heavy_reads_go_to_the_replica_and_a_writer_reads_its_own_writes(real_replica, client_for, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 300
    settings.READ_YOUR_WRITES_SECONDS = 2
    province = make_province()
    client = client_for(province.staff)
    caught_up()
    assert replica.read_alias() == "replica" and replica.health() == {"ok": True, "reading_from": "replica",
                                                                        "lag_s": 0.0}
    with replay_paused():
        make_site(province.commune_a, "X-14-99", "Phòng họp mới")  # committed on the primary, not applied yet
        # The API's list and the site list page read the (behind) replica: the new site is not there …
        assert "X-14-99" not in site_codes(client)
        assert "X-14-99" not in client.get(reverse("inventory:sites")).content.decode()
        # … the primary has it: when asked for, and for a client that has just written.
        assert "X-14-99" in site_codes(client, HTTP_X_DIEMCAU_READ="primary")
        assert client.post(reverse("core:table_columns"), {"table": "sites", "next": "/"}).status_code == 302
        assert "X-14-99" in site_codes(client)
        assert "X-14-99" in client.get(reverse("inventory:sites")).content.decode()
        client.cookies.pop(replica.COOKIE)
        assert "X-14-99" in site_codes(client)  # the signed-in user's mark, shared by every node (cache)
        time.sleep(2.2)  # READ_YOUR_WRITES_SECONDS later, the replica again
        assert "X-14-99" not in site_codes(client)
        # A worker job never reads from the replica.
        worker_reads_from_the_primary()
        try:
            assert replica.read_alias() == "default"
        finally:
            replica.enable()
    caught_up()
    assert "X-14-99" in site_codes(client)


def test_a_lagging_replica_is_not_read_and_healthz_says_so(real_replica, client_for, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    province = make_province()
    client = client_for(province.staff)
    beat("worker")
    caught_up()
    with replay_paused():
        make_site(province.commune_a, "X-14-98")
        time.sleep(1.3)
        assert "X-14-98" in site_codes(client)  # from the primary
        response = client.get("/healthz")
        assert response.status_code == 200  # the node still serves: a lagging replica is not a failure
        check = response.json()["checks"]["replica"]
        assert check["ok"] is False and check["reading_from"] == "primary" and check["reason"] == "lag"
        assert check["lag_s"] > 1
    caught_up()
    assert client.get("/healthz").json()["checks"]["replica"]["reading_from"] == "replica"


def test_a_replica_that_stops_is_not_read(real_replica, client_for, settings):
    province = make_province()
    client = client_for(province.staff)
    beat("worker")
    caught_up()
    assert "X-14-01" in site_codes(client)  # the replica's connection is open now
    cluster = cluster_of(int(real_replica.settings_dict["PORT"]))
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "stop", "-m", "fast"], check=True)
    try:
        settings.REPLICA_CHECK_SECONDS = 600  # the last check said "up": the failure comes inside the view
        assert "X-14-01" in site_codes(client)  # read again from the primary
        assert replica.state() == {"ok": False, "reason": "down"}
        settings.REPLICA_CHECK_SECONDS = 0
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["checks"]["replica"] == {"ok": False, "reading_from": "primary", "reason": "down"}
        assert "X-14-01" in client.get(reverse("inventory:sites")).content.decode()
    finally:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "start"], check=True)
    deadline = time.monotonic() + 20
    while not replica.health()["ok"]:
        assert time.monotonic() < deadline, "the replica did not come back"
        time.sleep(0.2)


def _worker_env(redis_url: str, queue: str) -> dict:
    primary = connections["default"].settings_dict
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_TEST_NAME"}}
    env.update({
        "DATABASE_URL": f"postgres://{primary['USER']}@{primary['HOST']}:{primary['PORT']}/{primary['NAME']}",
        "REDIS_URL": redis_url, "HUEY_NAME": queue, "HUEY_LOG_LEVEL": "INFO", "LOG_LEVEL": "WARNING",
        "WORKER_THREADS": "2", "DEBUG": "1", "HUEY_IMMEDIATE": "0",
    })
    return env


# The workers only need the test database's tables; no rows of the test's own, so no flush afterwards.
@pytest.mark.django_db(databases=["default"])
def test_two_workers_run_each_queued_job_once_and_each_periodic_job_once_per_minute(tmp_path):
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"
    queue = f"cluster-{uuid.uuid4().hex[:8]}"
    if timezone.now().second > 48:  # both schedulers' first check must fall in the same minute
        time.sleep(61 - timezone.now().second)
    started_minute = timezone.now().replace(second=0, microsecond=0)
    command = [str(Path(sys.executable).with_name("diemcau")), "worker"]
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    env = _worker_env(redis_url, queue)
    workers = [subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
    from huey import PriorityRedisHuey

    from diemcau.core import tasks

    producer = PriorityRedisHuey(queue, url=redis_url)
    send = producer.task(name="outbox_send_task")(tasks.outbox_send_task.func)
    try:
        queued = {send().id for _ in range(30)}
        deadline = time.monotonic() + 40
        while True:
            text = "".join(log.read_text() for log in logs)
            done = set(re.findall(r"outbox_send_task: ([0-9a-f-]{36}) executed in", text))
            if done >= queued or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(2)  # let any duplicate show
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        conn = producer.storage.conn
        # The queue's keys (huey drops the hyphen from the name) and the periodic claims.
        for pattern in (f"*{queue.replace('-', '')}*", f"*{queue}*"):
            for key in conn.scan_iter(pattern):
                conn.delete(key)
    texts = [log.read_text() for log in logs]
    assert timezone.now() - started_minute < dt.timedelta(minutes=1, seconds=59)
    executed = collections.Counter(re.findall(r"Executing (\S+: [0-9a-f-]{36})", "".join(texts)))
    queued_runs = {key: count for key, count in executed.items() if key.split(": ")[1] in queued}
    assert len(queued_runs) == 30 and set(queued_runs.values()) == {1}, queued_runs
    # Both workers' schedulers checked the periodic jobs at start; each minutely job ran once in all.
    assert all("Huey consumer started" in text for text in texts)
    periodic = collections.Counter(key.split(": ")[0] for key in executed if key.split(": ")[1] not in queued)
    for name in ("diemcau.core.tasks.worker_heartbeat", "diemcau.core.tasks.outbox_job",
                 "diemcau.monitoring.tasks.flips_job", "diemcau.incidents.tasks.sla_scan_task"):
        assert periodic[name] == 1, (name, periodic)
    enqueued = re.findall(r"Enqueueing periodic task (\S+):", "".join(texts))
    assert collections.Counter(enqueued)["diemcau.core.tasks.worker_heartbeat"] == 1
