"""A call-quality grade for every 20-second window of a meeting (Pexip's rule).

During a meeting window the agent sends a train every few seconds; the
trains that start within one 20-second window (aligned on the clock, so
every site's windows line up) are pooled: loss over all their packets,
jitter as their packet-weighted mean (worse direction of each train), and
graded by the thresholds in force — good, ok, bad or terrible by loss, one
grade lower when jitter is above the standard's limit. Each window becomes
one ``grade`` result, sent with the others.
"""

import datetime

WINDOW_S = 20


def window_start(stamp, width=WINDOW_S):
    """The start (Unix seconds) of the window ``stamp`` falls in."""
    return stamp - stamp % width


def _iso(stamp):
    when = datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Grader:
    """Pools trains into windows; ``add`` returns the windows a train closed."""

    def __init__(self, width=WINDOW_S):
        self.width = width
        self.start = None
        self.trains = []

    def add(self, stamp, fields, limits, planned=50):
        """Feed one train measured at ``stamp`` (Unix seconds) of ``planned`` packets; returns the
        fields of the windows it finished."""
        start = window_start(stamp, self.width)
        done = []
        if self.start is not None and start != self.start:
            done = self.close(limits)
        self.start = start
        self.trains.append((fields, planned))
        return done

    def close(self, limits):
        """Finish the open window (the meeting ended, or a later train arrived)."""
        if self.start is None or not self.trains:
            self.start, self.trains = None, []
            return []
        window = summarize(self.start, self.width, self.trains, limits)
        self.start, self.trains = None, []
        return [window]


def summarize(start, width, trains, limits):
    """One window's figures and grade from its trains' summaries ``[(fields, planned packets)]``."""
    sent = received = 0
    weighted, weight, medians = 0.0, 0, []
    for fields, planned in trains:
        n = fields.get("sent") or 0
        got = fields.get("received") or 0
        if not n:
            # Nothing could be sent at all (no route): for the call, the whole train is lost.
            n, got = planned, 0
        sent += n
        received += got
        jitter = max(fields.get("jitter_ms") or 0.0, fields.get("jitter_back_ms") or 0.0) if got else None
        if jitter is not None:
            weighted += jitter * got
            weight += got
        if fields.get("rtt_median_ms") is not None:
            medians.append(fields["rtt_median_ms"])
    loss = 100.0 * (sent - received) / sent if sent else 100.0
    jitter = weighted / weight if weight else None
    medians.sort()
    rtt = medians[len(medians) // 2] if medians else None
    return {
        "window_s": width,
        "trains": len(trains),
        "sent": sent,
        "received": received,
        "loss_pct": round(loss, 3),
        "jitter_ms": None if jitter is None else round(jitter, 3),
        "rtt_median_ms": rtt,
        "grade": limits.grade(loss, jitter),
        "judged_by": {"source": limits.source, "version": limits.version},
        "_start": start,
    }


def record_fields(window):
    """(measured_at, fields) for a window from :func:`summarize`."""
    fields = dict(window)
    start = fields.pop("_start")
    return _iso(start), fields
