"""What the server tells an agent after each batch: the next meeting window, the interval, the thresholds.

The meetings app answers ``meeting_window_for_site(site) -> (start, end) | None``
(``diemcau.meetings.services``): from a while before the meeting (its check
window) to its end the agent probes at its short interval; without a window
it keeps its configured interval.
"""

import datetime as dt

from django.conf import settings

from diemcau.meetings.services import meeting_window_for_site


def _iso(value) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


THROUGHPUT_REQUEST = {"direction": "up", "seconds": 5, "max_kbps": 5000}


def hints_for_token(token) -> dict:
    """The answer's hints for this agent: meeting window, interval, and a throughput test if asked."""
    from diemcau.monitoring.models import AgentToken

    hints = hints_for_site(token.site)
    # Claimed with a conditional UPDATE: two concurrent batches never both carry the request.
    if token.throughput_requested_at and AgentToken.objects.filter(
            pk=token.pk, throughput_requested_at__isnull=False).update(throughput_requested_at=None):
        hints["throughput"] = dict(THROUGHPUT_REQUEST)
    return hints


def hints_for_site(site) -> dict:
    window = None
    found = meeting_window_for_site(site)
    if found:
        window = {"start": _iso(found[0]), "end": _iso(found[1])}
    interval = getattr(settings, "MONITORING_AGENT_INTERVAL_S", None)
    from diemcau.monitoring.levels import agent_thresholds

    # Every answer carries the standard's levels: the agent judges by the server's numbers.
    return {"meeting_window": window, "interval_s": float(interval) if interval else None,
            "thresholds": agent_thresholds()}
