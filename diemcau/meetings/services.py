"""Scheduling meetings, marking checks and roll-call, and what other apps ask about meetings.

Views and the API decide who may act (``access``); these functions check
that the act makes sense (the check window is open, the item exists), write
the row, derive the participation's state again from its rows, and move the
board's version so that open boards fetch a new picture.

``meeting_window_for_site`` and ``current_meeting_for_site`` are the hooks
the monitoring app (the agent's short interval) and the incidents app (the
24/7 clock, the meeting named on the incident) call.
"""

from __future__ import annotations

import datetime as dt

from dateutil import rrule
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.core.history import diff, snapshot
from diemcau.core.models import ChangeAction, ChangeRecord, ChangeVia
from diemcau.inventory.models import Site, Term
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import (
    ITEM_CAUSES,
    ROLLCALL_SYMPTOM,
    MarkSource,
    MeetingStatus,
    Outcome,
    Readiness,
    RollCall,
)
from diemcau.meetings.models import CheckMark, Meeting, MeetingSeries, Participation, RollCallMark

LOCAL_KINDS = ("commune", "ward")
MAX_OCCURRENCES = 106  # two years of weekly meetings


# Hooks for the other apps --------------------------------------------------------------------

def meeting_window_for_site(site, now: dt.datetime | None = None):
    """``(start, end)`` of the next or current window in which the site's agent probes fast, or None."""
    now = now or timezone.now()
    row = (Participation.objects.filter(site_id=site.pk, removed_at__isnull=True,
                                        meeting__status=MeetingStatus.SCHEDULED, meeting__ends_at__gte=now)
           .order_by("meeting__starts_at")
           .values_list("meeting__opens_at", "meeting__starts_at", "meeting__ends_at").first())
    if row is None:
        return None
    opens_at, starts_at, ends_at = row
    return max(opens_at, starts_at - cl.agent_lead()), ends_at


def current_meeting_for_site(site, now: dt.datetime | None = None) -> Meeting | None:
    """The meeting in progress at the site (an important one first), or None."""
    now = now or timezone.now()
    found = list(Meeting.objects.scheduled().filter(
        participations__site_id=site.pk, participations__removed_at__isnull=True,
        starts_at__lte=now, ends_at__gte=now).order_by("starts_at", "pk")[:5])
    if not found:
        return None
    return next((m for m in found if m.is_important), found[0])


# Scheduling ------------------------------------------------------------------------------------

def sites_pick(*, kinds=(), sites=(), all_local: bool = False, within=None) -> list[Site]:
    """Participating sites: by organisation kind, by list, or every commune and ward."""
    qs = within if within is not None else Site.objects.active()
    chosen = {s.pk: s for s in sites}
    wanted_kinds = set(kinds) | (set(LOCAL_KINDS) if all_local else set())
    if wanted_kinds:
        for site in qs.filter(organization__kind__code__in=wanted_kinds).select_related("organization"):
            chosen.setdefault(site.pk, site)
    return sorted(chosen.values(), key=lambda s: s.code)


def _validate(meeting: Meeting, sites: list[Site]) -> None:
    errors = {}
    if meeting.starts_at and meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if meeting.ends_at and meeting.starts_at and meeting.ends_at - meeting.starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = _("A meeting lasts at most 24 hours.")
    if meeting.host_site_id and meeting.host_site.is_retired:
        errors["host_site"] = _("The host site is retired.")
    if not sites:
        errors["sites"] = _("Choose the participating sites.")
    retired = [s.code for s in sites if s.is_retired]
    if retired:
        errors["sites"] = _("Retired sites cannot take part: %(codes)s.") % {"codes": ", ".join(retired)}
    if errors:
        raise ValidationError(errors)
    meeting.full_clean(exclude=["checklist", "opens_at", "due_at"])


