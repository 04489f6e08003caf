"""The reflector under bad input: ignored, counted, never a crash."""

import os
import random
import socket
import struct
import time

from diemcau_agent import packet, probe
from diemcau_agent.reflector import Reflector


def exchange(refl, data, wait=0.3):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(wait)
    sock.sendto(data, ("127.0.0.1", refl.port))
    try:
        return sock.recv(4096)
    except socket.timeout:
        return None
    finally:
        sock.close()


def test_it_reflects_a_stamp_packet_with_t2_t3_and_same_length(reflector):
    request = packet.pack_sender(123, packet.Clock().ntp_now())
    reply = exchange(reflector, request)
    assert reply is not None and len(reply) == len(request)
    decoded = packet.unpack_reflector(reply)
    assert decoded.seq == 123
    assert decoded.t3 >= decoded.t2 > 0


def test_padded_request_gets_a_reply_of_the_same_size_never_larger(reflector):
    request = packet.pack_sender(1, 1) + b"\xff" * 200
    reply = exchange(reflector, request)
    assert len(reply) == len(request)
    assert reply[44:] == bytes(200), "padding comes back zeroed, not echoed"


def test_truncated_malformed_oversized_are_ignored_and_counted(reflector):
    assert exchange(reflector, b"", 0.1) is None
    assert exchange(reflector, b"\x00" * 14, 0.1) is None          # TWAMP-Light minimum: would amplify
    assert exchange(reflector, packet.pack_sender(1, 1)[:43], 0.1) is None
    bad = bytearray(packet.pack_sender(1, 1))
    bad[13] = 0                                                     # zero error-estimate multiplier
    assert exchange(reflector, bytes(bad), 0.1) is None
    assert exchange(reflector, packet.pack_sender(1, 1) + bytes(1500), 0.1) is None
    c = reflector.counters
    assert c["truncated"] == 3 and c["malformed"] == 1 and c["oversized"] == 1 and c["reflected"] == 0


def test_random_garbage_never_crashes_it(reflector):
    rng = random.Random(7)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(2000):
        sock.sendto(os.urandom(rng.randrange(0, 1600)), ("127.0.0.1", reflector.port))
        if i % 100 == 99:
            # Let it keep up: a full socket buffer would drop datagrams
            # before the reflector ever saw them, and the count would be off.
            deadline = time.time() + 5
            while reflector.counters["received"] < i + 1 and time.time() < deadline:
                time.sleep(0.005)
    sock.close()
    deadline = time.time() + 5
    while reflector.counters["received"] < 2000 and time.time() < deadline:
        time.sleep(0.01)
    assert reflector.thread.is_alive()
    c = reflector.counters
    assert c["received"] == 2000
    ignored = c["truncated"] + c["oversized"] + c["malformed"] + c["spoofed"] + c["rate_limited"]
    assert c["reflected"] + ignored == 2000
    # and it still answers properly afterwards
    assert probe.run_train("127.0.0.1", reflector.port, count=5, interval=0.001, grace=0.3)["received"] == 5


class FakeSocket:
    """Stands in for the UDP socket so addresses can be anything."""

    def __init__(self):
        self.sent = []

    def sendto(self, data, addr):
        self.sent.append((len(data), addr))

    def close(self):
        pass


def offline(**kwargs):
    refl = Reflector(host="127.0.0.1", port=0, **kwargs)
    refl.sock = FakeSocket()
    return refl


def test_spoofed_sources_get_nothing():
    refl = offline()
    view = memoryview(bytearray(packet.pack_sender(1, 1)))
    sent = refl.sock.sent
    clock = packet.Clock()
    for addr in [("127.0.0.1", 53), ("127.0.0.1", 862), ("127.0.0.1", 123), ("127.0.0.1", 0),
                 ("127.0.0.1", refl.port), ("0.0.0.0", 40000), ("224.0.0.1", 40000),
                 ("255.255.255.255", 40000), ("not-an-ip", 40000)]:
        assert refl.handle(view, 44, addr, 0, (), clock) is False
    assert refl.counters["spoofed"] == 9 and not sent
    assert refl.handle(view, 44, ("127.0.0.1", 40000), 0, (), clock) is True


def test_per_source_rate_limit_caps_what_one_address_receives():
    refl = offline(rate_pps=10, burst=20)
    view = memoryview(bytearray(packet.pack_sender(1, 1)))
    clock = packet.Clock()
    start = time.monotonic()
    answered = sum(refl.handle(view, 44, ("192.0.2.7", 40000 + i % 50), 0, (), clock) for i in range(1000))
    elapsed = time.monotonic() - start
    assert 20 <= answered <= 20 + 10 * elapsed + 1  # the burst, plus what refilled meanwhile
    assert refl.counters["rate_limited"] == 1000 - answered
    # another address is not affected by the first one's flood
    assert refl.handle(view, 44, ("192.0.2.8", 40000), 0, (), clock)


def test_source_table_is_bounded():
    refl = offline(max_sources=100)
    view = memoryview(bytearray(packet.pack_sender(1, 1)))
    clock = packet.Clock()
    for i in range(300):
        refl.handle(view, 44, ("10.%d.%d.1" % (i // 250, i % 250), 40000), 0, (), clock)
    assert len(refl._buckets) == 100
    assert refl.counters["table_full"] == 200


def test_stateful_sequence_numbers_count_per_session(reflector):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1)
    seqs = []
    for s in (500, 501, 503):
        sock.sendto(packet.pack_sender(s, 1), ("127.0.0.1", reflector.port))
        seqs.append(struct.unpack_from("!I", sock.recv(100))[0])
    sock.close()
    assert seqs == [0, 1, 2]


def test_ipv6_works_where_the_host_has_it():
    import pytest
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        refl = Reflector(host="::1", port=0)
    except OSError as exc:
        pytest.skip("no IPv6 loopback here: %s" % exc)
    import threading
    thread = threading.Thread(target=refl.serve_forever, daemon=True)
    thread.start()
    try:
        out = probe.run_train("::1", refl.port, count=10, interval=0.002, grace=0.5)
    finally:
        refl.stop()
        thread.join(2)
    assert out["received"] == 10 and out["loss_pct"] == 0.0
