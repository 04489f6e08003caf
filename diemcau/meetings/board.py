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

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from diemcau.inventory.models import Contact
from diemcau.meetings import access, backups, duty
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import READINESS_ORDER, BackupState, Outcome, Readiness, RollCall
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


def number(value, digits: int) -> str:
    """A figure in the reader's format (decimal comma in Vietnamese), or a dash."""
    return "—" if value is None else number_format(round(value, digits), digits)


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

    def html(self, ctx: dict) -> str:
        """The tile, drawn here with escaped f-strings: a template (or ``format_html``) per tile costs
        too much for 300 sites and 50 boards. Every value from the database goes through ``escape``."""
        p, site, q, meeting, words = self.participation, self.site, self.quality, ctx["meeting"], ctx["words"]
        host = f' <span class="badge text-bg-dark">{words["host"]}</span>' if p.is_host else ""
        parts = [f'<div class="tile-name" title="{escape(site.organization.name)}">{escape(site.name)}{host}</div>']
        failing = f": {escape(', '.join(self.failing_labels))}" if self.failing_labels else ""
        parts.append(f'<div class="tile-state"><b>{words["state"][p.state]}</b>{failing}</div>')
        parts.append(self.dots)
        if q is not None and q.loss is not None:
            age = f' <span class="age">({escape(self.link_age)})</span>' if self.link_age else ""
            figures = (f"RTT {number(q.rtt, 0)} ms · {words['loss']} {number(q.loss, 1)} % · "
                       f"MOS {number(q.mos, 1)}{age}")
        else:
            figures = words["silent"] if q is not None and q.has_agent else words["no_agent"]
        parts.append(f'<div class="tile-figures">{figures}</div>')
        if p.checked_at:
            late = f' <span class="badge text-bg-warning">{words["late"]}</span>' \
                if p.ready_at and p.ready_at > meeting.due_at else ""
            who = escape(str(p.checked_by)) if p.checked_by_id else ""
            parts.append(f'<div class="tile-who">{who} {timezone.localtime(p.checked_at):%H:%M}{late}</div>')
        if self.contact is not None:
            phone = escape(self.contact.phone)
            parts.append(f'<div class="tile-contact"><i class="bi bi-telephone"></i> <a href="tel:{phone}">{phone}</a>'
                         f' <span class="text-muted">{escape(self.contact.full_name)}</span></div>')
        if p.state != Readiness.READY and self.backup:
            plans = self.backup.get("plans") or []
            if plans:
                parts.append(f'<div class="tile-backup"><i class="bi bi-life-preserver"></i> '
                             f'{escape(plans[0]["plan"].title)} · <span class="bk-{self.backup["state"]}">'
                             f'{words["backup"][plans[0]["state"]]}</span></div>')
            else:
                parts.append(f'<div class="tile-backup"><i class="bi bi-exclamation-triangle"></i> '
                             f'{words["no_plan"]}</div>')
        if p.incident_id:
            url = reverse("incidents:detail", args=[p.incident_id])
            parts.append(f'<div class="tile-incident"><a href="{url}"><i class="bi bi-exclamation-octagon"></i> '
                         f'{p.incident.code}</a></div>')
        if p.rollcall:
            parts.append(f'<div class="tile-rc">{words["rollcall"]}: <b>{words["calls"][p.rollcall]}</b> '
                         f'{timezone.localtime(p.rollcall_at):%H:%M}</div>')
        if ctx["rollcall_open"] and ctx["can_rollcall"]:
            url = reverse("meetings:rollcall", args=[meeting.pk, site.pk])
            buttons = "".join(
                f'<button type="button" class="btn btn-sm rc-btn rc-{code}{" active" if p.rollcall == code else ""}" '
                f'name="status" value="{code}" hx-post="{url}" hx-vals=\'{{"status": "{code}"}}\' '
                f'hx-target="#board" hx-swap="outerHTML">{label}</button>' for code, label in words["calls"].items())
            parts.append(f'<div class="rc-buttons" role="group" aria-label="{words["rollcall"]}">{buttons}</div>')
        rc = f" rc-{p.rollcall}" if p.rollcall else ""
        return (f'<article class="tile state-{p.state}{rc}" id="site-{escape(site.code)}" data-state="{p.state}" '
                f'data-rollcall="{p.rollcall}">{"".join(parts)}</article>')


def _words() -> dict:
    """Every label a tile uses, translated and escaped once per picture."""
    return {
        "host": escape(_("host")), "loss": escape(_("loss")), "silent": escape(_("agent silent")),
        "no_agent": escape(_("no agent")), "late": escape(_("late")), "no_plan": escape(_("no backup plan")),
        "rollcall": escape(_("Roll-call")),
        "state": {code: escape(label) for code, label in Readiness.choices},
        "backup": {code: escape(label) for code, label in BackupState.choices},
        "calls": {code: escape(label) for code, label in RollCall.choices},
    }


def _dots(items_spec, participation) -> str:
    """One coloured dot per item: ``items_spec`` is [(code, escaped title)] of the meeting."""
    items = participation.items or {}
    classes = {Outcome.PASS: "ok", Outcome.FAIL: "fail", Outcome.NO_DATA: "none"}
    dots = "".join(f'<i class="dot {classes.get((items.get(code) or {}).get("outcome"), "todo")}" title="{title}"></i>'
                   for code, title in items_spec)
    return f'<span class="dots" aria-hidden="true">{dots}</span>'


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
    items_spec = [(code, escape(label)) for code, label in labels.items()]
    rows = []
    for p in participations:
        p.meeting = meeting
        link_evidence = _parse((p.evidence or {}).get("link"))
        rows.append(Row(participation=p, site=p.site, contact=contacts.get(p.site_id), quality=figures.get(p.site_id),
                        backup=plans.get(p.site_id, {}), link_age=age_text(link_evidence, now),
                        dots=_dots(items_spec, p), failing_labels=[labels.get(c, c) for c in p.failing]))
    rows.sort(key=lambda r: r.rank)
    counts = dict.fromkeys(Readiness.values, 0)
    rollcall = dict.fromkeys(RollCall.values, 0)
    for row in rows:
        counts[row.state] += 1
        if row.participation.rollcall:
            rollcall[row.participation.rollcall] += 1
    phase = meeting.phase(now)
    from diemcau.meetings.services import rollcall_is_open

    context = {
        "meeting": meeting, "rows": rows, "now": now, "phase": phase, "key": board_key(meeting, now),
        "counts": [(state, Readiness(state).label, counts[state]) for state in READINESS_ORDER],
        "rollcall_counts": [(s, RollCall(s).label, rollcall[s]) for s in RollCall.values],
        "unmarked": sum(1 for r in rows if not r.participation.rollcall),
        "total": len(rows), "roster": list(duty.roster_for_meeting(meeting)),
        "rollcall_open": rollcall_is_open(meeting, now), "can_rollcall": access.can_rollcall(user, meeting),
        "whole": access.sees_whole_board(user, meeting), "rollcall_choices": RollCall.choices,
    }
    context["words"] = _words()
    context["tiles"] = mark_safe("".join(row.html(context) for row in rows))  # noqa: S308 - escaped above
    return context


def scope_key(user, meeting: Meeting) -> str:
    """Users with the same key see the same picture: they may share one rendering."""
    from django.utils.translation import get_language

    language = get_language() or "vi"
    if access.sees_whole_board(user, meeting):
        return f"whole-{int(access.can_rollcall(user, meeting))}-{language}"
    return f"{user.role}-{user.organization_id}-{language}"
