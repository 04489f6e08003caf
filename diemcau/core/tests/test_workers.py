"""Workers that never lock or deadlock: two real worker processes against SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def test_a_sqlite_database_named_by_url_gets_the_same_options_as_the_default(tmp_path):
    show = ("import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'diemcau.settings'; django.setup(); "
            "from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))")
    options = []
    for url in ("", f"sqlite:///{tmp_path}/named.sqlite3"):
        env = {**os.environ, "DEBUG": "1", "DIEMCAU_DATA_DIR": str(tmp_path), "DATABASE_URL": url}
        out = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
        options.append(json.loads(out.stdout.strip().splitlines()[-1]))
    default, named = options
    assert named == default
    assert named["transaction_mode"] == "IMMEDIATE" and "journal_mode=WAL" in named["init_command"]
    assert "busy_timeout=20000" in named["init_command"]


def _probe(env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "diemcau.core.tests.workers_probe", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def worker_database(tmp_path):
    """A database of its own the worker processes can share: a SQLite file, or a PostgreSQL database."""
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        name = f"{connection.settings_dict['NAME']}_workers"
        server = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{server}/{name}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path}/workers.sqlite3"


def test_two_workers_with_incidents_near_breach_and_alerts_flipping_fail_nothing_twice_and_lose_nothing(
        worker_database, tmp_path):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": worker_database, "DIEMCAU_DATA_DIR": str(tmp_path),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_TEST_NAME", None)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=900)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    setup = _probe(env, "setup")
    assert setup.returncode == 0, setup.stderr[-3000:]
    start_at = str(time.time() + 3)
    workers = [subprocess.Popen([sys.executable, "-m", "diemcau.core.tests.workers_probe", "run", start_at, name],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("worker-1", "worker-2")]
    outputs = [w.communicate(timeout=900) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, out[-3000:] + err[-3000:]
        assert "database is locked" not in err and "deadlock" not in err.lower(), err[-3000:]
    found = _probe(env, "check")
    assert found.returncode == 0, found.stderr[-3000:]
    state = json.loads(found.stdout.strip().splitlines()[-1])
    # Nothing twice.
    assert state["duplicate_escalations"] == 0 and state["duplicate_warnings"] == 0, state
    assert state["distinct_messages"] == state["messages"] == state["deliveries"], state
    assert state["monitoring_incidents"] == state["loss_raises"], state   # one incident per raise, per site
    # Nothing lost.
    assert state["critical_fully_chased"] == state["critical"] == 3, state
    assert state["flips_pending"] == 0 and state["flips"] >= 12, state
    assert state["no_data_raised"] == 1, state
    assert state["minute_rollups"] == 2 * 45, state
    assert state["deliveries_not_sent"] == 0 and state["deliveries"] > 0, state
    assert state["tallies_exact"], state
    assert state["running_clocks_overdue_unescalated"] == 0, state
