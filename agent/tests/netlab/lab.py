"""Two network namespaces joined by the TUN relay, for accuracy tests.

::

    namespace "site" (A)                         namespace "platform" (B)
    tun 10.77.x.1  ──▶ tunrelay.py (root ns) ──▶ tun 10.77.x.2
                   ◀── delay, jitter, dup,   ◀── reflector, iperf3 -s,
                       outage                    iptables loss rules

Loss is made by iptables ``statistic`` rules in B's INPUT chain, preceded by
a counting rule, so the exact number of packets dropped is known (the truth),
not only the probability. Bandwidth limits use ``tc tbf`` on either TUN.
Names carry the process id so parallel runs do not collide.

The lab shares its CPUs with whatever else the machine runs (other CI jobs).
A relay that is not scheduled for a few milliseconds delays packets outside
its own accounting, which corrupts the truth; so the relay runs at real-time
priority (SCHED_FIFO 60), and every measuring tool — the agent, its
reflector and iperf3 alike — at SCHED_FIFO 50. All of them sleep in select()
or recv() between packets, so this costs the machine nothing.
"""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Namespaces and TUN devices are named PREFIX + role + process id; several people sharing one
# machine give each their own prefix (``DIEMCAU_NETLAB_PREFIX=dcm-``). TUN names fit in 15 octets.
PREFIX = os.environ.get("DIEMCAU_NETLAB_PREFIX", "dc")[:5]
STAMP_PORT = 862
IPERF_PORT = 5201


def _chrt_works():
    chrt = shutil.which("chrt")
    if not chrt:
        return None
    # Without CAP_SYS_NICE (some containers) chrt fails; run plain then.
    return chrt if subprocess.run([chrt, "-f", "50", "true"], capture_output=True).returncode == 0 else None


_CHRT = _chrt_works() if sys.platform.startswith("linux") else None
RT_RELAY = [_CHRT, "-f", "60"] if _CHRT else []
RT_TOOL = [_CHRT, "-f", "50"] if _CHRT else []


