"""The STAMP / TWAMP-Light reflector (``diemcau-agent reflect``).

One process, one UDP socket, one thread: a blocking receive loop is the
fastest thing plain Python can do and it serves thousands of sites (see
``bench/agent_reflector_pps.py``). Every datagram is either reflected or
counted under the reason it was not; nothing a peer sends can raise.

Abuse resistance (RFC 8762 §6):

* the reply is exactly as long as the request, and requests shorter than a
  STAMP packet are ignored, so the reflector never amplifies;
* a token bucket per source address caps what any one address (or a victim
  whose address is spoofed) can receive;
* sources that cannot be genuine (port 0, well-known UDP service ports such as
  another reflector's 862, broadcast/multicast/unspecified addresses) are
  dropped, which also stops two reflectors from ping-ponging forever.
"""

import ipaddress
import logging
import socket
import sys
import threading
import time

from diemcau_agent import packet

log = logging.getLogger("diemcau_agent.reflector")

# Source ports of UDP services a spoofed request would aim replies at.
SUSPECT_SOURCE_PORTS = frozenset([0, 7, 9, 13, 17, 19, 37, 53, 67, 68, 69, 111, 123, 137, 138, 161, 162, 389,
                                  500, 520, 862, 863, 1900, 3478, 4500, 5060, 5353, 11211])

COUNTERS = ("received", "reflected", "truncated", "oversized", "malformed", "spoofed", "rate_limited",
            "table_full", "send_errors")


class TokenBucket:
    """Packets-per-second limit for one source address."""

    __slots__ = ("tokens", "stamp")

    def __init__(self, burst, now):
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now, rate, burst):
        """Spend one token if there is one; refill by elapsed time first."""
        tokens = self.tokens + (now - self.stamp) * rate
        if tokens > burst:
            tokens = burst
        self.stamp = now
        if tokens < 1.0:
            self.tokens = tokens
            return False
        self.tokens = tokens - 1.0
        return True


def source_is_suspect(address, port, own_port):
    """True when no genuine session-sender could have this source."""
    if port in SUSPECT_SOURCE_PORTS or port == own_port:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if ip.is_multicast or ip.is_unspecified:
        return True
    return ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255")