def _set_participants(meeting: Meeting, sites: list[Site], now: dt.datetime) -> tuple[list, list]:
    """Add the new sites, remove the dropped ones (kept as rows with ``removed_at``); returns the codes."""
    wanted = {s.pk: s for s in sites}
    wanted.setdefault(meeting.host_site_id, meeting.host_site)
    current = {p.site_id: p for p in Participation.objects.filter(meeting=meeting).select_related("site")}
    added, removed = [], []
    new_rows = []
    for site_id, site in wanted.items():
        row = current.get(site_id)
        if row is None:
            new_rows.append(Participation(meeting=meeting, site=site, is_host=site_id == meeting.host_site_id,
                                          added_at=now))
            added.append(site.code)
        elif row.removed_at is not None or row.is_host != (site_id == meeting.host_site_id):
            if row.removed_at is not None:
                added.append(site.code)
            row.removed_at, row.is_host = None, site_id == meeting.host_site_id
            row.save(update_fields=["removed_at", "is_host"])
    Participation.objects.bulk_create(new_rows)
    for site_id, row in current.items():
        if site_id not in wanted and row.removed_at is None:
            row.removed_at = now
            row.save(update_fields=["removed_at"])
            removed.append(row.site.code)
    return sorted(added), sorted(removed)


def _record(meeting: Meeting, *, user, action: str, changes: dict, via: str) -> None:
    ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(Meeting), object_id=meeting.pk, object_repr=str(meeting)[:200],
        site=meeting.host_site, user=user if getattr(user, "is_authenticated", False) else None, action=action,
        via=via, changes=changes)


def occurrences(starts_at: dt.datetime, *, weekly_until: dt.date | None) -> list[dt.datetime]:
    """The start of each meeting of a weekly series, same local time each week (stored UTC)."""
    if not weekly_until:
        return [starts_at]
    local = timezone.localtime(starts_at)
    until = timezone.make_aware(dt.datetime.combine(weekly_until, dt.time(23, 59)), local.tzinfo)
    starts = list(rrule.rrule(rrule.WEEKLY, dtstart=local, until=until, count=None))
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationError({"repeat_until": _("A series has at most %(n)s meetings.") % {"n": MAX_OCCURRENCES}})
    return starts


@transaction.atomic
def meeting_schedule(*, user, title: str, organizer, host_site: Site, sites: list[Site], starts_at: dt.datetime,
                     ends_at: dt.datetime, level: str, importance: str, platform=None, dial_in: str = "",
                     notes: str = "", repeat_until: dt.date | None = None,
                     via: str = ChangeVia.WEB) -> list[Meeting]:
    """Schedule a meeting, or a weekly series of them, with the checklist in force."""
    checklist = cl.current_checklist()
    duration = ends_at - starts_at
    starts = occurrences(starts_at, weekly_until=repeat_until)
    series = None
    if len(starts) > 1:
        until = timezone.localtime(starts[-1]).strftime("%Y%m%d")
        series = MeetingSeries.objects.create(title=title.strip(), rule=f"FREQ=WEEKLY;UNTIL={until}",
                                              created_by=user if getattr(user, "is_authenticated", False) else None)
    created = []
    now = timezone.now()
    for start in starts:
        meeting = Meeting(title=title.strip(), organizer=organizer, host_site=host_site, platform=platform,
                          starts_at=start, ends_at=start + duration, level=level, importance=importance,
                          dial_in=dial_in.strip(), notes=notes.strip(), series=series,
                          created_by=user if getattr(user, "is_authenticated", False) else None)
        meeting.apply_checklist(checklist)
        _validate(meeting, sites)
        meeting.save()
        _set_participants(meeting, sites, now)
        changes = {k: [None, v] for k, v in snapshot(meeting).items() if v not in (None, "")}
        changes["participants"] = [None, ", ".join(sorted({s.code for s in sites} | {host_site.code}))]
        _record(meeting, user=user, action=ChangeAction.CREATE, changes=changes, via=via)
        created.append(meeting)
    return created


EDITABLE = ("title", "level", "importance", "host_site", "platform", "starts_at", "ends_at", "dial_in", "notes")


