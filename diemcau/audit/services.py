"""``record(...)``: the one way to write the audit log (and forward it to syslog).

Every app calls it for the events the province must be able to reconstruct:
sign-ins and their failures, locks, MFA changes, API tokens, account and role
changes, exports and imports. The row is written at once, in the caller's
transaction when there is one: record a refused or failed operation *after*
its transaction has rolled back, or it is rolled back with it.
"""

import json
import logging

from django.db import models

from diemcau.audit.choices import AuditAction, AuditVia
from diemcau.audit.models import AuditEvent
from diemcau.core.exports import request_filters
from diemcau.lib.net import client_ip

logger = logging.getLogger("diemcau.audit")


def _target_fields(target) -> dict:
    if target is None:
        return {}
    if isinstance(target, models.Model):
        return {
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk or ""),
            "target_repr": str(target)[:200],
        }
    return {"target_repr": str(target)[:200]}


def record(
    action: AuditAction | str,
    *,
    request=None,
    actor=None,
    actor_name: str = "",
    target=None,
    details: dict | None = None,
    via: AuditVia | str | None = None,
) -> AuditEvent:
    """Append one event to the audit log.

    ``request`` gives the address, the browser and (when signed in) the
    actor; ``actor`` overrides it (a job acting on a user names nobody:
    pass neither). ``actor_name`` is the username as typed when there is no
    user (a failed sign-in). ``target`` is the object acted on (a model
    instance or a short text); ``details`` a small JSON-able dict.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if via is None:
        if request is None:
            via = AuditVia.SYSTEM
        elif request.path.startswith("/api/"):
            via = AuditVia.API
        else:
            via = AuditVia.WEB
    event = AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_name=(actor.get_username() if actor is not None else actor_name)[:150],
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        via=via,
        details=details or {},
        **_target_fields(target),
    )
    # Forwarded as one JSON line; settings route the "diemcau.audit" logger to syslog when asked.
    logger.info(json.dumps({
        "at": event.at.isoformat(), "action": event.action, "user": event.actor_name, "ip": event.ip,
        "via": event.via, "target": event.target_repr, "target_type": event.target_type,
        "target_id": event.target_id, "details": event.details,
    }, ensure_ascii=False, default=str))
    return event


# Exports and imports ---------------------------------------------------------------------------------------

# What an import came to (details["outcome"]).
IMPORT_SAVED = "saved"        # the file was good and its rows were written
IMPORT_CHECKED = "checked"    # a dry run: the file is good, nothing was written
IMPORT_REFUSED = "refused"    # errors in the file (or the file itself): nothing was written
IMPORT_FAILED = "failed"      # the import stopped on an unexpected error: nothing was written

def record_export(*, what, list_code: str, fmt: str, rows: int | None, request=None, actor=None, filters: dict | None = None,
                  via: AuditVia | str | None = None, complete: bool = True) -> AuditEvent:
    """One export: who, which list (``what`` is its name, ``list_code`` the file's stem), filters, rows, format.

    ``complete`` is false when a streamed download stopped before its last row.
    """
    details = {"list": list_code, "format": fmt}
    if rows is not None:
        details["rows"] = rows
    details["filters"] = request_filters(request) if filters is None else filters
    if not complete:
        details["complete"] = False
    return record(AuditAction.EXPORT, request=request, actor=actor, target=str(what), via=via, details=details)


def record_import(*, what, filename: str, size: int, outcome: str, request=None, actor=None,
                  changed: int | None = None, errors: int | None = None, via: AuditVia | str | None = None,
                  ) -> AuditEvent:
    """One import, whatever came of it: who, what data, the file's name and size, the outcome and the counts.

    Call it after the import's transaction has ended (a refused import rolls
    back, and this row must stay).
    """
    details = {"file": str(filename or "")[:200], "size": int(size), "outcome": outcome}
    if changed is not None:
        details["changed"] = int(changed)
    if errors is not None:
        details["errors"] = int(errors)
    return record(AuditAction.IMPORT, request=request, actor=actor, target=str(what), via=via, details=details)
