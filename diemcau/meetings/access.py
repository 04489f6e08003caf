"""Who sees and does what with meetings — decided here and nowhere else.

Built on the inventory's site access (``sites_for_user``):

- meetings: the province roles see every meeting; a unit's users see the
  meetings their organisation organises or one of its sites takes part in;
  an operator sees the meetings of the sites whose links it provides;
- the board: the department, the leadership, the auditors, and the host's
  and organiser's people see every site; anyone else sees only the sites
  they see anywhere (their unit's, or the sites they provide links to);
- a check is marked only by the users of the site's own unit (its technical
  contact, its head): nobody ticks another unit's check;
- the roll-call is taken by the host's people or the department;
- scheduling: the department for anyone, a unit for its own meetings among
  its own sites;
- duty shifts: the department for everyone, an operator or unit for its own
  people; backup plans and drills: whoever changes the site.

An object the user may not see answers 404; one they see but may not change, 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from diemcau.accounts.choices import Role
from diemcau.inventory.access import can_change_site, contacts_for_user, sites_for_user
from diemcau.meetings.models import BackupPlan, DutyShift, Meeting, Participation, TrainingSession


def meetings_for_user(user) -> QuerySet[Meeting]:
    qs = Meeting.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    visible_sites = sites_for_user(user).values("pk")
    takes_part = Participation.objects.filter(meeting=OuterRef("pk"), removed_at__isnull=True,
                                              site__in=visible_sites)
    if user.is_unit_user:
        return qs.filter(Q(organizer_id=user.organization_id) | Exists(takes_part))
    if user.is_operator:
        return qs.filter(Exists(takes_part))
    return qs.none()


def meeting_for_user(user, pk, *, change: bool = False) -> Meeting:
    meeting = meetings_for_user(user).select_related(
        "host_site", "host_site__organization", "organizer", "platform", "series").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if change and not can_edit(user, meeting):
        raise PermissionDenied
    return meeting


def sees_whole_board(user, meeting: Meeting) -> bool:
    return user.sees_province or (user.is_unit_user and user.organization_id in (
        meeting.organizer_id, meeting.host_site.organization_id))


def board_participations(user, meeting: Meeting) -> QuerySet[Participation]:
    """The participations this user sees on the meeting's board."""
    qs = Participation.objects.filter(meeting=meeting, removed_at__isnull=True)
    if sees_whole_board(user, meeting):
        return qs
    return qs.filter(site__in=sites_for_user(user).values("pk"))


def participation_for_user(user, meeting: Meeting, site_pk) -> Participation:
    found = board_participations(user, meeting).select_related(
        "site", "site__organization", "meeting", "checked_by").filter(site_id=site_pk).first()
    if found is None:
        raise Http404
    return found


# Acting -------------------------------------------------------------------------------------------

def can_schedule(user) -> bool:
    return user.is_authenticated and (user.edits_province or user.is_unit_user)


def schedule_sites(user):
    """Sites a user may invite: every active site for the department, its own for a unit."""
    if user.edits_province:
        return sites_for_user(user)
    if user.is_unit_user:
        return sites_for_user(user).filter(organization_id=user.organization_id)
    return sites_for_user(user).none()


def can_edit(user, meeting: Meeting) -> bool:
    return user.edits_province or (user.is_unit_user and meeting.organizer_id == user.organization_id)


def can_mark(user, participation: Participation) -> bool:
    """Only the site's own unit confirms its check (its contact, its head)."""
    return (user.is_unit_user and participation.site.organization_id == user.organization_id
            and participation.removed_at is None)


def can_rollcall(user, meeting: Meeting) -> bool:
    return user.edits_province or (user.is_unit_user and user.organization_id in (
        meeting.organizer_id, meeting.host_site.organization_id))


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# Duty roster ----------------------------------------------------------------------------------------

def shifts_for_user(user) -> QuerySet[DutyShift]:
    """Everyone signed in sees the roster: it is the list of whom to call."""
    if not user.is_authenticated or not user.is_active:
        return DutyShift.objects.none()
    return DutyShift.objects.all()


def can_manage_duty(user, organization_id) -> bool:
    if user.edits_province:
        return True
    return user.organization_id == organization_id and user.role in (Role.OPERATOR, Role.UNIT_HEAD)


def duty_organizations(user):
    from diemcau.inventory.models import Organization

    qs = Organization.objects.filter(is_active=True).order_by("name")
    return qs if user.edits_province else qs.filter(pk=user.organization_id)


def shift_for_user(user, pk, *, change: bool = False) -> DutyShift:
    shift = shifts_for_user(user).select_related("organization", "meeting").filter(pk=pk).first()
    if shift is None:
        raise Http404
    if change and not can_manage_duty(user, shift.organization_id):
        raise PermissionDenied
    return shift


# Backup plans ----------------------------------------------------------------------------------------

def plans_for_user(user) -> QuerySet[BackupPlan]:
    return BackupPlan.objects.filter(site__in=sites_for_user(user).values("pk"))


def plan_for_user(user, pk, *, change: bool = False) -> BackupPlan:
    plan = plans_for_user(user).select_related("site", "site__organization").filter(pk=pk).first()
    if plan is None:
        raise Http404
    if change and not can_change_plans(user, plan.site):
        raise PermissionDenied
    return plan


def can_change_plans(user, site) -> bool:
    return not site.is_retired and can_change_site(user, site)


# Training ------------------------------------------------------------------------------------------

def trainings_for_user(user) -> QuerySet[TrainingSession]:
    if not user.is_authenticated or not user.is_active:
        return TrainingSession.objects.none()
    return TrainingSession.objects.all()


def can_manage_training(user) -> bool:
    return user.is_authenticated and user.edits_province


def visible_attendees(user, session: TrainingSession):
    return session.attendees.filter(pk__in=contacts_for_user(user, include_retired=True).values("pk"))


def can_see_training_flags(user) -> bool:
    return user.is_authenticated and (user.sees_province or user.role == Role.UNIT_HEAD)
