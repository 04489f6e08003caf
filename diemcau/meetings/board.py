"""The readiness board and roll-call: every participating site in one picture, in a fixed number of queries.

The picture depends on the meeting's ``board_version`` (moved by every mark),
on the phase (check, running …) and on a 15-second slot for the live link
figures: ``board_key`` is what an open board compares with its own to ask
for a new picture only when something moved. The number of queries does not
grow with the number of sites.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from diemcau.inventory.models import Contact
from diemcau.meetings import access, backups, duty
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import READINESS_ORDER, Outcome, Readiness, RollCall
from diemcau.meetings.models import Meeting

FIGURES_SLOT_S = 15


def board_key(meeting: Meeting, now: dt.datetime) -> str:
    return f"{meeting.board_version}.{meeting.phase(now)}.{int(now.timestamp() // FIGURES_SLOT_S)}"


def age_text(then, now) -> str:
    """How old a piece of evidence is, in words a technician reads at a glance."""
    if then is None:
        return ""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 5:
        return _("just now")
    if seconds < 60:
        return _("%(n)s s ago") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)s min ago") % {"n": seconds // 60}
    return _("%(n)s h ago") % {"n": seconds // 3600}


def _parse(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class Row:
    participation: object
    site: object
    contact: object = None
    quality: object = None
    backup: dict = field(default_factory=dict)
    link_age: str = ""
    dots: str = ""
    failing_labels: list = field(default_factory=list)

    @property
    def state(self):
        return self.participation.state

    @property
    def rank(self):
        return (READINESS_ORDER.index(self.state), self.site.organization.name, self.site.code)


def _dots(meeting, participation) -> str:
    """One coloured dot per item, drawn here: a template loop per item is too slow for 300 sites."""
    items = participation.items or {}
    classes = {Outcome.PASS: "ok", Outcome.FAIL: "fail", Outcome.NO_DATA: "none"}
    return format_html('<span class="dots" aria-hidden="true">{}</span>', format_html_join(
        "", '<i class="dot {}" title="{}"></i>',
        ((classes.get((items.get(i["code"]) or {}).get("outcome"), "todo"), cl.item_label(i)) for i in meeting.items)))


def build(meeting: Meeting, user, now: dt.datetime | None = None) -> dict:
    """Rows (worst first), counts, the people on duty, and what the user may do."""
    from diemcau.monitoring.quality import qualities

    now = now or timezone.now()
    participations = list(access.board_participations(user, meeting).select_related(
        "site", "site__organization", "checked_by", "incident"))
    site_ids = [p.site_id for p in participations]
    figures = qualities(site_ids, now, trend=False, alerts=False)
    contacts = {}
    for contact in Contact.objects.active().filter(site_id__in=site_ids).order_by("role", "full_name"):
        contacts.setdefault(contact.site_id, contact)
    not_ready = [p.site_id for p in participations if p.state != Readiness.READY]
    plans = backups.site_backup(not_ready) if not_ready else {}
    labels = {i["code"]: cl.item_label(i) for i in meeting.items}
    rows = []
    for p in participations:
        p.meeting = meeting
        link_evidence = _parse((p.evidence or {}).get("link"))
        rows.append(Row(participation=p, site=p.site, contact=contacts.get(p.site_id), quality=figures.get(p.site_id),
                        backup=plans.get(p.site_id, {}), link_age=age_text(link_evidence, now),
                        dots=_dots(meeting, p), failing_labels=[labels.get(c, c) for c in p.failing]))
    rows.sort(key=lambda r: r.rank)
    counts = dict.fromkeys(Readiness.values, 0)
    rollcall = dict.fromkeys(RollCall.values, 0)
    for row in rows:
        counts[row.state] += 1
        if row.participation.rollcall:
            rollcall[row.participation.rollcall] += 1
    phase = meeting.phase(now)
    from diemcau.meetings.services import rollcall_is_open

    return {
        "meeting": meeting, "rows": rows, "now": now, "phase": phase, "key": board_key(meeting, now),
        "counts": [(state, Readiness(state).label, counts[state]) for state in READINESS_ORDER],
        "rollcall_counts": [(s, RollCall(s).label, rollcall[s]) for s in RollCall.values],
        "unmarked": sum(1 for r in rows if not r.participation.rollcall),
        "total": len(rows), "roster": list(duty.roster_for_meeting(meeting)),
        "rollcall_open": rollcall_is_open(meeting, now), "can_rollcall": access.can_rollcall(user, meeting),
        "whole": access.sees_whole_board(user, meeting), "rollcall_choices": RollCall.choices,
    }
