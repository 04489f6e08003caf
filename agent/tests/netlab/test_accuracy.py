"""Accuracy against known truth on a real impaired path (two namespaces).

Kept short for CI (about a minute and a half); the full sweep with the
table is ``bench/agent_accuracy.py``. Truth comes from the impairments
themselves: iptables counts exactly what it dropped, the TUN relay records
how long it really held each packet, in what order it delivered them and
what it duplicated.
"""

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

import pytest

from netlab.lab import Lab, parse_ping, ping_resolution, stamp_truth, unavailable_reason

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason="netlab: %s" % (REASON,))


@pytest.fixture(scope="module")
def lab():
    with Lab() as lab:
        lab.start_reflector()
        yield lab


@pytest.fixture(autouse=True)
def clean(lab):
    lab.clear_loss()
    lab.impair()
    lab.down(False)
    yield


def loss_truth(lab, port):
    seen, dropped = lab.loss_counters(port)
    return 100.0 * dropped / seen


def assert_rtt_above_the_relays_hold_by_its_processing(agent, truth):
    """The relay records how long it held the very probes the agent sent, which leaves out its
    own processing (user-space Python reading and writing the TUN device) and the stack: the
    agent's median is above it by that much, 0.5 to 1.3 ms on a quiet machine and more under
    load (docs/agent-accuracy.md), never below. The agent's own overhead is checked exactly
    against ``ping`` on the same path at the same time (the test after these)."""
    assert -0.1 <= agent["rtt_median_ms"] - truth["rtt_median_ms"] <= 2.0, (agent["rtt_median_ms"], truth)


def test_loss_rtt_and_jitter_match_truth_and_are_no_worse_than_iperf3(lab):
    lab.impair(delay_ms=50, jitter_ms=15)
    lab.add_loss(lab.stamp_port, 0.05)
    lab.add_loss(lab.iperf_port, 0.05)
    for _attempt in range(2):
        # iperf3 3.12 now and then ends without a result (QOS.md); the
        # comparison needs both tools in the same run, so run it again.
        got = lab.measure_together(20)
        if got["iperf"] is not None:
            break
    agent, iperf, truth = got["agent"], got["iperf"], stamp_truth(got["truth"])
    assert agent["sent"] == 1000
    assert abs(agent["loss_pct"] - loss_truth(lab, lab.stamp_port)) <= 0.3
    assert_rtt_above_the_relays_hold_by_its_processing(agent, truth)
    analytic = 2 * 15 / 3.0
    agent_err = abs(agent["jitter_ms"] - analytic)
    assert agent_err <= 0.15 * analytic
    assert iperf is not None, "iperf3 gave no result twice: %s" % got.get("iperf_error")
    iperf_err = abs(iperf["jitter_ms"] - analytic)
    # iperf3 reports one EWMA value (±13 % noise); it can land on the truth
    # by luck, so "as close" allows the agent 5 % of the truth in that case.
    assert agent_err <= max(iperf_err, 0.05 * analytic), (agent["jitter_ms"], iperf["jitter_ms"])
    iperf_loss_err = abs(iperf["loss_pct"] - loss_truth(lab, lab.iperf_port))
    assert abs(agent["loss_pct"] - loss_truth(lab, lab.stamp_port)) <= max(iperf_loss_err, 0.3)


def test_long_delay_and_heavy_loss(lab):
    lab.impair(delay_ms=150)
    lab.add_loss(lab.stamp_port, 0.20)
    got = lab.measure_together(10, with_iperf=False)
    agent, truth = got["agent"], stamp_truth(got["truth"])
    true_loss = loss_truth(lab, lab.stamp_port)
    assert abs(agent["loss_pct"] - true_loss) <= 0.3
    assert abs(agent["loss_fwd_pct"] - true_loss) <= 1.0, "iptables drops on the way in: forward loss"
    assert agent["loss_back_pct"] <= 1.0
    assert_rtt_above_the_relays_hold_by_its_processing(agent, truth)
    assert abs(agent["rtt_median_ms"] - 300.0) <= 2.0


def test_the_agents_median_rtt_agrees_with_ping_on_the_same_path_at_the_same_time(lab):
    lab.impair(delay_ms=20)
    got = lab.measure_together(6, with_iperf=False, with_ping=True)
    agent, ping = got["agent_rtts"], got["ping_rtts"]
    assert len(agent) >= 280 and len(ping) >= 280
    assert abs(statistics.median(agent) - got["agent"]["rtt_median_ms"]) < 0.01  # the same probes the check used
    # The agent stamps in user space, ping on the kernel's receive: a few tenths at most, never below.
    assert -0.1 <= statistics.median(agent) - statistics.median(ping) <= 1.0


