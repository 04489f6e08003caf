"""Figures from one packet train: RTT, jitter, loss, reordering, duplicates.

Input is a list of :class:`Sample` (one per reply received, duplicates
included, in arrival order) and the number of packets sent. Times are
seconds (floats) on the clock that produced them; only differences of the
same clock are ever taken, or differences of differences (jitter), in which
a constant offset between the two ends cancels.
"""

import math


class Sample:
    """One reply: sender sequence and the four timestamps, in seconds.

    ``t1``/``t4`` are on the sender's clock, ``t2``/``t3`` on the
    reflector's; ``rseq`` is the reflector's own sequence number.
    """

    __slots__ = ("seq", "t1", "t2", "t3", "t4", "rseq")

    def __init__(self, seq, t1, t2, t3, t4, rseq=None):
        self.seq = seq
        self.t1 = t1
        self.t2 = t2
        self.t3 = t3
        self.t4 = t4
        self.rseq = rseq

    @property
    def rtt(self):
        """(T4 − T1) − (T3 − T2): round trip minus the reflector's own delay."""
        return (self.t4 - self.t1) - (self.t3 - self.t2)


def percentile(sorted_values, q):
    """Linear-interpolated percentile (0 ≤ q ≤ 100) of a sorted list."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q / 100.0
    low = int(math.floor(pos))
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def rfc3550_jitter(transits):
    """RFC 3550 §6.4.1 estimator over ``transits`` in the order given.

    Returns (final J, mean |D|). J is the running estimate a receiver would
    report; with gain 1/16 it starts from 0 and wanders about ±13 % around
    its expected value, which is E|D|. The mean of |D| over the train is that
    expected value without the noise, so it is what we report as jitter.
    """
    j = 0.0
    total = 0.0
    count = 0
    for prev, cur in zip(transits, transits[1:]):
        d = abs(cur - prev)
        j += (d - j) / 16.0
        total += d
        count += 1
    if count == 0:
        return None, None
    return j, total / count


def count_reordered(seqs):
    """RFC 4737 reordered packets: arrivals with a sequence below the highest seen."""
    highest = None
    reordered = 0
    for seq in seqs:
        if highest is not None and seq < highest:
            reordered += 1
        elif highest is None or seq > highest:
            highest = seq
    return reordered


def _ms(value):
    return None if value is None else round(value * 1000.0, 3)


def summarize(samples, sent):
    """Reduce a train to the figures the agent reports (times in ms, shares in %).

    Jitter is computed over consecutive received packets in *sending* order:
    that is the delay variation a playout buffer, which plays by sequence,
    has to absorb. RFC 3550 takes arrival order because a receiver computes
    it on the fly; both agree on a link that keeps order, and on one that
    reorders, arrival order hides part of the variation.
    """
    seen = {}
    duplicates = 0
    for s in samples:
        if s.seq in seen:
            duplicates += 1
        else:
            seen[s.seq] = s
    unique = [seen[k] for k in sorted(seen)]
    received = len(unique)
    result = {
        "sent": sent,
        "received": received,
        "duplicates": duplicates,
        "loss_pct": round(100.0 * (sent - received) / sent, 3) if sent else None,
    }
    rtts = sorted(s.rtt for s in unique)
    result.update({
        "rtt_min_ms": _ms(rtts[0] if rtts else None),
        "rtt_median_ms": _ms(percentile(rtts, 50)),
        "rtt_p95_ms": _ms(percentile(rtts, 95)),
        "rtt_max_ms": _ms(rtts[-1] if rtts else None),
    })
    fwd = [s.t2 - s.t1 for s in unique]
    back = [s.t4 - s.t3 for s in unique]
    _, jf = rfc3550_jitter(fwd)
    _, jb = rfc3550_jitter(back)
    # The literal RFC 3550 running value, in arrival order at the reflector,
    # kept for comparison with tools that report it (iperf3, RTP stacks).
    by_t2 = sorted(unique, key=lambda s: s.t2)
    j_live, _ = rfc3550_jitter([s.t2 - s.t1 for s in by_t2])
    result.update({
        "jitter_ms": _ms(jf),
        "jitter_back_ms": _ms(jb),
        "jitter_rfc3550_ms": _ms(j_live),
    })
    arrival = []
    counted = set()
    for s in samples:
        if s.seq not in counted:
            counted.add(s.seq)
            arrival.append(s.seq)
    reordered = count_reordered(arrival)
    reordered_fwd = count_reordered([s.seq for s in by_t2])
    result.update({
        "reordered": reordered,
        "reordered_pct": round(100.0 * reordered / received, 3) if received else None,
        "reordered_fwd": reordered_fwd,
    })
    result.update(_loss_split(unique, sent))
    if unique:
        # Delay variation relative to the fastest packet, for the E-model's
        # late-packet count: a playout buffer sized from jitter drops these.
        base = min(fwd)
        result["_fwd_spread_ms"] = sorted(round((x - base) * 1000.0, 3) for x in fwd)
    return result


def _loss_split(unique, sent):
    """Forward/backward loss from the reflector's own sequence numbers.

    A stateful STAMP reflector numbers what it received in the session, so
    gaps before it are forward loss and the rest backward loss. A stateless
    reflector copies our sequence number; then no split can be told.
    """
    rseqs = [s.rseq for s in unique if s.rseq is not None]
    if not rseqs or all(s.rseq == s.seq for s in unique):
        return {"loss_fwd_pct": None, "loss_back_pct": None}
    reached = max(rseqs) - min(rseqs) + 1
    # Packets before the first and after the last reply we saw reached the
    # reflector or not, unknown: count them with the received ones' odds.
    first = min(s.seq for s in unique)
    last = max(s.seq for s in unique)
    in_window = last - first + 1
    edge = sent - in_window
    ratio = reached / float(in_window) if in_window else 0.0
    reached_total = reached + edge * ratio
    fwd_lost = max(0.0, sent - reached_total)
    back_lost = max(0.0, reached_total - len(unique))
    return {
        "loss_fwd_pct": round(100.0 * fwd_lost / sent, 3),
        "loss_back_pct": round(100.0 * back_lost / sent, 3),
    }