def unavailable_reason():
    """Why namespaces cannot be used here, or None when they can."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if not shutil.which("ip") or not shutil.which("iptables"):
        return "iproute2 / iptables not installed"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun missing"
    name = "%sprobe%d" % (PREFIX, os.getpid())
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        return "`ip netns add` fails here: %s" % made.stderr.strip()
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def sh(*args, check=True):
    """Run a command; raise with its stderr if it fails."""
    done = subprocess.run(list(args), capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), done.stderr.strip()))
    return done.stdout


class Lab:
    """Context manager: builds the namespaces and relay, tears them down."""

    def __init__(self, stamp_port=STAMP_PORT, iperf_port=IPERF_PORT):
        tag = os.getpid() % 100000
        self.ns_a = "%ssite%d" % (PREFIX, tag)
        self.ns_b = "%splat%d" % (PREFIX, tag)
        self.tun_a = "%sta%d" % (PREFIX, tag)
        self.tun_b = "%stb%d" % (PREFIX, tag)
        net = 10 + tag % 200
        self.addr_a = "10.77.%d.1" % net
        self.addr_b = "10.77.%d.2" % net
        self.stamp_port = stamp_port
        self.iperf_port = iperf_port
        self.relay = None
        self.procs = []

    def __enter__(self):
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _build(self):
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "del", ns, check=False)
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        self.relay = subprocess.Popen(
            RT_RELAY + [sys.executable, os.path.join(HERE, "tunrelay.py"), self.tun_a, self.tun_b, str(self.stamp_port),
             str(self.iperf_port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.relay.stdout.readline().strip() != "ready":
            raise RuntimeError("tun relay did not start")
        for ns, tun, addr, peer in ((self.ns_a, self.tun_a, self.addr_a, self.addr_b),
                                    (self.ns_b, self.tun_b, self.addr_b, self.addr_a)):
            sh("ip", "link", "set", tun, "netns", ns)
            sh("ip", "-n", ns, "addr", "add", addr, "peer", peer, "dev", tun)
            sh("ip", "-n", ns, "link", "set", tun, "up")
            # The relay may hold bursts; a longer queue keeps the TUN itself
            # from dropping what the test did not ask to drop.
            sh("ip", "-n", ns, "link", "set", tun, "txqueuelen", "10000")

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if self.relay and self.relay.poll() is None:
            self.relay.stdin.close()
            try:
                self.relay.wait(5)
            except subprocess.TimeoutExpired:
                self.relay.kill()
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "del", ns, check=False)

    # -- the relay ---------------------------------------------------------

    def send(self, message):
        self.relay.stdin.write(json.dumps(message) + "\n")
        self.relay.stdin.flush()

    def impair(self, delay_ms=0.0, jitter_ms=0.0, dup=0.0, loss=0.0, back=None):
        """Set both directions alike, or the way back separately."""
        fwd = {"delay_ms": delay_ms, "jitter_ms": jitter_ms, "dup": dup, "loss": loss}
        self.send({"set": {"fwd": fwd, "back": back if back is not None else fwd}})

    def down(self, is_down):
        self.send({"down": bool(is_down)})

    def reset(self):
        self.send({"reset": True})

    def truth(self):
        """The relay's records (see tunrelay.py) as a dict."""
        self.send({"stats": True})
        return json.loads(self.relay.stdout.readline())

    # -- processes in the namespaces -----------------------------------------

    def popen(self, ns, args, **kwargs):
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + RT_TOOL + list(args), **kwargs)
        self.procs.append(proc)
        return proc

    def run(self, ns, args, timeout=120):
        return subprocess.run(["ip", "netns", "exec", ns] + RT_TOOL + list(args), capture_output=True, text=True,
                              timeout=timeout)

    def start_reflector(self, rate=1000.0):
        """The agent's reflector in B; waits until it answers."""
        proc = self.popen(self.ns_b, [sys.executable, "-m", "diemcau_agent", "reflect", "--host", self.addr_b,
                                      "--port", str(self.stamp_port), "--rate", str(rate), "--burst", str(rate),
                                      "--throughput"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Its throughput sink shares the port number: listening there means
        # the UDP socket is bound too (it is opened first).
        self.wait_listening(self.stamp_port)
        return proc

    # -- loss with iptables ------------------------------------------------

    def add_loss(self, port, probability, min_length=64):
        """Drop ``probability`` of UDP to ``port`` entering B, counting all.

        Only datagrams of ``min_length`` octets or more (IP length) are
        touched: iperf3's 4-octet hello must get through or it hangs.
        """
        chain = "DCLOSS%d" % port
        sh("ip", "netns", "exec", self.ns_b, "iptables", "-N", chain)
        sh("ip", "netns", "exec", self.ns_b, "iptables", "-A", "INPUT", "-p", "udp", "--dport", str(port),
           "-m", "length", "--length", "%d:65535" % min_length, "-j", chain)
        # An empty rule only counts; the next drops at random.
        sh("ip", "netns", "exec", self.ns_b, "iptables", "-A", chain)
        if probability > 0:
            sh("ip", "netns", "exec", self.ns_b, "iptables", "-A", chain, "-m", "statistic", "--mode", "random",
               "--probability", "%.6f" % probability, "-j", "DROP")

    def clear_loss(self):
        sh("ip", "netns", "exec", self.ns_b, "iptables", "-F", "INPUT")
        out = sh("ip", "netns", "exec", self.ns_b, "iptables", "-S")
        for line in out.splitlines():
            if line.startswith("-N DCLOSS"):
                chain = line.split()[1]
                sh("ip", "netns", "exec", self.ns_b, "iptables", "-F", chain)
                sh("ip", "netns", "exec", self.ns_b, "iptables", "-X", chain)

    def loss_counters(self, port):
        """(packets seen, packets dropped) by the loss rules for ``port``."""
        out = sh("ip", "netns", "exec", self.ns_b, "iptables", "-L", "DCLOSS%d" % port, "-v", "-x", "-n")
        rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
        seen = int(rows[0][0])
        dropped = int(rows[1][0]) if len(rows) > 1 else 0
        return seen, dropped

    def rate_limit(self, rate="5mbit", side="a"):
        """tbf on the sending side's TUN (A's for uploads)."""
        ns, tun = (self.ns_a, self.tun_a) if side == "a" else (self.ns_b, self.tun_b)
        sh("ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", tun, "root", "tbf", "rate", rate,
           "burst", "32kbit", "latency", "50ms")

    # -- measuring agent and iperf3 side by side -----------------------------

    def start_iperf_server(self):
        """``iperf3 -s -1`` in B, returned once it listens (a client that
        comes too early on a busy machine fails with no result)."""
        previous = getattr(self, "_iperf_server", None)
        if previous is not None and previous.poll() is None:
            # The last one-off server may still be closing; a client that
            # found it listening would be refused.
            try:
                previous.wait(10)
            except subprocess.TimeoutExpired:
                previous.kill()
                previous.wait()
        proc = self.popen(self.ns_b, ["iperf3", "-s", "-1", "-J", "-B", self.addr_b, "-p", str(self.iperf_port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_listening(self.iperf_port)
        self._iperf_server = proc
        return proc

    def wait_listening(self, port, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = sh("ip", "netns", "exec", self.ns_b, "ss", "-Hltn", "sport = :%d" % port, check=False)
            if out.strip():
                return
            time.sleep(0.05)
        raise RuntimeError("nothing listens on TCP %d in %s" % (port, self.ns_b))

    def agent_check(self, seconds, extra=(), rtts_to=None):
        """Start ``diemcau-agent check --json`` in A; returns the process.

        With ``rtts_to`` (a path) the same check also writes each probe's RTT there (``check_rtts.py``).
        """
        head = ([sys.executable, "-m", "diemcau_agent", "--config", os.devnull] if rtts_to is None else
                [sys.executable, os.path.join(HERE, "check_rtts.py"), rtts_to])
        return self.popen(self.ns_a, head + ["check", "--reflector", "%s:%d" % (self.addr_b, self.stamp_port),
                                             "--seconds", str(seconds), "--json", "--no-send"] + list(extra),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ping(self, seconds, interval=0.02):
        """iputils ``ping`` from A to B over the same path, one echo every ``interval`` s (as the agent's
        probes); its RTTs come from kernel receive timestamps (SO_TIMESTAMP). Returns the process."""
        count = max(10, int(seconds / interval))
        return self.popen(self.ns_a, ["ping", "-n", "-i", "%g" % interval, "-c", str(count),
                                      "-w", str(int(seconds + 15)), "-W", "3", self.addr_b],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def iperf_client(self, seconds, pps=50, size=100):
        """iperf3 UDP at the agent's packet rate; ``timeout`` guards the
        3.12 hang when its first datagram is lost (QOS.md)."""
        rate = pps * size * 8
        return self.popen(self.ns_a, ["timeout", str(int(seconds + 20)), "iperf3", "-c", self.addr_b, "-p",
                                      str(self.iperf_port), "-u", "-b", str(rate), "-l", str(size), "-t",
                                      str(seconds), "--get-server-output", "-J"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def measure_together(self, seconds, with_iperf=True, with_ping=False):
        """Agent check and (optionally) iperf3 and ``ping`` over the same path at once.

        Returns ``{"agent": {...}, "iperf": {...} or None, "truth": {...}}``; with ``with_ping`` also
        ``"agent_rtts"`` (each probe's RTT, ms) and ``"ping_rtts"`` (each echo's RTT as ping printed it).
        """
        self.reset()
        iperf = ping = rtts_to = None
        if with_iperf and shutil.which("iperf3"):
            self.start_iperf_server()
            iperf = self.iperf_client(seconds)
        if with_ping:
            rtts_to = os.path.join("/tmp", "netlab-rtts-%d.json" % os.getpid())
            ping = self.ping(seconds)
        agent = self.agent_check(seconds, rtts_to=rtts_to)
        out, err = agent.communicate(timeout=seconds + 60)
        if agent.returncode not in (0, 1, 2, 3) or not out.strip():
            raise RuntimeError("agent check failed: %s" % err[-2000:])
        result = {"agent": json.loads(out), "iperf": None}
        if ping is not None:
            pout, _perr = ping.communicate(timeout=seconds + 60)
            result["ping_rtts"] = parse_ping(pout)
            with open(rtts_to) as fh:
                result["agent_rtts"] = json.load(fh)
            os.unlink(rtts_to)
        if iperf is not None:
            iout, ierr = iperf.communicate(timeout=seconds + 60)
            result["iperf"] = parse_iperf(iout)
            if result["iperf"] is None:
                result["iperf_error"] = (ierr or iout or "")[-500:]
        result["truth"] = self.truth()
        return result


def parse_iperf(text):
    """Jitter, loss and reordering as iperf3's *server* saw them."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    server = data.get("server_output_json") or {}
    end = (server.get("end") or {}).get("sum") or {}
    if not end:
        end = (data.get("end") or {}).get("sum") or {}
    if "jitter_ms" not in end:
        return None
    streams = (server.get("end") or {}).get("streams") or [{}]
    end = dict(end, out_of_order=(streams[0].get("udp") or {}).get("out_of_order"))
    return {"jitter_ms": end.get("jitter_ms"), "loss_pct": end.get("lost_percent"),
            "lost": end.get("lost_packets"), "packets": end.get("packets"),
            "out_of_order": end.get("out_of_order")}


def parse_ping(text):
    """The ``time=`` of each reply iputils ``ping`` printed, in ms (duplicates left out).

    ping rounds what it prints: to 1 µs below 1 ms, 10 µs below 10 ms, 0.1 ms below 100 ms and to
    whole milliseconds above; ``ping_resolution`` says which.
    """
    seen, out = set(), []
    for line in text.splitlines():
        if "time=" not in line or "DUP!" in line:
            continue
        seq = line.split("icmp_seq=")[1].split()[0] if "icmp_seq=" in line else len(out)
        if seq in seen:
            continue
        seen.add(seq)
        out.append(float(line.split("time=")[1].split()[0]))
    return out


def ping_resolution(value_ms):
    """The step iputils ``ping`` prints a round trip of ``value_ms`` with (see ``parse_ping``)."""
    if value_ms >= 99.95:
        return 1.0
    if value_ms >= 9.995:
        return 0.1
    if value_ms >= 1.0:
        return 0.01
    return 0.001


def count_reordered(seqs):
    highest = None
    reordered = 0
    for seq in seqs:
        if highest is not None and seq < highest:
            reordered += 1
        elif highest is None or seq > highest:
            highest = seq
    return reordered


def stamp_truth(truth):
    """Median relay-held RTT, realised forward jitter and reordering."""
    fwd = truth["fwd"]["flows"].get("stamp", {"holds_ms": {}, "order": []})
    back = truth["back"]["flows"].get("stamp", {"holds_ms": {}, "order": []})
    both = sorted(fwd["holds_ms"][k] + back["holds_ms"][k] for k in fwd["holds_ms"] if k in back["holds_ms"])
    median = None
    if both:
        mid = len(both) // 2
        median = both[mid] if len(both) % 2 else (both[mid - 1] + both[mid]) / 2.0
    holds = [fwd["holds_ms"][k] for k in sorted(fwd["holds_ms"], key=int)]
    diffs = [abs(b - a) for a, b in zip(holds, holds[1:])]
    return {"rtt_median_ms": median, "jitter_realised_ms": sum(diffs) / len(diffs) if diffs else None,
            "reordered_fwd": count_reordered([int(s) for s in fwd["order"]]),
            "duplicated": truth["back"]["duplicated"] + truth["fwd"]["duplicated"]}