def test_pings_printed_times_and_their_rounding_are_read():
    text = ("PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"
            "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=40.3 ms\n"
            "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=301 ms\n"
            "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=301 ms (DUP!)\n"
            "64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=0.052 ms\n")
    assert parse_ping(text) == [40.3, 301.0, 0.052]
    assert [ping_resolution(v) for v in (0.5, 5.0, 40.3, 301.0)] == [0.001, 0.01, 0.1, 1.0]


def test_reordering_and_duplicates_are_counted_exactly(lab):
    lab.impair(delay_ms=30, jitter_ms=25, back={"delay_ms": 5, "jitter_ms": 0, "dup": 0.05})
    got = lab.measure_together(6, with_iperf=False)
    agent, truth = got["agent"], stamp_truth(got["truth"])
    assert truth["reordered_fwd"] > 10, "the relay should have reordered"
    assert agent["reordered_fwd"] == truth["reordered_fwd"]
    assert agent["duplicates"] == truth["duplicated"] > 0
    assert agent["loss_pct"] == 0.0


def test_an_outage_is_measured_and_nothing_is_lost(lab, tmp_path):
    os.chmod(str(tmp_path), 0o777)
    outfile = tmp_path / "received.jsonl"
    lab.popen(lab.ns_b, [sys.executable, os.path.join(os.path.dirname(__file__), "receiver.py"), lab.addr_b,
                         "8080", str(outfile)])
    ini = tmp_path / "agent.ini"
    ini.write_text("""
[agent]
server = http://{b}:8080
token = lab
data_dir = {data}
interval_s = 2
[probe]
reflector = {b}:{port}
count = 20
spacing_ms = 20
grace_s = 1
[platform]
host = {b}
tcp_ports = 8080
dns_names = localhost
""".format(b=lab.addr_b, port=lab.stamp_port, data=tmp_path / "data"), encoding="utf-8")
    agent = lab.popen(lab.ns_a, [sys.executable, "-m", "diemcau_agent", "--config", str(ini), "run"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(7)
    lab.down(True)
    down_at = time.time()
    time.sleep(10)
    lab.down(False)
    up_at = time.time()
    time.sleep(5)
    db = str(tmp_path / "data" / "buffer.sqlite3")
    deadline = time.time() + 60
    while time.time() < deadline:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT COUNT(*) FROM result").fetchone()[0] == 0:
                break
        time.sleep(1)
    agent.terminate()
    agent.wait(30)
    results = [json.loads(line) for line in outfile.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids)), "exactly once"
    probes = [r for r in results if r["kind"] == "probe"]
    stamps = [r["measured_at"] for r in probes]
    assert stamps == sorted(stamps), "in order"
    dead = [p for p in probes if p["fields"]["loss_pct"] == 100.0]
    # 10 s down, a round every 2 s (a dead round lasts 0.4 s + 1 s grace).
    assert 4 <= len(dead) <= 7, [p["fields"]["loss_pct"] for p in probes]
    assert probes[-1]["fields"]["loss_pct"] == 0.0
    assert any(r["kind"] == "tcp_connect" and not r["fields"]["ok"] for r in results), "the outage shows in TCP too"
    assert up_at - down_at >= 10


def test_throughput_through_a_tbf_limit_and_the_local_cap(lab):
    lab.rate_limit("5mbit", side="a")
    try:
        up = lab.run(lab.ns_a, [sys.executable, "-m", "diemcau_agent", "--config", os.devnull, "throughput",
                                "--reflector", "%s:%d" % (lab.addr_b, lab.stamp_port), "--seconds", "3",
                                "--kbps", "20000"])
        capped = lab.run(lab.ns_a, [sys.executable, "-m", "diemcau_agent", "--config", os.devnull, "throughput",
                                    "--reflector", "%s:%d" % (lab.addr_b, lab.stamp_port), "--seconds", "2",
                                    "--kbps", "1000"])
    finally:
        subprocess.run(["ip", "netns", "exec", lab.ns_a, "tc", "qdisc", "del", "dev", lab.tun_a, "root"])
    measured = json.loads(up.stdout)["kbps"]
    # tbf counts IP octets, the test counts TCP payload (~3 % headers).
    assert 4500 <= measured <= 5100, measured
    assert 900 <= json.loads(capped.stdout)["kbps"] <= 1050
