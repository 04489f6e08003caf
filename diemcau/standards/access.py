"""Who sees and changes what in the standards app — decided here and nowhere else.

- Everyone signed in reads the standard in force, its old versions, the
  platforms and the profiles; drafts are seen by the DOST roles only.
- Only ``dost_admin`` edits standards, platforms and profiles.
- A site's compliance, compatibility, drift and verdict follow the site:
  whoever sees the site sees them (``inventory.access.site_for_user``), an
  invisible site is a 404.
- A site's actual settings are recorded by whoever may change the site
  (its unit's users, the DOST roles).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from diemcau.core.scope import ADMIN, EDITORS, Rule, get_for_user, register, scope
from diemcau.inventory import access as inventory_access
from diemcau.standards.choices import StandardStatus
from diemcau.standards.models import ConfigProfile, Platform, Requirement, Standard


def _everyone(user) -> Q:
    return Q()


EDIT = Rule(province=ADMIN)
register(Standard, view=Rule(province=EDITORS, others=lambda user: ~Q(status=StandardStatus.DRAFT)), change=EDIT)
register(Requirement, view=Rule(province=EDITORS, others=lambda user: ~Q(standard__status=StandardStatus.DRAFT)),
         change=EDIT)
register(Platform, view=Rule(others=_everyone), change=EDIT)
register(ConfigProfile, view=Rule(others=_everyone), change=EDIT)


def can_edit_standards(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_dost_admin)


def require_editor(user) -> None:
    if not can_edit_standards(user):
        raise PermissionDenied


def standards_for_user(user):
    return scope(Standard.objects.all(), user)


def _action(change: bool) -> str:
    return "change" if change else "view"


def standard_for_user(user, pk, *, change: bool = False) -> Standard:
    return get_for_user(Standard.objects.all(), user, pk, _action(change))


def requirement_for_user(user, pk, *, change: bool = False) -> Requirement:
    return get_for_user(Requirement.objects.select_related("standard"), user, pk, _action(change))


def platform_for_user(user, pk, *, change: bool = False) -> Platform:
    return get_for_user(Platform.objects.all(), user, pk, _action(change))


def profile_for_user(user, pk, *, change: bool = False) -> ConfigProfile:
    return get_for_user(ConfigProfile.objects.all(), user, pk, _action(change))


def site_for_user(user, pk, *, record_settings: bool = False):
    """The site (404 when invisible); 403 when settings are to be recorded by someone who may not."""
    return inventory_access.site_for_user(user, pk, change=record_settings)


def can_record_settings(user, site) -> bool:
    return inventory_access.can_change_site(user, site)


def sites_for_user(user):
    return inventory_access.sites_for_user(user)
