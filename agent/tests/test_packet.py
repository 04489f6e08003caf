"""STAMP packet layout and NTP timestamps."""

import struct

from diemcau_agent import packet


def test_ntp_round_trip_keeps_sub_microsecond_resolution():
    t = 1_764_000_000.123456789
    assert abs(packet.from_ntp(packet.to_ntp(t)) - t) < 1e-6
    a, b = packet.to_ntp(t), packet.to_ntp(t + 0.000250)
    assert abs(packet.ntp_diff(b, a) - 0.000250) < 1e-6


def test_clock_differences_resolve_microseconds():
    import time
    clock = packet.Clock()
    a = clock.ntp_now()
    start = time.perf_counter()
    while time.perf_counter() - start < 0.002:
        pass
    b = clock.ntp_now()
    assert packet.ntp_diff(b, a) >= 0.002
    # The smallest step between consecutive reads shows the resolution;
    # the minimum over many is immune to the process being descheduled.
    reads = [clock.ntp_now() for _ in range(2000)]
    steps = [packet.ntp_diff(y, x) for x, y in zip(reads, reads[1:])]
    assert min(steps) >= 0
    assert min(s for s in steps if s > 0) < 10e-6


def test_sender_packet_is_44_octets_with_rfc8762_fields():
    data = packet.pack_sender(7, 0x0102030405060708, ssid=9)
    assert len(data) == 44
    seq, ts, err, ssid = struct.unpack_from("!IQHH", data)
    assert (seq, ts, ssid) == (7, 0x0102030405060708, 9)
    assert err & 0xFF != 0, "RFC 4656: error-estimate multiplier must not be zero"
    assert data[16:] == bytes(28)


def test_reflector_packet_fields_sit_at_rfc8762_offsets():
    sender = packet.pack_sender(42, 111, ssid=3)
    reply = packet.pack_reflector(5, 333, 222, sender, ttl=61)
    assert len(reply) == 44
    assert struct.unpack_from("!I", reply, 0)[0] == 5
    assert struct.unpack_from("!Q", reply, 4)[0] == 333
    assert struct.unpack_from("!H", reply, 14)[0] == 3
    assert struct.unpack_from("!Q", reply, 16)[0] == 222
    assert struct.unpack_from("!I", reply, 24)[0] == 42
    assert struct.unpack_from("!Q", reply, 28)[0] == 111
    assert reply[40] == 61
    decoded = packet.unpack_reflector(reply)
    assert (decoded.seq, decoded.t1, decoded.t2, decoded.t3, decoded.reflector_seq, decoded.ttl) == (
        42, 111, 222, 333, 5, 61)


def test_reply_to_a_padded_request_has_the_same_length():
    sender = packet.pack_sender(1, 1) + bytes(100)
    assert len(packet.pack_reflector(0, 0, 0, sender, 64, len(sender))) == len(sender)


def test_clock_reads_utc_wall_time():
    import time
    assert abs(packet.Clock().now() - time.time()) < 0.01
