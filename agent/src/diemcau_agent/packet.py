"""STAMP (RFC 8762) / TWAMP-Light (RFC 5357 appendix I) test packets.

Unauthenticated mode only. Both packets are 44 octets so that the reflected
packet is never larger than the one that caused it (no amplification):

Session-Sender packet::

    0  sequence number          (4)
    4  timestamp T1, NTP format (8)
    12 error estimate           (2)
    14 SSID                     (2)
    16 MBZ                      (28)

Session-Reflector packet::

    0  sequence number          (4)
    4  timestamp T3             (8)
    12 error estimate           (2)
    14 SSID                     (2)
    16 receive timestamp T2     (8)
    24 session-sender sequence  (4)
    28 session-sender timestamp (8)
    36 session-sender err. est. (2)
    38 MBZ                      (2)
    40 session-sender TTL       (1)
    41 MBZ                      (3)
"""

import struct
import time

PACKET_SIZE = 44
NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01

# S=0 (clock not known to be synchronised), Z=0, scale 0, multiplier 1:
# RFC 4656 forbids a zero multiplier.
ERROR_ESTIMATE_UNSYNC = 0x0001

_SENDER = struct.Struct("!IQHH")
_REFLECTOR = struct.Struct("!IQHHQIQHHB3x")
assert _REFLECTOR.size == PACKET_SIZE


class Clock:
    """Wall-clock time with the resolution of ``perf_counter``.

    ``time.time()`` ticks every 15.6 ms on older Windows Pythons, which would
    swamp a 1 ms accuracy target; anchoring ``perf_counter`` to the wall clock
    once per measurement gives sub-microsecond steps that still read as UTC.
    """

    def __init__(self):
        self.rebase()

    def rebase(self):
        """Re-read the wall clock (call between measurements, not during)."""
        self._wall = time.time()
        self._perf = time.perf_counter()
        self._ntp = to_ntp(self._wall)

    def now(self):
        """Seconds since the Unix epoch, as a float."""
        return self._wall + (time.perf_counter() - self._perf)

    def ntp_now(self):
        """The current time as a 64-bit NTP timestamp.

        The offset from the anchor is added in integer NTP units: a float
        holding seconds since 1900 keeps only ~0.5 µs of resolution.
        """
        delta = int((time.perf_counter() - self._perf) * 4294967296.0)
        return (self._ntp + delta) & 0xFFFFFFFFFFFFFFFF


def to_ntp(unix_seconds):
    """Convert Unix seconds (float) to a 64-bit NTP timestamp."""
    ntp = unix_seconds + NTP_EPOCH_OFFSET
    seconds = int(ntp)
    fraction = int((ntp - seconds) * 4294967296.0)
    return ((seconds & 0xFFFFFFFF) << 32) | (fraction & 0xFFFFFFFF)


def from_ntp(ntp):
    """Convert a 64-bit NTP timestamp to Unix seconds (float)."""
    return (ntp >> 32) - NTP_EPOCH_OFFSET + (ntp & 0xFFFFFFFF) / 4294967296.0


def ntp_diff(later, earlier):
    """``later - earlier`` in seconds, for two NTP timestamps of one clock.

    Done in integer arithmetic first so the difference keeps full resolution
    (a float holding a whole NTP timestamp loses the sub-microsecond part).
    """
    return (later - earlier) / 4294967296.0


def pack_sender(seq, t1_ntp, ssid=0):
    """Build a 44-octet Session-Sender packet."""
    return _SENDER.pack(seq & 0xFFFFFFFF, t1_ntp, ERROR_ESTIMATE_UNSYNC, ssid) + bytes(PACKET_SIZE - _SENDER.size)


def unpack_sender(data):
    """Return (seq, t1_ntp, error_estimate, ssid) from a sender packet."""
    return _SENDER.unpack_from(data)


def pack_reflector(seq, t3_ntp, t2_ntp, sender, ttl, length=PACKET_SIZE):
    """Build a reflector packet answering ``sender`` (the raw request bytes).

    The reply has the same ``length`` as the request (RFC 8762 §4.3), so any
    padding the sender added comes back as zeros, never as more data.
    """
    s_seq, s_t1, s_err, ssid = _SENDER.unpack_from(sender)
    head = _REFLECTOR.pack(seq & 0xFFFFFFFF, t3_ntp, ERROR_ESTIMATE_UNSYNC, ssid, t2_ntp, s_seq, s_t1, s_err, 0, ttl & 0xFF)
    if length > PACKET_SIZE:
        return head + bytes(length - PACKET_SIZE)
    return head


class Reply:
    """A decoded reflector packet."""

    __slots__ = ("reflector_seq", "t3", "ssid", "t2", "seq", "t1", "ttl")

    def __init__(self, reflector_seq, t3, ssid, t2, seq, t1, ttl):
        self.reflector_seq = reflector_seq
        self.t3 = t3
        self.ssid = ssid
        self.t2 = t2
        self.seq = seq
        self.t1 = t1
        self.ttl = ttl


def unpack_reflector(data):
    """Decode a reflector packet; raises ``ValueError`` if it is too short."""
    if len(data) < PACKET_SIZE:
        raise ValueError("reflector packet shorter than 44 octets")
    r_seq, t3, _err, ssid, t2, s_seq, s_t1, _s_err, _mbz, ttl = _REFLECTOR.unpack_from(data)
    return Reply(r_seq, t3, ssid, t2, s_seq, s_t1, ttl)
