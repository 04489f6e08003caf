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
from django.http import Http404

from diemcau.inventory import access as inventory_access
from diemcau.standards.choices import StandardStatus
from diemcau.standards.models import ConfigProfile, Platform, Requirement, Standard


def can_edit_standards(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_dost_admin)


def require_editor(user) -> None:
    if not can_edit_standards(user):
        raise PermissionDenied


def standards_for_user(user):
    qs = Standard.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.edits_province:
        return qs
    return qs.exclude(status=StandardStatus.DRAFT)


def standard_for_user(user, pk, *, change: bool = False) -> Standard:
    standard = standards_for_user(user).filter(pk=pk).first()
    if standard is None:
        raise Http404
    if change:
        require_editor(user)
    return standard


def requirement_for_user(user, pk, *, change: bool = False) -> Requirement:
    requirement = Requirement.objects.filter(
        pk=pk, standard__in=standards_for_user(user)
    ).select_related("standard").first()
    if requirement is None:
        raise Http404
    if change:
        require_editor(user)
    return requirement


def platform_for_user(user, pk, *, change: bool = False) -> Platform:
    platform = Platform.objects.filter(pk=pk).first() if user.is_authenticated else None
    if platform is None:
        raise Http404
    if change:
        require_editor(user)
    return platform


def profile_for_user(user, pk, *, change: bool = False) -> ConfigProfile:
    profile = ConfigProfile.objects.filter(pk=pk).first() if user.is_authenticated else None
    if profile is None:
        raise Http404
    if change:
        require_editor(user)
    return profile


def site_for_user(user, pk, *, record_settings: bool = False):
    """The site (404 when invisible); 403 when settings are to be recorded by someone who may not."""
    return inventory_access.site_for_user(user, pk, change=record_settings)


def can_record_settings(user, site) -> bool:
    return inventory_access.can_change_site(user, site)


def sites_for_user(user):
    return inventory_access.sites_for_user(user)
