"""Who sees and changes which inventory objects — decided here and nowhere else.

Every view, export and API call goes through these helpers. An object the
user may not see raises 404 (so guessed ids leak nothing); an object they may
see but not change raises 403.

- ``dost_admin``, ``dost_staff``, ``leader``, ``auditor``: see everything;
  the two ``dost_*`` roles change any inventory object.
- ``unit_head``, ``site_tech``: see and change their organisation's sites.
- ``operator``: sees the sites whose active links it provides, and changes
  those links only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from diemcau.inventory.models import Contact, Device, Link, Organization, Site


def _operator_site_ids(user):
    return Link.objects.active().filter(provider_id=user.organization_id).values("site_id")


# Sites ---------------------------------------------------------------------

def sites_for_user(user, *, include_retired: bool = False) -> QuerySet[Site]:
    qs = Site.objects.all() if include_retired else Site.objects.active()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    if user.is_unit_user:
        return qs.filter(organization_id=user.organization_id)
    if user.is_operator:
        return qs.filter(pk__in=_operator_site_ids(user))
    return qs.none()


def can_change_site(user, site: Site) -> bool:
    if user.edits_province:
        return True
    return user.is_unit_user and site.organization_id == user.organization_id


def site_for_user(user, pk, *, change: bool = False, include_retired: bool = True) -> Site:
    site = sites_for_user(user, include_retired=include_retired).select_related(
        "organization", "organization__kind"
    ).filter(pk=pk).first()
    if site is None:
        raise Http404
    if change and not can_change_site(user, site):
        raise PermissionDenied
    return site


def organizations_where_user_adds_sites(user) -> QuerySet[Organization]:
    qs = Organization.objects.filter(is_active=True).exclude(kind__code="operator")
    if user.edits_province:
        return qs
    if user.is_unit_user:
        return qs.filter(pk=user.organization_id)
    return qs.none()


# Devices and contacts follow their site ------------------------------------

def devices_for_user(user, *, include_retired: bool = False) -> QuerySet[Device]:
    qs = Device.objects.all() if include_retired else Device.objects.active()
    return qs.filter(site__in=sites_for_user(user, include_retired=True))


def device_for_user(user, pk, *, change: bool = False) -> Device:
    device = devices_for_user(user, include_retired=True).select_related(
        "site", "site__organization", "group", "condition"
    ).filter(pk=pk).first()
    if device is None:
        raise Http404
    if change and not can_change_site(user, device.site):
        raise PermissionDenied
    return device


def contacts_for_user(user, *, include_retired: bool = False) -> QuerySet[Contact]:
    qs = Contact.objects.all() if include_retired else Contact.objects.active()
    return qs.filter(site__in=sites_for_user(user, include_retired=True))


def contact_for_user(user, pk, *, change: bool = False) -> Contact:
    contact = contacts_for_user(user, include_retired=True).select_related("site").filter(pk=pk).first()
    if contact is None:
        raise Http404
    if change and not can_change_site(user, contact.site):
        raise PermissionDenied
    return contact


# Links: operators change the links they provide -----------------------------

def links_for_user(user, *, include_retired: bool = False) -> QuerySet[Link]:
    qs = Link.objects.all() if include_retired else Link.objects.active()
    return qs.filter(site__in=sites_for_user(user, include_retired=True))


def can_change_link(user, link: Link) -> bool:
    if user.is_operator:
        return link.provider_id == user.organization_id
    return can_change_site(user, link.site)


def link_for_user(user, pk, *, change: bool = False) -> Link:
    link = links_for_user(user, include_retired=True).select_related(
        "site", "site__organization", "provider", "kind"
    ).filter(pk=pk).first()
    if link is None:
        raise Http404
    if change and not can_change_link(user, link):
        raise PermissionDenied
    return link


def can_add_link(user, site: Site) -> bool:
    """Operators add links they provide to sites they already serve."""
    return can_change_site(user, site) or user.is_operator


# Organisations ---------------------------------------------------------------

def organizations_for_user(user) -> QuerySet[Organization]:
    qs = Organization.objects.filter(is_active=True)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_province:
        return qs
    visible = sites_for_user(user).values("organization_id")
    return qs.filter(pk__in=visible) | qs.filter(pk=user.organization_id)


def organization_for_user(user, pk) -> Organization:
    org = organizations_for_user(user).select_related("kind").filter(pk=pk).first()
    if org is None:
        raise Http404
    return org
