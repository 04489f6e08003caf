"""The duty roster (R23): who is on duty, swaps with their history, and telling the person on duty first.

A shift is for one meeting or for a period. When a site has a problem, the
person on duty at the organisation responsible for it (the link's operator
for a link problem, the department for the platform …) is told by name,
before anyone has to look for them; without such a person, the department's
person on duty is told.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import ITEM_CAUSES
from diemcau.meetings.models import DutyShift, DutySwap


def shifts_covering(at: dt.datetime, *, organization_ids=None, meeting=None):
    """Shifts running at ``at``: for the whole period, or for this meeting."""
    qs = DutyShift.objects.filter(cancelled_at__isnull=True, starts_at__lte=at, ends_at__gte=at)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=list(organization_ids))
    if meeting is not None:
        qs = qs.filter(Q(meeting__isnull=True) | Q(meeting=meeting))
    else:
        qs = qs.filter(meeting__isnull=True)
    return qs.select_related("organization", "person")


def roster_for_meeting(meeting):
    """Who is on duty for the meeting: its own shifts, and period shifts overlapping it."""
    return (DutyShift.objects.filter(cancelled_at__isnull=True)
            .filter(Q(meeting=meeting) | Q(meeting__isnull=True, starts_at__lt=meeting.ends_at,
                                            ends_at__gt=meeting.starts_at - dt.timedelta(hours=1)))
            .select_related("organization", "person").order_by("organization__name", "starts_at"))


@transaction.atomic
def shift_create(*, user, organization, name: str, phone: str, starts_at, ends_at, person=None, meeting=None,
                 duty: str = "") -> DutyShift:
    shift = DutyShift(organization=organization, name=name.strip(), phone=phone.strip(), person=person,
                      meeting=meeting, starts_at=starts_at, ends_at=ends_at, duty=duty.strip(),
                      created_by=user if getattr(user, "is_authenticated", False) else None)
    if meeting is not None and shift.starts_at is None:
        shift.starts_at, shift.ends_at = meeting.opens_at, meeting.ends_at
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def shift_swap(shift: DutyShift, *, user, to_name: str, to_phone: str, reason: str, to_person=None) -> DutySwap:
    """Hand the shift to someone else; the row of the swap keeps who it was and why."""
    if shift.cancelled_at is not None:
        raise ValidationError(_("This shift is cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the shift changes hands.")})
    if not to_name.strip():
        raise ValidationError({"to_name": _("Name the person taking the shift.")})
    swap = DutySwap(shift=shift, from_name=shift.name, from_phone=shift.phone, to_name=to_name.strip(),
                    to_phone=to_phone.strip(), reason=reason.strip()[:300],
                    by=user if getattr(user, "is_authenticated", False) else None)
    shift.name, shift.phone, shift.person = swap.to_name, swap.to_phone, to_person
    shift.full_clean()
    shift.save(update_fields=["name", "phone", "person"])
    swap.save()
    return swap


@transaction.atomic
def shift_cancel(shift: DutyShift, *, user) -> DutyShift:
    if shift.cancelled_at is None:
        shift.cancelled_at = timezone.now()
        shift.save(update_fields=["cancelled_at"])
    return shift


# Telling the person on duty -----------------------------------------------------------------------

def _people_on_duty(organization_id, meeting, now):
    from diemcau.incidents.services import department_organization

    shifts = list(shifts_covering(now, organization_ids=[organization_id], meeting=meeting))
    if not shifts:
        dost = department_organization()
        if dost is not None and dost.pk != organization_id:
            shifts = list(shifts_covering(now, organization_ids=[dost.pk], meeting=meeting))
    return shifts


def _tell(shifts, *, kind: str, key: str, title: str, body: str, incident=None) -> None:
    from diemcau.incidents import notify

    users = [s.person for s in shifts if s.person_id and s.person.is_active]
    if not users:
        return
    notify.send(kind=kind, key=key, title=title, body=body, users=users, incident=incident)


def responsible_for_item(site, item: str):
    """The organisation that must act on a failed item (as an incident would be routed)."""
    from diemcau.incidents.services import route_holder
    from diemcau.inventory.models import Term

    code = ITEM_CAUSES.get(item)
    cause = Term.objects.filter(taxonomy="cause", code=code).first() if code else None
    return route_holder(site, cause)


def tell_on_duty_about_check(participation, mark, now=None) -> list:
    """A check item failed: the person on duty at the responsible organisation hears it at once."""
    now = now or timezone.now()
    meeting, site = participation.meeting, participation.site
    responsible = responsible_for_item(site, mark.item)
    shifts = _people_on_duty(responsible.pk, meeting, now)
    item = next((i for i in meeting.items if i["code"] == mark.item), {"code": mark.item})
    title = _("%(site)s: “%(item)s” failed before “%(meeting)s”") % {
        "site": site.name, "item": cl.item_label(item), "meeting": meeting.title}
    body = "\n".join(p for p in (title, mark.note, _("Meeting starts at %(at)s.") % {
        "at": cl.local(meeting.starts_at)}) if p)
    _tell(shifts, kind="meeting.check_failed", key=f"meeting.check_failed:{mark.pk}", title=title, body=body)
    return shifts


def tell_on_duty_about_incident(incident, meeting, now=None) -> list:
    now = now or timezone.now()
    shifts = _people_on_duty(incident.holder_id, meeting, now)
    title = _("%(code)s during “%(meeting)s” at %(site)s") % {
        "code": incident.code, "meeting": meeting.title, "site": incident.site.name}
    _tell(shifts, kind="meeting.incident", key=f"meeting.incident:{incident.pk}:{meeting.pk}", title=title,
          body="\n".join((title, incident.description)), incident=incident)
    return shifts
