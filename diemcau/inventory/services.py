"""Writes to the inventory: each validates, saves and records its history."""

from django.db import transaction
from django.utils import timezone

from diemcau.core.history import record_change, snapshot
from diemcau.core.models import ChangeAction, ChangeVia
from diemcau.inventory.models import Site


def _site_of(obj) -> Site:
    return obj if isinstance(obj, Site) else obj.site


@transaction.atomic
def inventory_object_save(obj, *, user, before: dict | None = None, via: str = ChangeVia.WEB):
    """Validate and save a site, device, link or contact and record the change.

    ``before`` is the object's ``snapshot()`` taken before the caller changed
    it; without it the save is recorded as a creation.
    """
    created = obj.pk is None
    obj.full_clean()
    obj.updated_at = timezone.now()
    obj.save()
    record_change(
        obj, user=user, before=before, via=via, site=_site_of(obj),
        action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
    )
    return obj


@transaction.atomic
def inventory_object_retire(obj, *, user, via: str = ChangeVia.WEB):
    """Retire an object (never delete it). Retiring a site retires what it holds."""
    now = timezone.now()
    obj.retired_at = now
    obj.updated_at = now
    obj.save(update_fields=["retired_at", "updated_at"])
    record_change(obj, user=user, action=ChangeAction.RETIRE, via=via, site=_site_of(obj))
    if isinstance(obj, Site):
        for related in (obj.devices, obj.links, obj.contacts):
            for child in related.active():
                inventory_object_retire(child, user=user, via=via)
    return obj


@transaction.atomic
def inventory_object_restore(obj, *, user, via: str = ChangeVia.WEB):
    """Bring a retired object back (its constraints are checked again)."""
    obj.retired_at = None
    obj.full_clean()
    obj.updated_at = timezone.now()
    obj.save(update_fields=["retired_at", "updated_at"])
    record_change(obj, user=user, action=ChangeAction.RESTORE, via=via, site=_site_of(obj))
    return obj


__all__ = ["inventory_object_save", "inventory_object_retire", "inventory_object_restore", "snapshot"]
