"""Who sees and changes which inventory objects: the inventory's rules in the one scope (``core.scope``).

Every view, export and API call goes through ``scope``. An object the user
may not see raises 404 (so guessed ids leak nothing); an object they may
see but not change raises 403.

- ``dost_admin``, ``dost_staff``, ``leader``, ``auditor``: see everything;
  the two ``dost_*`` roles change any inventory object.
- ``unit_head``, ``site_tech``: see and change their organisation's sites.
- ``operator``: sees the sites whose active links it provides, and changes
  those links only.

``served(path)`` is the operator's part of a rule for any model that hangs
off a site: other apps use it in their own declarations.
"""

from django.db.models import Q, QuerySet

from diemcau.core.scope import EDITORS, Rule, allowed, get_for_user, register, scope
from diemcau.inventory.models import Contact, Device, Link, Organization, Site


def served(path: str):
    """An operator's rows: those whose site (at ``path``) has an active link it provides."""
    def rows(user) -> Q:
        sites = Link.objects.active().filter(provider_id=user.organization_id).values("site_id")
        return Q(**{f"{path}__in": sites})

    return rows


def _visible_organizations(user) -> Q:
    """An organisation whose sites the user sees, and the user's own."""
    return Q(pk__in=scope(Site.objects.active(), user).values("organization_id")) | Q(pk=user.organization_id)


ON_SITE = Rule(unit="site__organization", operator=served("site"))
CHANGE_ON_SITE = Rule(province=EDITORS, unit="site__organization")

register(Site, view=Rule(unit="organization", operator=served("pk")),
         change=Rule(province=EDITORS, unit="organization"),
         # Operators log calls and report incidents for the sites they serve; readers report nothing.
         report=Rule(province=EDITORS, unit="organization", operator=served("pk")))
register(Device, view=ON_SITE, change=CHANGE_ON_SITE)
register(Contact, view=ON_SITE, change=CHANGE_ON_SITE)
register(Link, view=ON_SITE, change=Rule(province=EDITORS, unit="site__organization", operator="provider"))
register(Organization, view=Rule(unit=_visible_organizations, operator=_visible_organizations),
         add_site=Rule(province=EDITORS, unit="pk"),
         # An organisation's people (its users, the incidents it holds as a filter): the province roles
         # see every organisation's, everyone else their own.
         members=Rule(others="pk"))


# Sites ---------------------------------------------------------------------

def sites_for_user(user, *, include_retired: bool = False) -> QuerySet[Site]:
    return scope(Site.objects.all() if include_retired else Site.objects.active(), user)


def site_for_user(user, pk, *, change: bool = False, include_retired: bool = True) -> Site:
    qs = (Site.objects.all() if include_retired else Site.objects.active()).select_related(
        "organization", "organization__kind")
    return get_for_user(qs, user, pk, "change" if change else "view")


def organizations_where_user_adds_sites(user) -> QuerySet[Organization]:
    qs = Organization.objects.units().filter(is_active=True)
    return scope(qs, user, "add_site")


def contacts_for_user(user, *, include_retired: bool = False) -> QuerySet[Contact]:
    return scope(Contact.objects.all() if include_retired else Contact.objects.active(), user)


def can_change_site(user, site: Site) -> bool:
    return allowed(user, site, "change")


def can_add_link(user, site: Site) -> bool:
    """Operators add links they provide to sites they already serve."""
    return allowed(user, site, "change") or user.is_operator