@transaction.atomic
def meeting_update(meeting: Meeting, *, user, sites: list[Site] | None = None, via: str = ChangeVia.WEB,
                   **fields) -> Meeting:
    """Change a scheduled meeting; the history keeps every field before and after."""
    if meeting.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    if meeting.ends_at < timezone.now():
        raise ValidationError(_("The meeting is over: its record is kept as it was."))
    before = snapshot(meeting)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValueError(name)
        setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    current_sites = [p.site for p in meeting.participations.filter(removed_at__isnull=True).select_related("site")]
    sites = current_sites if sites is None else sites
    meeting.apply_checklist(meeting.checklist)  # the start may have moved: the window moves with it
    _validate(meeting, sites)
    meeting.save()
    added, removed = _set_participants(meeting, sites, timezone.now())
    changes = diff(before, snapshot(meeting))
    if added or removed:
        changes["participants"] = [", ".join(removed) or None, ", ".join(added) or None]
    if changes:
        _record(meeting, user=user, action=ChangeAction.UPDATE, changes=changes, via=via)
        board_moved(meeting.pk)
    return meeting


@transaction.atomic
def meeting_cancel(meeting: Meeting, *, user, reason: str, via: str = ChangeVia.WEB) -> Meeting:
    if meeting.is_cancelled:
        raise ValidationError(_("The meeting is already cancelled."))
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why the meeting is cancelled.")})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason.strip()[:300]
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    _record(meeting, user=user, action=ChangeAction.RETIRE, via=via,
            changes={"status": [str(MeetingStatus.SCHEDULED.label), str(MeetingStatus.CANCELLED.label)],
                     "cancel_reason": [None, meeting.cancel_reason]})
    board_moved(meeting.pk)
    return meeting


# Checks ---------------------------------------------------------------------------------------

def board_moved(meeting_id: int) -> None:
    Meeting.objects.filter(pk=meeting_id).update(board_version=F("board_version") + 1)


def derive(meeting: Meeting, marks: list[CheckMark]) -> dict:
    """The participation's state from its check rows, in time order.

    Latest mark per item wins. A failed item makes a problem; every manual
    item passed (and none failed) makes the site ready; ``ready_at`` is when
    the current ready streak began.
    """
    manual = {i["code"] for i in meeting.manual_items}
    latest: dict = {}
    ready_at = None
    checked_by_id = checked_at = None
    for mark in marks:
        latest[mark.item] = mark
        if mark.source == MarkSource.MANUAL:
            checked_by_id, checked_at = mark.user_id, mark.at
        failing = [code for code, m in latest.items() if m.outcome == Outcome.FAIL]
        ready = not failing and manual and all(
            code in latest and latest[code].outcome == Outcome.PASS for code in manual)
        if ready and ready_at is None:
            ready_at = mark.at
        elif not ready:
            ready_at = None
    failing = [i["code"] for i in meeting.items if i["code"] in latest and latest[i["code"]].outcome == Outcome.FAIL]
    if failing:
        state = Readiness.PROBLEM
    elif ready_at is not None:
        state = Readiness.READY
    elif any(m.source == MarkSource.MANUAL or m.outcome != Outcome.NO_DATA for m in latest.values()):
        state = Readiness.PENDING
    else:
        state = Readiness.NO_DATA
    items = {code: {"outcome": m.outcome, "at": m.at.isoformat(), "source": m.source, "late": m.late,
                    "by": m.user_id, "incident": m.incident_id,
                    "evidence_at": m.evidence_at.isoformat() if m.evidence_at else None}
             for code, m in latest.items()}
    return {"state": state, "failing": failing, "items": items, "ready_at": ready_at,
            "checked_by_id": checked_by_id, "checked_at": checked_at}


DERIVED = ["state", "failing", "items", "ready_at", "checked_by", "checked_at"]


def participation_refresh(participation: Participation) -> Participation:
    """Derive the state again from every row (under the row's lock), and tell the open boards."""
    participations_refresh(participation.meeting, [participation.pk])
    fresh = Participation.objects.only(*DERIVED).get(pk=participation.pk)
    for name in ("state", "failing", "items", "ready_at", "checked_by_id", "checked_at"):
        setattr(participation, name, getattr(fresh, name))
    return participation


