"""A TUN relay that impairs the link between two network namespaces.

netem is not in this kernel, so delay, jitter, reordering, duplication and
outages come from here: the relay owns one TUN device per side, reads each
IP packet and writes it to the other side after ``delay ± jitter`` (uniform),
so packets overtake each other exactly as they do on a real link that
reorders. It also records the truth the accuracy tests compare against: for
probe packets (STAMP) and iperf3 datagrams it knows the sequence number, the
time each packet really spent in the relay, what it dropped and the order it
delivered in.

Run as ``python tunrelay.py TUN_A TUN_B STAMP_PORT IPERF_PORT``. It creates the
devices, prints ``ready`` and then reads JSON commands on stdin, one a line:

    {"set": {"fwd": {"delay_ms": 20, "jitter_ms": 15}, "back": {...}}}
    {"down": true} / {"down": false}
    {"stats": true}  → one JSON line on stdout
    {"reset": true}
"""

import asyncio
import fcntl
import json
import os
import random
import selectors
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Direction:
    """Impairment settings and truth records for one direction."""

    def __init__(self):
        self.delay_ms = 0.0
        self.jitter_ms = 0.0
        self.loss = 0.0
        self.dup = 0.0
        self.reset()

    def reset(self):
        self.read = 0
        self.bytes = 0
        self.written = 0
        self.dropped = 0
        self.duplicated = 0
        self.flows = {}

    def flow(self, name):
        if name not in self.flows:
            self.flows[name] = {"holds_ms": {}, "order": [], "dropped": [], "late_ms": []}
        return self.flows[name]


class Relay:
    def __init__(self, fd_a, fd_b, stamp_port, iperf_port):
        self.fd = {"fwd": (fd_a, fd_b), "back": (fd_b, fd_a)}
        self.dirs = {"fwd": Direction(), "back": Direction()}
        self.stamp_port = stamp_port
        self.iperf_port = iperf_port
        self.down = False
        self.down_log = []
        self.pending = b""
        self.loop = asyncio.get_event_loop()

    def classify(self, data, direction):
        """(flow name, sequence) for probe and iperf3 datagrams, else (None, None)."""
        if len(data) < 28 or data[0] >> 4 != 4 or data[9] != 17:
            return None, None
        ihl = (data[0] & 0x0F) * 4
        sport, dport = struct.unpack_from("!HH", data, ihl)
        payload = ihl + 8
        if direction == "fwd" and dport == self.stamp_port and len(data) >= payload + 4:
            return "stamp", struct.unpack_from("!I", data, payload)[0]
        if direction == "back" and sport == self.stamp_port and len(data) >= payload + 28:
            return "stamp", struct.unpack_from("!I", data, payload + 24)[0]
        if direction == "fwd" and dport == self.iperf_port and len(data) >= payload + 12:
            return "iperf", struct.unpack_from("!I", data, payload + 8)[0]
        return None, None

    def on_readable(self, direction):
        src, _dst = self.fd[direction]
        d = self.dirs[direction]
        while True:
            try:
                data = os.read(src, 65536)
            except BlockingIOError:
                return
            now = self.loop.time()
            d.read += 1
            d.bytes += len(data)
            name, seq = self.classify(data, direction)
            if self.down or (d.loss and random.random() < d.loss):
                d.dropped += 1
                if name:
                    d.flow(name)["dropped"].append(seq)
                continue
            copies = 2 if d.dup and random.random() < d.dup else 1
            d.duplicated += copies - 1
            for _ in range(copies):
                hold = d.delay_ms + (random.uniform(-d.jitter_ms, d.jitter_ms) if d.jitter_ms else 0.0)
                due = now + max(0.0, hold) / 1000.0
                self.loop.call_at(due, self.deliver, direction, data, now, due, name, seq)

    def deliver(self, direction, data, read_at, due, name, seq):
        _src, dst = self.fd[direction]
        d = self.dirs[direction]
        try:
            os.write(dst, data)
        except OSError:
            d.dropped += 1
            return
        done = self.loop.time()
        d.written += 1
        if name:
            flow = d.flow(name)
            # The truth is the time the packet really spent here, including
            # the scheduler's lateness, not the delay we asked for.
            flow["holds_ms"][seq] = (done - read_at) * 1000.0
            flow["order"].append(seq)
            flow["late_ms"].append((done - due) * 1000.0)

    def command(self, line):
        msg = json.loads(line)
        if "set" in msg:
            for direction, values in msg["set"].items():
                for key, value in values.items():
                    setattr(self.dirs[direction], key, float(value))
        if "down" in msg:
            self.down = bool(msg["down"])
            self.down_log.append((time.time(), self.down))
        if msg.get("reset"):
            for d in self.dirs.values():
                d.reset()
            self.down_log = []
        if msg.get("stats"):
            out = {"down_log": self.down_log}
            for name, d in self.dirs.items():
                out[name] = {"read": d.read, "bytes": d.bytes, "written": d.written, "dropped": d.dropped,
                             "duplicated": d.duplicated, "flows": d.flows}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()

    def on_stdin(self):
        # Raw reads: a buffered readline could swallow two commands while
        # the reader callback fires for only one.
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            self.loop.stop()
            return
        self.pending += chunk
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            if line.strip():
                self.command(line.decode())


def main():
    tun_a, tun_b, stamp_port, iperf_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    # select() takes microsecond timeouts where epoll rounds up to whole
    # milliseconds: that rounding alone would add ~0.5 ms to every delay.
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    asyncio.set_event_loop(loop)
    fd_a, fd_b = open_tun(tun_a), open_tun(tun_b)
    relay = Relay(fd_a, fd_b, stamp_port, iperf_port)
    loop.add_reader(fd_a, relay.on_readable, "fwd")
    loop.add_reader(fd_b, relay.on_readable, "back")
    loop.add_reader(sys.stdin.fileno(), relay.on_stdin)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    loop.run_forever()


if __name__ == "__main__":
    main()
