"""Rate-capped throughput test over TCP, on demand only.

The reflector can also listen on TCP (``reflect --throughput``). A client
asks for ``UP`` (it sends, the sink counts) or ``DOWN`` (the sink sends) for
a few seconds at a capped rate. TCP's handshake means nobody can aim this at
a spoofed victim, and the caps (rate, duration, one test per address, a few
at once) keep it from eating the platform's own bandwidth.
"""

import logging
import socket
import socketserver
import threading
import time

log = logging.getLogger("diemcau_agent.throughput")

CHUNK = 16384
HELLO = "DCTP1"


def _paced_send(sock, seconds, kbps):
    """Send zeros at ``kbps`` for ``seconds``; returns bytes sent.

    Chunks are about 20 ms of data and each leaves only when the budget
    (elapsed × rate) covers what was already sent, so the receiver sees the
    asked-for rate from its first read on, with no initial burst.
    """
    rate = kbps * 1000.0 / 8.0
    size = int(max(512, min(CHUNK, rate * 0.02)))
    chunk = bytes(size)
    start = time.perf_counter()
    sent = 0
    while True:
        now = time.perf_counter()
        if now - start >= seconds:
            break
        allowed = (now - start) * rate
        if sent > allowed:
            time.sleep(min(0.01, (sent - allowed) / rate))
            continue
        sock.sendall(chunk)
        sent += size
    return sent


def _receive_all(sock, limit_s):
    """Read until EOF; returns (bytes after the first read, seconds from the
    first read to the last): the first read only starts the clock."""
    total = 0
    first = last = None
    deadline = time.perf_counter() + limit_s
    sock.settimeout(2.0)
    while time.perf_counter() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        last = time.perf_counter()
        if first is None:
            first = last
            continue
        total += len(data)
    return total, (last - first) if first is not None and last > first else 0.0


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        ip = self.client_address[0]
        with server.lock:
            if ip in server.busy or len(server.busy) >= server.max_parallel:
                self.wfile.write(b"BUSY\n")
                return
            server.busy.add(ip)
        try:
            self.connection.settimeout(5.0)
            line = self.rfile.readline(100).decode("ascii", "replace").split()
            if len(line) != 4 or line[0] != HELLO or line[1] not in ("UP", "DOWN"):
                self.wfile.write(b"ERR\n")
                return
            seconds = min(float(line[2]), server.max_seconds)
            kbps = min(float(line[3]), server.max_kbps)
            if line[1] == "UP":
                total, elapsed = _receive_all(self.connection, seconds + 5.0)
                self.wfile.write(("OK %d %d\n" % (total, int(elapsed * 1e6))).encode("ascii"))
            else:
                self.wfile.write(("OK %g %g\n" % (seconds, kbps)).encode("ascii"))
                _paced_send(self.connection, seconds, kbps)
        except (OSError, ValueError) as exc:
            log.info("throughput test from %s ended: %s", ip, exc)
        finally:
            with server.lock:
                server.busy.discard(ip)


class ThroughputSink(socketserver.ThreadingTCPServer):
    """TCP endpoint for the throughput test, with per-address caps."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host, port, max_kbps=20000.0, max_seconds=10.0, max_parallel=4):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.address_family = family
        socketserver.ThreadingTCPServer.__init__(self, (host, port), _Handler)
        self.max_kbps = max_kbps
        self.max_seconds = max_seconds
        self.max_parallel = max_parallel
        self.busy = set()
        self.lock = threading.Lock()


def measure(host, port, direction="up", seconds=5.0, kbps=5000.0, timeout=10.0):
    """Run one test against a sink; returns a result dict (kbit/s measured)."""
    result = {"direction": direction, "requested_kbps": kbps, "seconds": seconds, "ok": False,
              "kbps": None, "bytes": None, "error": None}
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        result["error"] = str(exc)
        return result
    try:
        sock.sendall(("%s %s %g %g\n" % (HELLO, direction.upper(), seconds, kbps)).encode("ascii"))
        if direction == "up":
            _paced_send(sock, seconds, kbps)
            sock.shutdown(socket.SHUT_WR)
            reply = sock.makefile("rb").readline(100).decode("ascii", "replace").split()
            if len(reply) != 3 or reply[0] != "OK":
                result["error"] = " ".join(reply) or "no answer"
                return result
            total, micros = int(reply[1]), int(reply[2])
        else:
            reader = sock.makefile("rb")
            reply = reader.readline(100).decode("ascii", "replace").split()
            if not reply or reply[0] != "OK":
                result["error"] = " ".join(reply) or "no answer"
                return result
            total = 0
            first = last = None
            while True:
                data = reader.read1(65536) if hasattr(reader, "read1") else reader.read(65536)
                if not data:
                    break
                last = time.perf_counter()
                if first is None:
                    first = last  # the first read starts the clock
                    continue
                total += len(data)
            micros = int((last - first) * 1e6) if first and last > first else 0
    except OSError as exc:
        result["error"] = str(exc)
        return result
    finally:
        sock.close()
    result["bytes"] = total
    if micros > 0:
        result["kbps"] = round(total * 8.0 / (micros / 1e6) / 1000.0, 1)
        result["ok"] = True
    return result