def participations_refresh(meeting: Meeting, pks) -> None:
    """The same for many sites of one meeting at once: rows locked in one order, one update, one bump."""
    locked = list(Participation.objects.select_for_update().filter(pk__in=list(pks)).order_by("pk"))
    marks: dict = {}
    for mark in CheckMark.objects.filter(participation_id__in=[p.pk for p in locked]).order_by(
            "participation_id", "at", "pk"):
        marks.setdefault(mark.participation_id, []).append(mark)
    for participation in locked:
        for name, value in derive(meeting, marks.get(participation.pk, [])).items():
            setattr(participation, name, value)
    if len(locked) == 1:
        locked[0].save(update_fields=DERIVED)
    else:
        Participation.objects.bulk_update(locked, DERIVED, batch_size=500)
    board_moved(meeting.pk)


def _item(meeting: Meeting, code: str) -> dict:
    item = next((i for i in meeting.items if i["code"] == code), None)
    if item is None:
        raise ValidationError({"item": _("This meeting's checklist has no item %(code)s.") % {"code": code}})
    return item


def _require_window(meeting: Meeting, now: dt.datetime) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("The meeting is cancelled."))
    if now < meeting.opens_at:
        raise ValidationError(_("The check opens at %(at)s.") % {"at": cl.local(meeting.opens_at)})
    if now > meeting.ends_at:
        raise ValidationError(_("The meeting is over: its check is closed."))


@transaction.atomic
def check_mark(participation: Participation, *, user, item: str, outcome: str, note: str = "", photo=None,
               symptom: Term | None = None, now: dt.datetime | None = None) -> CheckMark:
    """The contact confirms (or fails) one manual item; a new row every time."""
    from diemcau.incidents.services import check_photo

    now = now or timezone.now()
    meeting = participation.meeting
    _require_window(meeting, now)
    if participation.removed_at is not None:
        raise ValidationError(_("This site no longer takes part in the meeting."))
    spec = _item(meeting, item)
    if spec.get("auto"):
        raise ValidationError({"item": _("This item is measured by the system; it cannot be confirmed by hand.")})
    if outcome not in (Outcome.PASS, Outcome.FAIL):
        raise ValidationError({"outcome": _("Choose OK or not OK.")})
    if symptom is not None and symptom.taxonomy != "symptom":
        raise ValidationError({"symptom": _("Unknown symptom.")})
    check_photo(photo)
    mark = CheckMark(participation=participation, item=item, outcome=outcome, source=MarkSource.MANUAL, at=now,
                     user=user, late=cl.is_late(meeting, now), note=(note or "").strip(),
                     symptom=symptom if outcome == Outcome.FAIL else None)
    if photo:
        mark.photo = photo
    mark.save()
    was = participation.state
    participation_refresh(participation)
    if outcome == Outcome.FAIL and was != Readiness.PROBLEM:
        from diemcau.meetings import duty

        duty.tell_on_duty_about_check(participation, mark)
    return mark


@transaction.atomic
def check_incident_open(mark: CheckMark, *, user, symptoms, description: str = ""):
    """Open an incident from a failed item, with the meeting attached; the mark keeps the link."""
    from diemcau.incidents.models import Incident
    from diemcau.incidents.services import incident_report

    if mark.outcome != Outcome.FAIL:
        raise ValidationError(_("Only a failed item opens an incident."))
    if mark.incident_id:
        return Incident.objects.get(pk=mark.incident_id)
    meeting = mark.participation.meeting
    cause_code = ITEM_CAUSES.get(mark.item)
    cause = Term.objects.filter(taxonomy="cause", code=cause_code).first() if cause_code else None
    label = cl.item_label(_item(meeting, mark.item))
    text = description.strip() or _("Pre-meeting check failed: %(item)s") % {"item": label}
    incident = incident_report(site=mark.participation.site, user=user, symptoms=symptoms, description=text,
                               suspected_cause=cause, important_meeting=meeting.is_important, photo=None)
    _attach_meeting(incident, meeting, mark.participation)
    CheckMark.objects.filter(pk=mark.pk).update(incident=incident)
    mark.incident = incident
    participation_refresh(mark.participation)
    return incident


