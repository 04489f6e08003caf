"""Telling people: in-app notices at once, e-mails and webhooks queued and retried.

A notification never blocks the request that caused it: this module only
writes rows (``Notice`` for the application, ``Delivery`` for e-mail and
webhooks) and, after the transaction commits, queues the sending on the
worker. ``delivery_attempt`` sends one; failures are recorded and retried
with a growing delay (1, 2, 4 … minutes, at most an hour) up to
``INCIDENT_DELIVERY_MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core.models import Notice
from diemcau.incidents.choices import DeliveryChannel, DeliveryStatus
from diemcau.incidents.models import Delivery, WebhookEndpoint

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Diemcau-Signature"


def max_attempts() -> int:
    return getattr(settings, "INCIDENT_DELIVERY_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failures: 1, 2, 4 … minutes, at most one hour."""
    return dt.timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Who hears about what ---------------------------------------------------------

def holder_users(org_id) -> list[User]:
    roles = [Role.UNIT_HEAD, Role.SITE_TECH, Role.OPERATOR, Role.DOST_STAFF, Role.DOST_ADMIN]
    return list(User.objects.filter(organization_id=org_id, is_active=True, role__in=roles))


def unit_heads(org_id) -> list[User]:
    return list(User.objects.filter(organization_id=org_id, is_active=True, role=Role.UNIT_HEAD))


def department_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[Role.DOST_ADMIN, Role.DOST_STAFF]))


def _incident_url(incident) -> str:
    return incident.get_absolute_url()


def _payload(incident, kind: str, extra: dict | None = None) -> dict:
    data = {
        "event": f"incident.{kind}",
        "incident": {
            "id": incident.pk, "code": incident.code, "site": incident.site.code, "site_name": incident.site.name,
            "status": incident.status, "severity": incident.severity, "holder": incident.holder.code,
            "reported_at": incident.reported_at.isoformat(),
            "next_due_at": incident.next_due_at.isoformat() if incident.next_due_at else None,
            "breached": incident.breached, "url": settings.SITE_URL.rstrip("/") + _incident_url(incident),
        },
    }
    data.update(extra or {})
    return data


def send(*, kind: str, title: str, body: str, users=(), emails=(), incident=None, payload=None) -> None:
    """Notices now; e-mails and webhooks as Delivery rows, queued after commit."""
    users = {u.pk: u for u in users}.values()
    Notice.objects.bulk_create([
        Notice(user=u, title=title[:300], body=body, kind=kind[:40], url=_incident_url(incident) if incident else "")
        for u in users
    ])
    addresses = {u.email for u in users if u.email} | {e for e in emails if e}
    deliveries = [
        Delivery(channel=DeliveryChannel.EMAIL, recipient=address, incident=incident, kind=kind, subject=title[:300],
                 body=body + ("\n\n" + settings.SITE_URL.rstrip("/") + _incident_url(incident) if incident else ""))
        for address in sorted(addresses)
    ]
    if incident is not None:
        endpoints = WebhookEndpoint.objects.filter(is_active=True).filter(
            Q(organization__isnull=True) | Q(organization_id__in=[incident.holder_id, incident.site.organization_id])
        )
        deliveries += [
            Delivery(channel=DeliveryChannel.WEBHOOK, recipient=e.url, endpoint=e, incident=incident, kind=kind,
                     payload=payload or _payload(incident, kind))
            for e in endpoints
        ]
    created = Delivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in created if d.pk]
    if not ids:  # backends that do not return ids from bulk_create
        ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0, kind=kind)
                   .order_by("-pk").values_list("pk", flat=True)[:len(deliveries)])

    def enqueue():
        from diemcau.incidents.tasks import delivery_send

        for pk in ids:
            try:
                delivery_send(pk)
            except Exception:  # the queue is down: the periodic retry picks the row up
                log.exception("Could not queue delivery %s", pk)

    transaction.on_commit(enqueue)


