"""Writes to the inventory: each validates, saves and records its history."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.core.history import record_change, snapshot
from diemcau.core.models import ChangeAction, ChangeVia
from diemcau.core.panels import site_retired
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
def inventory_object_retire(obj, *, user, via: str = ChangeVia.WEB) -> list[str]:
    """Retire an object (never delete it). Retiring a site retires what it holds.

    Returns what else stopped because of it, to tell the person: for a site,
    what the other apps did (its agent token is revoked).
    """
    now = timezone.now()
    obj.retired_at = now
    obj.updated_at = now
    obj.save(update_fields=["retired_at", "updated_at"])
    record_change(obj, user=user, action=ChangeAction.RETIRE, via=via, site=_site_of(obj))
    if not isinstance(obj, Site):
        return []
    for related in (obj.devices, obj.links, obj.contacts):
        for child in related.active():
            inventory_object_retire(child, user=user, via=via)
    return site_retired(obj, user)


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


# Imports run by the worker ---------------------------------------------------------------

def import_run_queue(*, file_token: str, user, organization, filename: str, dry_run: bool):
    """Record a check (``dry_run``) or an import of a kept upload and hand it to the worker."""
    import secrets

    from diemcau.inventory.models import ImportRun
    from diemcau.inventory.tasks import run_import

    run = ImportRun.objects.create(key=secrets.token_urlsafe(24), file_token=file_token, user=user,
                                   organization=organization, filename=filename[:255], dry_run=dry_run)
    transaction.on_commit(lambda: run_import(run.pk))
    return run


def import_run_execute(run_id: int, data_for) -> bool:
    """Run a queued check or import once: claimed with a conditional UPDATE, so two workers never both run it.

    ``data_for(run)`` gives the file's bytes (None when it is gone). Progress
    is written as the importer reads and checks, for the page to show.
    """
    from diemcau.inventory.choices import ImportStatus
    from diemcau.inventory.importer import import_inventory
    from diemcau.inventory.models import ImportRun

    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return False
    run = ImportRun.objects.select_related("user", "organization").get(pk=run_id)

    def progress(done, total):
        ImportRun.objects.filter(pk=run_id).update(rows_done=done, rows_total=total)

    data = data_for(run)
    if data is None:
        from diemcau.audit.services import IMPORT_FAILED, record_import

        record_import(what=_("Inventory"), filename=run.filename, size=0, outcome=IMPORT_FAILED, actor=run.user)
        ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.FAILED, finished_at=timezone.now(),
                                                  result={"detail": "file missing"})
        return True
    try:
        result = import_inventory(data, user=run.user, organization=run.organization, dry_run=run.dry_run,
                                  progress=progress, filename=run.filename)
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.FAILED, finished_at=timezone.now())
        raise
    ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.DONE, finished_at=timezone.now(),
                                              result=result.to_dict(), rows_done=result.rows,
                                              rows_total=result.rows)
    return True
