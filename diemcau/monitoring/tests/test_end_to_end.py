"""A real agent measures through an impaired path; the server raises, routes, and resolves.

The agent (``diemcau_agent``, as installed) runs on this host and posts to
the live test server; its reflector runs in a network namespace joined to
this host by a veth pair, and loss is injected by an iptables ``statistic``
rule inside that namespace, so nothing on the host's own firewall changes.
"""

import os
import shutil
import subprocess
import sys
import time

import pytest

from diemcau.incidents.choices import Channel, Status
from diemcau.monitoring import services, tasks
from diemcau.monitoring.choices import AlertState, Problem
from diemcau.monitoring.models import Alert, Sample


def _why_not() -> str | None:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "network namespaces need Linux and root (CI runs as root)"
    if not shutil.which("ip") or not shutil.which("iptables"):
        return "iproute2 / iptables not installed"
    probe = f"dcmonprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` fails here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


REASON = _why_not()


def sh(*args):
    done = subprocess.run(list(args), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


class Path:
    """This host ⇄ veth ⇄ namespace with the reflector; loss on the way in."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.ns, self.host_if, self.ns_if = f"dcmon{tag}", f"dcmh{tag}", f"dcmn{tag}"
        net = 10 + tag % 200
        self.host_addr, self.ns_addr, self.port = f"10.78.{net}.1", f"10.78.{net}.2", 862
        self.reflector = None

    def __enter__(self):
        sh("ip", "netns", "add", self.ns)
        try:
            sh("ip", "-n", self.ns, "link", "set", "lo", "up")
            sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            sh("ip", "link", "set", self.ns_if, "netns", self.ns)
            sh("ip", "addr", "add", f"{self.host_addr}/30", "dev", self.host_if)
            sh("ip", "link", "set", self.host_if, "up")
            sh("ip", "-n", self.ns, "addr", "add", f"{self.ns_addr}/30", "dev", self.ns_if)
            sh("ip", "-n", self.ns, "link", "set", self.ns_if, "up")
            self.reflector = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, sys.executable, "-m", "diemcau_agent", "reflect", "--host",
                 self.ns_addr, "--port", str(self.port), "--rate", "1000", "--burst", "1000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.reflector and self.reflector.poll() is None:
            self.reflector.terminate()
            self.reflector.wait(5)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

    def loss(self, probability: float):
        sh("ip", "netns", "exec", self.ns, "iptables", "-F", "INPUT")
        if probability:
            sh("ip", "netns", "exec", self.ns, "iptables", "-A", "INPUT", "-p", "udp", "--dport", str(self.port),
               "-m", "statistic", "--mode", "random", "--probability", f"{probability:.3f}", "-j", "DROP")


def wait_for(condition, timeout, step=0.7):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks.process_new_samples(settle=tasks.dt.timedelta(0))
        tasks.flips.process_flips()
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
@pytest.mark.django_db(transaction=True)
def test_loss_on_the_link_raises_an_incident_for_the_operator_and_it_resolves_when_loss_stops(
        province, live_server, tmp_path):
    site = province.site_a
    _token, raw = services.agent_token_issue(site=site, user=province.tech)
    ini = tmp_path / "agent.ini"
    with Path() as path:
        ini.write_text(
            "[agent]\n"
            f"server = {live_server.url}\n"
            f"token = {raw}\n"
            f"data_dir = {tmp_path}\n"
            "interval_s = 1\n"
            "codec = g711\n"
            "[probe]\n"
            f"reflector = {path.ns_addr}:{path.port}\n"
            "count = 40\n"
            "spacing_ms = 5\n"
            "grace_s = 0.5\n"
            "[log]\nlevel = WARNING\n")
        path.loss(0.3)
        agent = subprocess.Popen([sys.executable, "-m", "diemcau_agent", "--config", str(ini), "run"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            def raised():
                return Alert.objects.filter(site=site, problem=Problem.LOSS, state=AlertState.RAISED).exists()

            assert wait_for(raised, 60), f"no alert; samples: {list(Sample.objects.values_list('loss_pct'))}"
            losses = [v for (v,) in Sample.objects.filter(kind="probe").values_list("loss_pct")]
            assert max(losses) > 10.0  # the agent saw the injected loss
            incident = Alert.objects.get(site=site, problem=Problem.LOSS).incident
            assert incident is not None and incident.channel == Channel.MONITORING
            assert incident.holder == province.vnpt  # the operator of the primary link
            assert incident.status == Status.NEW

            path.loss(0.0)

            def resolved():
                incident.refresh_from_db()
                return incident.status == Status.RESOLVED

            assert wait_for(resolved, 60), "the incident did not resolve after the loss stopped"
            assert Alert.objects.get(site=site, problem=Problem.LOSS).state == AlertState.OK
        finally:
            agent.terminate()
            try:
                agent.wait(15)
            except subprocess.TimeoutExpired:
                agent.kill()
