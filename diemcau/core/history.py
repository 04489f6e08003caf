"""Keeping the history of every change (who, when, what).

Services call ``snapshot()`` before they change an object and
``record_change()`` after saving it; the record stores readable before/after
values per field, so a page can show the history without loading old rows.
"""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from diemcau.core.models import ChangeAction, ChangeRecord, ChangeVia

_SKIPPED = {"id", "search_text", "created_at", "updated_at", "retired_at", "password", "last_login"}


def _readable(obj: models.Model, field: models.Field):
    if isinstance(field, models.ForeignKey):
        related = getattr(obj, field.name)
        return str(related) if related is not None else None
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(obj: models.Model) -> dict:
    """Readable values of the object's editable concrete fields."""
    return {
        f.name: _readable(obj, f)
        for f in obj._meta.concrete_fields
        if f.name not in _SKIPPED and f.editable
    }


def diff(before: dict, after: dict) -> dict:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value and not (before.get(name) in (None, "") and value in (None, ""))
    }


def record_change(
    obj: models.Model, *, user, action: str, before: dict | None = None,
    via: str = ChangeVia.WEB, site=None,
) -> ChangeRecord | None:
    """Write one history row; an update that changed nothing writes none."""
    record = change_record(obj, user=user, action=action, before=before, via=via, site=site)
    if record is not None:
        record.save()
    return record


def change_record(
    obj: models.Model, *, user, action: str, before: dict | None = None,
    via: str = ChangeVia.WEB, site=None,
) -> ChangeRecord | None:
    """The history row ``record_change`` writes, unsaved: for writers that save many at once (bulk_create)."""
    after = snapshot(obj)
    if action == ChangeAction.CREATE:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
    elif action == ChangeAction.UPDATE:
        changes = diff(before or {}, after)
        if not changes:
            return None
    else:
        changes = {}
    return ChangeRecord(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        site=site,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        via=via,
        changes=changes,
    )


def history_for(obj: models.Model):
    """Change records of one object, newest first, with their users."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("user")
