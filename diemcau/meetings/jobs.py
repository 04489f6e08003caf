"""The worker's meeting jobs: measured check items, and chasing sites not checked by the due time.

Chasing claims each reminder with a conditional UPDATE of the participation's
``chase_level`` (0 → 1 tells the contact, 1 → 2 the unit head) in the same
transaction that writes the notice and queues the e-mail in the outbox: two
workers reading the same due list send each reminder once, and a reminder
whose transaction fails is not marked sent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemcau.meetings import checklist as cl
from diemcau.meetings import evidence, services
from diemcau.meetings.choices import MeetingStatus, Readiness
from diemcau.meetings.models import Meeting, Participation

log = logging.getLogger(__name__)


# Measured items --------------------------------------------------------------------------------

def evidence_scan(now: dt.datetime | None = None) -> int:
    """Judge the measured items of every meeting whose check is open; returns the rows written."""
    now = now or timezone.now()
    written = 0
    for meeting in Meeting.objects.scheduled().filter(opens_at__lte=now, ends_at__gte=now):
        if meeting.auto_items:
            written += evidence_meeting(meeting, now)
    return written


def evidence_meeting(meeting: Meeting, now: dt.datetime, participations=None) -> int:
    participations = list(participations if participations is not None else
                          Participation.objects.filter(meeting=meeting, removed_at__isnull=True))
    found = evidence.evaluate(meeting, [p.site_id for p in participations], now)
    written = services.auto_marks_record(meeting, participations, found, now)
    # The age of the newest evidence, for the board: written by this job only (never races a tap).
    for participation in participations:
        participation.evidence = {code: r["evidence_at"].isoformat() if r.get("evidence_at") else None
                                  for code, r in found.get(participation.site_id, {}).items()}
    Participation.objects.bulk_update(participations, ["evidence"], batch_size=500)
    return written


# Chasing -----------------------------------------------------------------------------------------

def head_delay() -> dt.timedelta:
    """How long after the due time the unit head is told, when the site is still not ready."""
    return dt.timedelta(minutes=getattr(settings, "MEETINGS_CHASE_HEAD_MINUTES", 15))


def chases_due(now: dt.datetime) -> list[tuple[int, int]]:
    """``[(participation id, level)]`` of reminders due now."""
    base = Participation.objects.filter(
        removed_at__isnull=True, meeting__status=MeetingStatus.SCHEDULED, meeting__due_at__lte=now,
        meeting__starts_at__gt=now).exclude(state=Readiness.READY)
    first = [(pk, 1) for pk in base.filter(chase_level=0).values_list("pk", flat=True)]
    second = [(pk, 2) for pk in base.filter(chase_level=1, meeting__due_at__lte=now - head_delay())
              .values_list("pk", flat=True)]
    return first + second


@transaction.atomic
def chase(pk: int, level: int, now: dt.datetime) -> bool:
    """Send one reminder if this worker wins its claim; False when another worker did, or it is not due."""
    won = Participation.objects.filter(pk=pk, chase_level=level - 1).exclude(state=Readiness.READY).update(
        chase_level=level, chased_at=now)
    if not won:
        return False
    participation = Participation.objects.select_related("meeting", "site", "site__organization").get(pk=pk)
    _remind(participation, level)
    return True


def chase_scan(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for pk, level in chases_due(now):
        try:
            sent += chase(pk, level, now)
        except Exception:
            log.exception("reminder %s of participation %s", level, pk)
    return sent


def contact_users(site) -> list:
    """The site's contacts with an account; else the unit's site technicians."""
    from diemcau.accounts.choices import Role
    from diemcau.accounts.models import User
    from diemcau.inventory.models import Contact

    linked = list(User.objects.filter(
        is_active=True, pk__in=Contact.objects.active().filter(site=site, user__isnull=False).values("user_id")))
    return linked or list(User.objects.filter(is_active=True, role=Role.SITE_TECH,
                                              organization_id=site.organization_id))


def _remind(participation: Participation, level: int) -> None:
    from diemcau.accounts.choices import Role
    from diemcau.accounts.models import User
    from diemcau.incidents import notify
    from diemcau.inventory.models import Contact

    meeting, site = participation.meeting, participation.site
    emails = []
    if level == 1:
        users = contact_users(site)
        emails = [e for e in Contact.objects.active().filter(site=site).values_list("email", flat=True) if e]
    else:
        users = list(User.objects.filter(is_active=True, role=Role.UNIT_HEAD, organization_id=site.organization_id))
    with override(settings.LANGUAGE_CODE):
        context = {"site": site.name, "meeting": meeting.title, "due": cl.local(meeting.due_at),
                   "start": cl.local(meeting.starts_at)}
        if level == 1:
            title = _("%(site)s has not finished its check for “%(meeting)s” (due %(due)s)") % context
        else:
            title = _("Still not ready: %(site)s for “%(meeting)s”, starting %(start)s") % context
        url = settings.SITE_URL.rstrip("/") + f"/meetings/{meeting.pk}/check/{site.pk}/"
        body = "\n".join((title, _("Check now: %(url)s") % {"url": url}))
    notify.send(kind=f"meeting.chase{level}", key=f"meeting.chase{level}:{participation.pk}", title=title, body=body,
                users=users, emails=emails)