def _attach_meeting(incident, meeting: Meeting, participation: Participation) -> None:
    if not incident.meeting_ref:
        incident.meeting_ref = str(meeting)[:200]
        incident.save(update_fields=["meeting_ref"])
    Participation.objects.filter(pk=participation.pk).update(incident=incident)
    participation.incident = incident


@transaction.atomic
def auto_marks_record(meeting: Meeting, participations, results: dict, now: dt.datetime) -> int:
    """Write a row for each measured item whose outcome changed (``results``: {site_id: {code: result}});
    the states of the sites that changed are derived again together. Returns the rows written."""
    rows, changed = [], []
    late = cl.is_late(meeting, now)
    for participation in participations:
        items = participation.items or {}
        new = [CheckMark(participation=participation, item=code, outcome=result["outcome"], source=MarkSource.AUTO,
                         at=now, late=late, evidence_at=result.get("evidence_at"), value=result.get("value") or {})
               for code, result in results.get(participation.site_id, {}).items()
               if (items.get(code) or {}).get("outcome") != result["outcome"]]
        if new:
            rows += new
            changed.append(participation.pk)
    if rows:
        CheckMark.objects.bulk_create(rows, batch_size=1000)
        participations_refresh(meeting, changed)
    return len(rows)


# Roll-call ------------------------------------------------------------------------------------

def rollcall_is_open(meeting: Meeting, now: dt.datetime) -> bool:
    """From the due time of the check (people gather) to a quarter of an hour after the end."""
    return not meeting.is_cancelled and meeting.due_at <= now <= meeting.ends_at + dt.timedelta(minutes=15)


@transaction.atomic
def rollcall_mark(participation: Participation, *, user, status: str, note: str = "",
                  now: dt.datetime | None = None) -> RollCallMark:
    """One tap of the host; a problem opens an incident at the site with the meeting attached."""
    now = now or timezone.now()
    meeting = participation.meeting
    if status not in RollCall.values:
        raise ValidationError({"status": _("Unknown roll-call mark.")})
    if not rollcall_is_open(meeting, now):
        raise ValidationError(_("The roll-call is taken during the meeting."))
    if participation.removed_at is not None:
        raise ValidationError(_("This site no longer takes part in the meeting."))
    mark = RollCallMark.objects.create(participation=participation, status=status, at=now, user=user,
                                       note=(note or "").strip()[:300])
    Participation.objects.filter(pk=participation.pk).update(rollcall=status, rollcall_at=now)
    participation.rollcall, participation.rollcall_at = status, now
    if status in RollCall.problems():
        incident = _rollcall_incident(participation, mark, user=user, now=now)
        RollCallMark.objects.filter(pk=mark.pk).update(incident=incident)
        mark.incident = incident
    board_moved(meeting.pk)
    return mark


def _rollcall_incident(participation: Participation, mark: RollCallMark, *, user, now):
    """The open incident this site already has from this meeting's roll-call, else a new one."""
    from diemcau.incidents.models import OPEN, Incident
    from diemcau.incidents.services import incident_report

    earlier = (RollCallMark.objects.filter(participation=participation, incident__isnull=False)
               .exclude(pk=mark.pk).order_by("-at").values_list("incident_id", flat=True).first())
    if earlier and Incident.objects.filter(OPEN, pk=earlier).exists():
        return Incident.objects.get(pk=earlier)
    meeting = participation.meeting
    symptom = Term.objects.get(taxonomy="symptom", code=ROLLCALL_SYMPTOM[mark.status])
    text = _("%(status)s at roll-call during “%(meeting)s”") % {"status": RollCall(mark.status).label,
                                                                "meeting": meeting.title}
    if mark.note:
        text += f" — {mark.note}"
    incident = incident_report(site=participation.site, user=user, symptoms=[symptom], description=text,
                               important_meeting=meeting.is_important, at=now)
    _attach_meeting(incident, meeting, participation)
    from diemcau.meetings import duty

    duty.tell_on_duty_about_incident(incident, meeting)
    return incident
