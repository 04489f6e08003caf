"""A real agent process is told the meeting window and probes at its short interval, then slows down again.

The agent (``diemcau_agent`` as installed) runs against the live test server
and a real reflector on loopback, as ``monitoring/tests/test_end_to_end.py``
does; the interval change is read from the measurement times it uploads.
"""

import datetime as dt
import statistics
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from diemcau.meetings import services
from diemcau.monitoring import services as monitoring_services
from diemcau.monitoring.models import Sample
from diemcau.monitoring.tests.peers import free_udp_port

NORMAL_S, MEETING_S = 6, 1


def _probe_times(site):
    return sorted(Sample.objects.filter(site_id=site.pk, kind="probe").values_list("measured_at", flat=True))


def _gaps(times):
    return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]


def _wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_agent_gets_the_window_and_shortens_its_interval_then_lengthens_it(province, live_server, tmp_path):
    site = province.site_a
    reflector_port = free_udp_port()
    now = timezone.now()
    meeting = services.meeting_schedule(
        user=province.staff, title="Giao ban", organizer=province.dost, host_site=province.site_dept, sites=[site],
        starts_at=now + dt.timedelta(minutes=30), ends_at=now + dt.timedelta(minutes=90), level="provincial",
        importance="important")[0]
    _token, raw = monitoring_services.agent_token_issue(site=site, user=province.tech)
    ini = tmp_path / "agent.ini"
    ini.write_text(
        "[agent]\n"
        f"server = {live_server.url}\n"
        f"token = {raw}\n"
        f"data_dir = {tmp_path}\n"
        f"interval_s = {NORMAL_S}\n"
        f"meeting_interval_s = {MEETING_S}\n"
        "codec = g711\n"
        "[probe]\n"
        f"reflector = 127.0.0.1:{reflector_port}\n"
        "count = 20\nspacing_ms = 5\ngrace_s = 0.3\n"
        "[log]\nlevel = WARNING\n")
    reflector = subprocess.Popen([sys.executable, "-m", "diemcau_agent", "reflect", "--host", "127.0.0.1", "--port",
                                  str(reflector_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    agent = subprocess.Popen([sys.executable, "-m", "diemcau_agent", "--config", str(ini), "run"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # In the window (it opened two hours before the start): rounds about every second.
        assert _wait(lambda: len(_probe_times(site)) >= 10, 60), f"only {len(_probe_times(site))} rounds"
        fast = _gaps(_probe_times(site)[-6:])
        assert statistics.median(fast) < 2.5, fast
        # The meeting is cancelled: the next answer carries no window and the agent slows down.
        services.meeting_cancel(meeting, user=province.staff, reason="Hoãn")
        # A round or two already under way may still come fast; the agent hears of the change in its next answer.
        before = len(_probe_times(site))
        assert _wait(lambda: len(_probe_times(site)) >= before + 6, 120)
        slow = _gaps(_probe_times(site)[-3:])
        assert min(slow) > NORMAL_S - 1.5, slow
    finally:
        agent.terminate()
        reflector.terminate()
        for process in (agent, reflector):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
