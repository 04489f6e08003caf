"""Who sees and changes what in monitoring: its rules in the one scope, built on the inventory's site access.

- Quality figures, alerts and device check results follow the site: whoever
  sees the site sees them (operators: the sites whose links they provide).
- Agent tokens and device checks are changed by whoever changes the site
  (its unit's users, DOST).
- Vendor status OIDs are province-wide configuration: DOST only.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diemcau.core.scope import EDITORS, Rule, get_for_user, register
from diemcau.inventory.access import can_change_site, served, site_for_user, sites_for_user
from diemcau.monitoring.models import AgentToken, DeviceCheck

register(DeviceCheck, view=Rule(unit="device__site__organization", operator=served("device__site")),
         change=Rule(province=EDITORS, unit="device__site__organization"))


def monitored_sites_for_user(user):
    return sites_for_user(user)


def site_for_monitoring(user, pk, *, change: bool = False):
    return site_for_user(user, pk, change=change)


def can_manage_agent(user, site) -> bool:
    return not site.is_retired and can_change_site(user, site)


def token_for_user(user, site, pk) -> AgentToken:
    token = AgentToken.objects.filter(site=site, pk=pk).first()
    if token is None:
        raise Http404
    if not can_manage_agent(user, site):
        raise PermissionDenied
    return token


def check_for_user(user, pk, *, change: bool = False) -> DeviceCheck:
    return get_for_user(DeviceCheck.objects.select_related("device", "device__site"), user, pk,
                        "change" if change else "view")


def can_configure_vendors(user) -> bool:
    return user.is_authenticated and user.edits_province