class Reflector:
    """A UDP reflector with counters and per-source rate limits.

    ``rate_pps``/``burst`` bound what one source address can get back
    (500 pps lets ten sites behind one NAT address run their 50 pps
    pre-meeting check at once; with ``max_size`` 512 octets that is at most
    2 Mbit/s towards any address, never more than was sent);
    ``max_sources`` bounds memory when a flood comes from random spoofed
    addresses (new sources beyond it are refused until idle ones expire).
    """

    def __init__(self, host="0.0.0.0", port=862, rate_pps=500.0, burst=1000, max_size=512,
                 max_sources=65536, idle_expiry=120.0, want_ttl=True):
        self.host = host
        self.port = port
        self.rate_pps = float(rate_pps)
        self.burst = float(burst)
        self.max_size = int(max_size)
        self.max_sources = int(max_sources)
        self.idle_expiry = float(idle_expiry)
        self.counters = dict.fromkeys(COUNTERS, 0)
        self._buckets = {}
        self._sessions = {}
        self._suspect = {}
        self._stop = threading.Event()
        self.sock = self._open_socket(want_ttl)
        self.port = self.sock.getsockname()[1]

    def _open_socket(self, want_ttl):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            # Bursts from many sites arrive together; a larger buffer turns
            # a momentary backlog into latency instead of loss.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        except OSError:
            pass
        sock.bind((self.host, self.port))
        sock.settimeout(0.25)
        self._ttl_level = None
        if want_ttl and sys.platform.startswith("linux"):
            if family == socket.AF_INET and hasattr(socket, "IP_RECVTTL"):
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTTL, 1)
                self._ttl_level = (socket.IPPROTO_IP, socket.IP_TTL)
            elif family == socket.AF_INET6 and hasattr(socket, "IPV6_RECVHOPLIMIT"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
                self._ttl_level = (socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT)
        return sock

    def stop(self):
        """Ask ``serve_forever`` to return (within a quarter second)."""
        self._stop.set()

    def serve_forever(self, stats_every=300.0):
        """Reflect until ``stop()``; logs the counters every ``stats_every`` s."""
        log.info("reflector listening on %s:%d", self.host, self.port)
        clock = packet.Clock()
        sock = self.sock
        buf = bytearray(self.max_size + 1)
        view = memoryview(buf)
        next_sweep = time.monotonic() + 10.0
        next_stats = time.monotonic() + stats_every
        use_msg = self._ttl_level is not None
        while not self._stop.is_set():
            try:
                if use_msg:
                    n, ancdata, _flags, addr = sock.recvmsg_into([buf], 64)
                else:
                    n, addr = sock.recvfrom_into(buf)
                    ancdata = ()
            except socket.timeout:
                n = -1
            except OSError as exc:
                # Windows reports a datagram larger than the buffer as an
                # error (WSAEMSGSIZE) where Linux truncates it; and an ICMP
                # port-unreachable for an earlier reply as an error on the
                # next receive, which is not ours to fix.
                if getattr(exc, "winerror", None) == 10040:
                    self.counters["received"] += 1
                    self.counters["oversized"] += 1
                n = -1
            if n >= 0:
                t2 = clock.ntp_now()
                self.handle(view, n, addr, t2, ancdata, clock)
            now = time.monotonic()
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + 10.0
                clock.rebase()
            if now >= next_stats:
                log.info("reflector counters %s", self.counters)
                next_stats = now + stats_every
        self.sock.close()

    def handle(self, view, n, addr, t2, ancdata=(), clock=None):
        """Judge one datagram and reflect it if it deserves an answer."""
        counters = self.counters
        counters["received"] += 1
        if n > self.max_size:
            counters["oversized"] += 1
            return False
        if n < packet.PACKET_SIZE:
            counters["truncated"] += 1
            return False
        # RFC 4656 forbids a zero error-estimate multiplier: a packet with
        # one is not a session-sender packet, whatever else it is.
        if view[13] == 0:
            counters["malformed"] += 1
            return False
        host, port = addr[0], addr[1]
        suspect = self._suspect.get(host)
        if suspect is None:
            suspect = source_is_suspect(host, 1024, self.port)
            self._suspect[host] = suspect
        if suspect or port in SUSPECT_SOURCE_PORTS or port == self.port:
            counters["spoofed"] += 1
            return False
        now = time.monotonic()
        bucket = self._buckets.get(host)
        if bucket is None:
            if len(self._buckets) >= self.max_sources:
                counters["table_full"] += 1
                return False
            bucket = self._buckets[host] = TokenBucket(self.burst, now)
        if not bucket.take(now, self.rate_pps, self.burst):
            counters["rate_limited"] += 1
            return False
        key = (host, port)
        session = self._sessions.get(key)
        if session is None:
            session = [0, now]
            self._sessions[key] = session
        rseq = session[0]
        session[0] = rseq + 1
        session[1] = now
        ttl = 255
        for level, kind, data in ancdata:
            if (level, kind) == self._ttl_level and len(data) >= 1:
                ttl = int.from_bytes(data[:4], sys.byteorder) if len(data) >= 4 else data[0]
        t3 = (clock or packet.Clock()).ntp_now()
        reply = packet.pack_reflector(rseq, t3, t2, view[:packet.PACKET_SIZE], ttl, n)
        try:
            self.sock.sendto(reply, addr)
        except OSError:
            counters["send_errors"] += 1
            return False
        counters["reflected"] += 1
        return True

    def _sweep(self, now):
        """Forget sources idle longer than ``idle_expiry`` (bounds memory)."""
        horizon = now - self.idle_expiry
        self._buckets = {k: b for k, b in self._buckets.items() if b.stamp >= horizon}
        self._sessions = {k: s for k, s in self._sessions.items() if s[1] >= horizon}
        if len(self._suspect) > self.max_sources:
            self._suspect.clear()


def serve_in_thread(**kwargs):
    """Start a reflector on a daemon thread; returns it (tests, ``check``)."""
    reflector = Reflector(**kwargs)
    thread = threading.Thread(target=reflector.serve_forever, name="reflector", daemon=True)
    thread.start()
    reflector.thread = thread
    return reflector
