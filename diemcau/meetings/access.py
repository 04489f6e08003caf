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
from diemcau.core.scope import EDITORS, Rule, allowed, get_for_user, permits, register, scope
from diemcau.inventory.access import can_change_site, contacts_for_user, sites_for_user
from diemcau.inventory.models import Organization, Site
from diemcau.meetings.models import BackupPlan, DutyShift, Meeting, Participation, TrainingSession


def _everyone(user) -> Q:
    return Q()


def _on_visible_sites(path: str = "site"):
    """Rows at a site the user sees anywhere (their unit's, or the sites they provide links to)."""
    def rows(user) -> Q:
        return Q(**{f"{path}__in": sites_for_user(user).values("pk")})

    return rows


def _takes_part(user) -> Q:
    return Q(Exists(Participation.objects.filter(meeting=OuterRef("pk"), removed_at__isnull=True,
                                                 site__in=sites_for_user(user).values("pk"))))


def _unit_meetings(user) -> Q:
    return Q(organizer_id=user.organization_id) | _takes_part(user)


HOST_SIDE = ("organizer", "host_site__organization")

register(Meeting, view=Rule(unit=_unit_meetings, operator=_takes_part),
         # Schedule and edit: the department for anyone, a unit for its own meetings.
         change=Rule(province=EDITORS, unit="organizer"),
         # The whole board: the province roles, the host's and the organiser's people.
         board=Rule(unit=HOST_SIDE),
         rollcall=Rule(province=EDITORS, unit=HOST_SIDE))
# Outside the whole board, a user sees the participations of the sites they see anywhere.
register(Participation, view=Rule(province=None, others=_on_visible_sites()),
         # Only the site's own unit confirms its check (its contact, its head).
         mark=Rule(province=None, unit="site__organization"))
# Sites a meeting may invite: every active site for the department, its own for a unit.
register(Site, invite=Rule(province=EDITORS, unit="organization"))
# The organisations a user acts for (a meeting's organiser, a shift's organisation): any for the
# department, one's own for everyone else.
register(Organization, act_for=Rule(province=EDITORS, others="pk"))
# Everyone signed in sees the roster: it is the list of whom to call.
register(DutyShift, view=Rule(others=_everyone),
         change=Rule(province=EDITORS, roles=frozenset({Role.OPERATOR, Role.UNIT_HEAD}), unit="organization",
                     operator="organization"))
register(BackupPlan, view=Rule(province=None, others=_on_visible_sites()))
register(TrainingSession, view=Rule(others=_everyone), change=Rule(province=EDITORS),
         # Flags (backups never shown to work, contacts to train): the province roles and the unit heads.
         flags=Rule(roles=frozenset({Role.UNIT_HEAD}), unit=_everyone))


def meetings_for_user(user) -> QuerySet[Meeting]:
    return scope(Meeting.objects.all(), user)


def meeting_for_user(user, pk, *, change: bool = False) -> Meeting:
    return get_for_user(Meeting.objects.select_related(
        "host_site", "host_site__organization", "organizer", "platform", "series"), user, pk,
        "change" if change else "view")


def sees_whole_board(user, meeting: Meeting) -> bool:
    return allowed(user, meeting, "board")


def board_participations(user, meeting: Meeting) -> QuerySet[Participation]:
    """The participations this user sees on the meeting's board."""
    qs = Participation.objects.filter(meeting=meeting, removed_at__isnull=True)
    if sees_whole_board(user, meeting):
        return qs
    return scope(qs, user)


def participation_for_user(user, meeting: Meeting, site_pk) -> Participation:
    found = board_participations(user, meeting).select_related(
        "site", "site__organization", "meeting", "checked_by").filter(site_id=site_pk).first()
    if found is None:
        raise Http404
    return found


# Acting -------------------------------------------------------------------------------------------

def can_schedule(user) -> bool:
    return permits(user, Meeting, "change")


def schedule_sites(user):
    """Sites a user may invite: every active site for the department, its own for a unit."""
    return scope(sites_for_user(user), user, "invite")


def can_edit(user, meeting: Meeting) -> bool:
    return allowed(user, meeting, "change")


def can_mark(user, participation: Participation) -> bool:
    """Only the site's own unit confirms its check (its contact, its head)."""
    return participation.removed_at is None and allowed(user, participation, "mark")


def can_rollcall(user, meeting: Meeting) -> bool:
    return allowed(user, meeting, "rollcall")


def participation_to_mark(user, meeting_pk, site_pk) -> tuple[Meeting, Participation]:
    """A meeting and one site's row of its board, for the site's own unit to mark (404 unseen, 403 not its own)."""
    meeting = meeting_for_user(user, meeting_pk)
    participation = participation_for_user(user, meeting, site_pk)
    check(can_mark(user, participation))
    return meeting, participation


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# Duty roster ----------------------------------------------------------------------------------------

def shifts_for_user(user) -> QuerySet[DutyShift]:
    """Everyone signed in sees the roster: it is the list of whom to call."""
    return scope(DutyShift.objects.all(), user)


def can_add_shifts(user) -> bool:
    return permits(user, DutyShift, "change")


def can_manage_duty(user, organization_id) -> bool:
    return allowed(user, DutyShift(organization_id=organization_id), "change")


def organizers_for_user(user):
    """The units (not operators) a user schedules meetings for."""
    return scope(Organization.objects.units().filter(is_active=True).order_by("name"), user, "act_for")


def duty_organizations(user):
    return scope(Organization.objects.filter(is_active=True).order_by("name"), user, "act_for")


def shift_for_user(user, pk, *, change: bool = False) -> DutyShift:
    return get_for_user(DutyShift.objects.select_related("organization", "meeting"), user, pk,
                        "change" if change else "view")


# Backup plans ----------------------------------------------------------------------------------------

def plans_for_user(user) -> QuerySet[BackupPlan]:
    return scope(BackupPlan.objects.all(), user)


def plan_for_user(user, pk, *, change: bool = False) -> BackupPlan:
    plan = get_for_user(BackupPlan.objects.select_related("site", "site__organization"), user, pk)
    if change and not can_change_plans(user, plan.site):
        raise PermissionDenied
    return plan


def can_change_plans(user, site) -> bool:
    return not site.is_retired and can_change_site(user, site)


# Training ------------------------------------------------------------------------------------------

def trainings_for_user(user) -> QuerySet[TrainingSession]:
    return scope(TrainingSession.objects.all(), user)


def can_manage_training(user) -> bool:
    return permits(user, TrainingSession, "change")


def visible_attendees(user, session: TrainingSession):
    return session.attendees.filter(pk__in=contacts_for_user(user, include_retired=True).values("pk"))


def can_see_training_flags(user) -> bool:
    return permits(user, TrainingSession, "flags")
