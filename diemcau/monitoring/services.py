"""Writes of the monitoring app: agent tokens, device checks, vendor OIDs."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.core.history import record_change, snapshot
from diemcau.core.models import ChangeAction
from diemcau.monitoring.models import AgentToken, DeviceCheck, VendorStatusOid, hash_token


@transaction.atomic
def agent_token_issue(*, site, user) -> tuple[AgentToken, str]:
    """Issue a new token for the site's agent, revoking the ones before it (a rotation).

    Returns the row and the raw token, which is never stored and shown once.
    """
    now = timezone.now()
    AgentToken.objects.filter(site=site, revoked_at__isnull=True).update(revoked_at=now)
    raw = AgentToken.new_raw()
    token = AgentToken(site=site, digest=hash_token(raw), hint=raw[:10], created_by=user, created_at=now)
    token.full_clean()
    token.save()
    record_change(token, user=user, action=ChangeAction.CREATE, site=site)
    return token, raw


@transaction.atomic
def agent_token_revoke(*, token: AgentToken, user) -> AgentToken:
    """Stop accepting results signed with this token (the agent gets 401)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_change(token, user=user, action=ChangeAction.RETIRE, site=token.site)
    return token


def site_retired(site, user) -> list[str]:
    """A retired site's agent may not report any more: its tokens are revoked (hook of ``core.apps``)."""
    notices = []
    for token in AgentToken.objects.filter(site=site, revoked_at__isnull=True):
        agent_token_revoke(token=token, user=user)
        notices.append(_("The agent token %(hint)s… of this site was revoked: its agent can no longer report. "
                         "If the site is restored, issue a new token on its page.") % {"hint": token.hint})
    return notices


def agent_throughput_request(*, site, user) -> int:
    """Ask the site's agent for one rate-capped throughput test (sent with its next answer)."""
    return AgentToken.objects.filter(site=site, revoked_at__isnull=True).update(throughput_requested_at=timezone.now())


def device_check_save(check: DeviceCheck, *, user=None) -> DeviceCheck:
    """Validate and save a device check; recorded in the site's history."""
    creating = check.pk is None
    before = None if creating else snapshot(DeviceCheck.objects.get(pk=check.pk))
    check.full_clean()
    check.save()
    record_change(check, user=user, action=ChangeAction.CREATE if creating else ChangeAction.UPDATE,
                  before=before, site=check.device.site)
    return check


def device_check_delete(check: DeviceCheck, *, user=None) -> None:
    record_change(check, user=user, action=ChangeAction.RETIRE, site=check.device.site)
    check.delete()


def vendor_oid_save(row: VendorStatusOid) -> VendorStatusOid:
    row.full_clean()
    row.save()
    return row
