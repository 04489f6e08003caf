"""``diemcau run`` (what ``make run`` starts) leaves no process behind when it is stopped.

A real run on a SQLite file with a small province whose users count as the demo's, so the
live demo starts its reflector and agent: after SIGTERM (what a service manager or
``kill`` sends) or SIGINT (Ctrl+C), none of the processes it started is left, even when a
child does not stop within the grace period and has to be killed.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SETUP = """
from diemcau.testing import make_province
from diemcau.accounts.models import User
make_province()
for user in User.objects.all():
    user.email = user.username + "@demo.invalid"
    user.save(update_fields=["email"])
"""


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":  # a zombie is gone, only not yet reaped
            found[int(entry.name)] = (int(fields[1]), cmdline)
    return found


def _descendants(pid: int) -> dict[int, str]:
    table = _processes()
    children, queue = {}, [pid]
    while queue:
        parent = queue.pop()
        for child, (ppid, cmdline) in table.items():
            if ppid == parent and child not in children:
                children[child] = cmdline
                queue.append(child)
    return children


@pytest.fixture(scope="module")
def run_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    env = {**os.environ, "DEBUG": "1", "DIEMCAU_DATA_DIR": str(folder),
           "DATABASE_URL": f"sqlite:///{folder}/run.sqlite3", "LOG_LEVEL": "ERROR", "WEB_WORKERS": "1"}
    for name in ("DATABASE_TEST_NAME", "REDIS_URL", "PORT"):
        env.pop(name, None)
    for step in (["migrate", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run([sys.executable, "-m", "diemcau.cli", *step], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    return env


@pytest.mark.parametrize(("signum", "stuck"), [(signal.SIGTERM, True), (signal.SIGINT, False)],
                         ids=["SIGTERM with the live demo stuck", "Ctrl+C"])
def test_stopping_diemcau_run_stops_every_process_it_started(signum, stuck, run_env):
    """``stuck``: the live demo does not stop in time (as when it is back-filling the demo's rounds, or
    the signal comes before it has set its handler); it is killed, and its agent and reflector must
    not outlive it."""
    env = {**run_env, "LIVE_DEMO_REFLECTOR_PORT": str(_free_port(socket.SOCK_DGRAM))}
    run = subprocess.Popen([sys.executable, "-m", "diemcau.cli", "run", "--port", str(_free_port())], env=env,
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    started = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started.update(_descendants(run.pid))
            commands = " | ".join(started.values())
            if "diemcau_agent reflect" in commands and "diemcau_agent --config" in commands and "gunicorn" in commands:
                break
            assert run.poll() is None, "diemcau run ended by itself"
            time.sleep(0.5)
        else:
            pytest.fail(f"the live demo's agent and reflector did not start: {started}")
        time.sleep(1)  # the gunicorn worker and huey are up too
        started.update(_descendants(run.pid))
        if stuck:
            live_demo = next(pid for pid, cmd in started.items() if "monitoring_live_demo" in cmd)
            os.kill(live_demo, signal.SIGSTOP)
        run.send_signal(signum)
        assert run.wait(timeout=60) == 0
        time.sleep(0.5)
        alive = {pid: cmd for pid, cmd in started.items() if pid in _processes()}
        assert alive == {}
    finally:
        if run.poll() is None:
            run.kill()
        left = _processes()
        for pid, cmdline in started.items():  # only those still running the same command (no reused pid)
            if pid in left and left[pid][1] == cmdline:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        run.wait(timeout=10)
