"""Send a STAMP packet train to a reflector and collect the replies."""

import random
import select
import socket
import time

from diemcau_agent import packet, stats


class ProbeError(Exception):
    """The train could not be sent at all (no route, bad address, …)."""


def resolve(host, port):
    """Resolve ``host`` to one UDP socket address; raises ``ProbeError``."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeError("không phân giải được tên %s: %s" % (host, exc))
    family, _type, _proto, _name, address = infos[0]
    return family, address


def run_train(host, port, count=50, interval=0.02, grace=2.0, size=packet.PACKET_SIZE, dscp=0):
    """Send ``count`` packets ``interval`` s apart; return ``stats.summarize`` output.

    Replies arriving later than ``grace`` s after the last packet left count
    as lost, as they would be for any real-time stream. Each train uses a
    fresh socket so a late reply from an earlier train cannot be mistaken
    for one of ours, and starts at a random sequence number so that a
    stateful reflector's own numbering tells forward from backward loss.
    """
    family, address = resolve(host, port)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        if dscp and family == socket.AF_INET:
            try:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, dscp << 2)
            except OSError:
                pass  # Windows may refuse or ignore it without QoS policy; marking is a courtesy

        sock.setblocking(False)
        try:
            sock.connect(address)
        except OSError as exc:
            raise ProbeError("không mở được kết nối tới %s:%s: %s" % (host, port, exc))
        samples, sent = _exchange(sock, count, interval, grace, size)
    finally:
        sock.close()
    result = stats.summarize(samples, sent)
    result.update({"reflector": "%s:%s" % (host, port), "interval_ms": interval * 1000.0, "size": size})
    return result


def _wait_after(samples, grace):
    """How long to wait for stragglers after the last packet.

    Four times the slowest round trip seen so far, at least 0.25 s and at
    most ``grace``: a reply later than that is lost for any real-time use,
    and a fast link need not keep ``check`` waiting for seconds.
    """
    if not samples:
        return grace
    slowest = max(s.t4 for s in samples)
    return min(grace, max(0.25, 4.0 * slowest))


def _exchange(sock, count, interval, grace, size):
    clock = packet.Clock()
    base = random.randrange(0, 1 << 30)
    pending = {}
    samples = []
    buf = bytearray(2048)
    start = time.perf_counter()
    next_send = start
    sent = 0
    deadline = None
    while True:
        now = time.perf_counter()
        if sent < count and now >= next_send:
            seq = base + sent
            t1 = clock.ntp_now()
            data = packet.pack_sender(seq, t1)
            if size > len(data):
                data += bytes(size - len(data))
            try:
                sock.send(data)
            except OSError:
                # A refused or unreachable send is a lost packet, as on the
                # wire; the train goes on.
                pass
            pending[seq] = t1
            sent += 1
            next_send = start + sent * interval
            if sent == count:
                deadline = time.perf_counter() + _wait_after(samples, grace)
            continue
        wake = next_send if sent < count else deadline
        timeout = max(0.0, wake - time.perf_counter())
        ready, _, _ = select.select([sock], [], [], timeout)
        if ready:
            while True:
                try:
                    n = sock.recv_into(buf)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    # ICMP port unreachable and the like arrive as errors on
                    # a connected UDP socket; the packet is simply lost.
                    break
                t4 = clock.ntp_now()
                try:
                    reply = packet.unpack_reflector(buf[:n])
                except ValueError:
                    continue
                t1 = pending.get(reply.seq)
                if t1 is None or t1 != reply.t1:
                    continue  # not ours (or tampered with)
                samples.append(stats.Sample(
                    reply.seq,
                    0.0,
                    packet.ntp_diff(reply.t2, t1),
                    packet.ntp_diff(reply.t3, t1),
                    packet.ntp_diff(t4, t1),
                    reply.reflector_seq,
                ))
        if sent == count and time.perf_counter() >= deadline:
            break
    # Times are kept relative to each packet's own T1 (exact integer NTP
    # differences); shift them onto one axis so differences between packets
    # (jitter, arrival order) work as if absolute.
    firsts = {}
    for seq, t1 in pending.items():
        firsts[seq] = packet.ntp_diff(t1, pending[base])
    for s in samples:
        off = firsts[s.seq]
        s.t1 += off
        s.t2 += off
        s.t3 += off
        s.t4 += off
    return samples, sent
