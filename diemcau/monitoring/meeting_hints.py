"""What the server tells an agent after each batch: the next meeting window, the interval.

The meetings app fills ``meeting_window_for_site(site) -> (start, end) | None``
in ``diemcau.meetings.services``; until it exists no window is announced and
the agent keeps its configured interval.
"""

import datetime as dt

from django.conf import settings


def _iso(value) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def hints_for_site(site) -> dict:
    window = None
    try:
        from diemcau.meetings.services import meeting_window_for_site
    except ImportError:
        meeting_window_for_site = None
    if meeting_window_for_site is not None:
        found = meeting_window_for_site(site)
        if found:
            window = {"start": _iso(found[0]), "end": _iso(found[1])}
    interval = getattr(settings, "MONITORING_AGENT_INTERVAL_S", None)
    return {"meeting_window": window, "interval_s": float(interval) if interval else None}