def incident_changed(incident, event, kind: str) -> None:
    """Tell the people concerned about one step of an incident."""
    with override(settings.LANGUAGE_CODE):
        context = {"code": incident.code, "site": incident.site.name, "holder": incident.holder.name,
                   "step": event.get_kind_display(), "note": event.note}
        users = []
        if kind in ("reported", "assigned", "reopened"):
            users = holder_users(incident.holder_id)
            title = _("%(code)s: new incident at %(site)s for %(holder)s") % context
        else:
            title = _("%(code)s at %(site)s: %(step)s") % context
        if kind in ("acknowledged", "responded", "paused", "resolved") and incident.reported_by_id:
            users.append(incident.reported_by)
        if kind == "resumed":
            users = holder_users(incident.holder_id)
        body = "\n".join(p for p in (title, event.note) if p)
    send(kind=f"incident.{kind}", title=title, body=body, users=users, incident=incident,
         payload=_payload(incident, kind, {"step": event.kind, "note": event.note}))


def clock_warned(clock) -> None:
    incident = clock.incident
    with override(settings.LANGUAGE_CODE):
        due = timezone.localtime(clock.due_at).strftime("%H:%M %d/%m/%Y")
        title = _("%(code)s at %(site)s: the %(target)s target passes at %(due)s") % {
            "code": incident.code, "site": incident.site.name, "target": clock.get_target_display().lower(),
            "due": due}
    send(kind="incident.warned", title=title, body=title, users=holder_users(clock.holder_id), incident=incident,
         payload=_payload(incident, "warned", {"target": clock.target, "due_at": clock.due_at.isoformat()}))


def clock_escalated(clock, level: int) -> None:
    """Level 1: the holder's head (or the operator's escalation contact); level 2: the department."""
    incident = clock.incident
    holder = clock.holder
    emails: list[str] = []
    if level == 1:
        if holder.is_operator:
            users = holder_users(holder.pk)
            emails = [holder.escalation_email]
        elif holder.kind.code == "dost":
            users = [u for u in department_users() if u.role == Role.DOST_ADMIN]
        else:
            users = unit_heads(holder.pk) or department_users()
    else:
        users = department_users()
    with override(settings.LANGUAGE_CODE):
        title = _("%(code)s at %(site)s: %(holder)s missed the %(target)s target (escalation level %(level)s)") % {
            "code": incident.code, "site": incident.site.name, "holder": holder.name,
            "target": clock.get_target_display().lower(), "level": level}
        body = title
        if holder.is_operator and holder.escalation_contact:
            body += "\n" + _("Escalation contact: %(name)s %(phone)s") % {
                "name": holder.escalation_contact, "phone": holder.escalation_phone}
    send(kind="incident.escalated", title=title, body=body, users=users, emails=emails, incident=incident,
         payload=_payload(incident, "escalated", {"target": clock.target, "level": level}))


# Sending ---------------------------------------------------------------------------

def _send_email(delivery: Delivery) -> None:
    EmailMessage(subject=delivery.subject, body=delivery.body, to=[delivery.recipient]).send(fail_silently=False)


def _send_webhook(delivery: Delivery) -> None:
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    secret = delivery.endpoint.secret if delivery.endpoint_id else ""
    request = urllib.request.Request(delivery.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(secret, body),
        "X-Diemcau-Event": delivery.payload.get("event", delivery.kind),
        "X-Diemcau-Delivery": str(delivery.pk),
        "User-Agent": "diemcau-webhook",
    })
    timeout = getattr(settings, "INCIDENT_WEBHOOK_TIMEOUT", 10)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL set by DOST)
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(delivery.recipient, response.status, "not 2xx", response.headers, None)


def delivery_attempt(delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """Try once; record success, or the error and when to try again."""
    now = now or timezone.now()
    try:
        if delivery.channel == DeliveryChannel.EMAIL:
            _send_email(delivery)
        else:
            _send_webhook(delivery)
    except Exception as exc:
        delivery.attempts += 1
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= max_attempts():
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return False
    delivery.attempts += 1
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return True


def claim_delivery(pk: int, *, now: dt.datetime) -> Delivery | None:
    """Take a due delivery for this worker: push its next try forward in one conditional UPDATE."""
    lease = now + dt.timedelta(minutes=5)
    claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=lease)
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=pk)


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every pending delivery whose time has come; returns how many were sent."""
    now = now or timezone.now()
    pks = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in pks:
        delivery = claim_delivery(pk, now=now)
        if delivery is not None and delivery_attempt(delivery, now=now):
            sent += 1
    return sent
