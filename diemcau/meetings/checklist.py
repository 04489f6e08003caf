"""The pre-meeting checklist and the times it gives a meeting.

The checklist is the ``precheck`` section of the standard in force (the
shipped ``standard.yaml`` when the published standard has none). A meeting
keeps a copy from when it was scheduled, so a new standard never changes
the rules of a check already under way. Times are stored in UTC; the
window arithmetic is plain subtraction on aware datetimes, so it is right
across midnight and across a change of day between UTC and Hanoi time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from diemcau.meetings.choices import AutoSource


def current_checklist() -> dict:
    """The checklist of the standard in force, with the version it comes from."""
    from diemcau.standards.models import Standard
    from diemcau.standards.reference import read_standard_file

    standard = Standard.objects.current()
    precheck = (standard.precheck if standard is not None else None) or read_standard_file().get("precheck") or {}
    items = []
    for raw in precheck.get("items") or []:
        item = {"code": str(raw["code"]), "vi": raw.get("vi", ""), "en": raw.get("en", ""),
                "auto": bool(raw.get("auto"))}
        if item["auto"]:
            source = raw.get("source") or ("probe" if item["code"] == "link" else "")
            item["source"] = source if source in AutoSource.values else ""
        items.append(item)
    return {
        "standard": standard.version if standard is not None else "",
        "opens_hours_before": float(precheck.get("opens_hours_before", 24)),
        "due_minutes_before": float(precheck.get("due_minutes_before", 60)),
        "items": items,
    }


def item_label(item: dict) -> str:
    if (get_language() or "vi").startswith("en") and item.get("en"):
        return item["en"]
    return item.get("vi") or item.get("code", "")


def agent_lead() -> dt.timedelta:
    """How long before the start the agents probe at their short interval."""
    return dt.timedelta(minutes=getattr(settings, "MEETINGS_AGENT_LEAD_MINUTES", 120))


def agent_window(meeting) -> tuple[dt.datetime, dt.datetime]:
    """From the later of the check opening and the lead before the start, to the end."""
    return max(meeting.opens_at, meeting.starts_at - agent_lead()), meeting.ends_at


def evidence_window() -> dt.timedelta:
    """Measured items use only evidence this fresh (and never older than the check opening)."""
    return dt.timedelta(minutes=getattr(settings, "MEETINGS_EVIDENCE_MINUTES", 10))


def is_late(meeting, at: dt.datetime) -> bool:
    return at > meeting.due_at


def local(value: dt.datetime | None) -> str:
    """``HH:MM dd/mm/YYYY`` in Hanoi time (the settings' time zone)."""
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""
