"""The outbox: the one way every app tells people something.

``send(...)`` writes, inside the caller's transaction, an in-app ``Notice``
per user and a ``Delivery`` row per e-mail address and webhook; after the
transaction commits, the worker sends the deliveries. The caller never waits
for a mail server or a webhook receiver, and a rolled-back change tells no one.

Semantics (docs/outbox.md): at least once, with an idempotency key.

- ``key`` names the event (``"incident.reported:1234"``): the same event
  announced twice writes its notices and deliveries once.
- Every attempt is recorded and committed (``status=sending``,
  ``attempts+1``) *before* the message leaves. When the receiver refused it
  or could not be reached, the attempt failed for certain: it is retried with
  a growing delay (1, 2, 4 … minutes, at most an hour) up to
  ``OUTBOX_MAX_ATTEMPTS`` times. When it was accepted, it is ``sent`` and
  never sent again — even if saving that outcome failed: a row left in
  ``sending`` past its lease is marked ``uncertain``, not sent again; the
  department decides on the outbox page (send again, or mark delivered).
- The receiver can drop a duplicate it might still see (a resend decided by a
  person, a reply lost on the network) by the delivery's id: the e-mail's
  ``Message-ID`` is stable per delivery, and webhook calls carry
  ``X-Diemcau-Delivery``.

Logging: one line per attempt that fails (what, why, when the next try is),
never a traceback for a mail server or receiver that is down.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from diemcau.core.choices import DeliveryChannel, DeliveryStatus
from diemcau.core.models import ChannelPreference, Delivery, Notice, WebhookEndpoint

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Diemcau-Signature"
DELIVERY_HEADER = "X-Diemcau-Delivery"
# How long an attempt may stay without an outcome before it counts as uncertain.
LEASE = dt.timedelta(minutes=5)
# Saving an outcome is retried this many times (a locked or restarting database) before giving up.
RECORD_TRIES = 4

_deliveries_on = contextvars.ContextVar("outbox_deliveries", default=True)


@contextlib.contextmanager
def notices_only():
    """Write the in-app notices but no e-mail or webhook (the demo writes a year of history)."""
    token = _deliveries_on.set(False)
    try:
        yield
    finally:
        _deliveries_on.reset(token)


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failures: 1, 2, 4 … minutes, at most one hour."""
    return dt.timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def topic_of(kind: str) -> str:
    """The topic a user chooses channels for: ``incident`` of ``incident.escalated``."""
    return kind.split(".", 1)[0]


def email_wanted(users, topic: str) -> list:
    """The users who did not turn e-mail off for ``topic``."""
    users = list(users)
    off = set(ChannelPreference.objects.filter(user__in=[u.pk for u in users], topic=topic, email=False)
              .values_list("user_id", flat=True))
    return [u for u in users if u.pk not in off]


def absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


# Writing ----------------------------------------------------------------------------------------

def send(*, kind: str, title: str, body: str, key: str, users=(), emails=(), url: str = "",
         webhook_payload: dict | None = None, webhook_orgs=()) -> int:
    """Tell ``users`` (in-app notice, and e-mail unless they turned it off) and ``emails``.

    With ``webhook_payload`` the active webhooks for everyone, or for one of
    ``webhook_orgs``, are called with it. ``key`` identifies the event: the
    same key sent again writes nothing new. Call it inside the transaction
    of the change it announces; returns the number of users told.
    """
    if not key:
        raise ValueError("outbox.send needs the event's idempotency key")
    users = list({u.pk: u for u in users}.values())
    title, kind = title[:300], kind[:40]
    Notice.objects.bulk_create([Notice(user=u, title=title, body=body, kind=kind, url=url, key=key) for u in users],
                               ignore_conflicts=True)
    if not _deliveries_on.get():
        return len(users)
    addresses = {u.email for u in email_wanted(users, topic_of(kind)) if u.email} | {e for e in emails if e}
    text = body + ("\n\n" + absolute(url) if url else "")
    deliveries = [Delivery(channel=DeliveryChannel.EMAIL, recipient=address, kind=kind, key=key, url=url,
                           subject=title, body=text) for address in sorted(addresses)]
    if webhook_payload is not None:
        endpoints = WebhookEndpoint.objects.filter(is_active=True).filter(
            Q(organization__isnull=True) | Q(organization_id__in=[o for o in webhook_orgs if o]))
        deliveries += [Delivery(channel=DeliveryChannel.WEBHOOK, recipient=e.url, endpoint=e, kind=kind, key=key,
                                url=url, payload=webhook_payload) for e in endpoints]
    if deliveries:
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        transaction.on_commit(_queue)
    return len(users)


def _queue() -> None:
    from diemcau.core.tasks import outbox_send_task

    try:
        outbox_send_task()
    except Exception as exc:  # the queue is down: the job every minute sends them
        log.warning("outbox: could not queue the sending (%s); the minute job will send", exc)


# Sending ----------------------------------------------------------------------------------------

class NotSent(Exception):
    """The attempt failed for certain: the message never reached the receiver, or it refused it."""


class Uncertain(Exception):
    """The message may have reached the receiver: sending it again could duplicate it."""


def message_id(delivery: Delivery) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "diemcau.invalid"
    return f"<delivery-{delivery.pk}@{host}>"


def _send_email(delivery: Delivery) -> None:
    message = EmailMessage(subject=delivery.subject, body=delivery.body, to=[delivery.recipient], headers={
        "Message-ID": message_id(delivery), DELIVERY_HEADER: str(delivery.pk)})
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # nothing was handed over
        raise NotSent(_describe(exc))
    try:
        connection.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        raise NotSent(_describe(exc))  # the server answered no
    except Exception as exc:
        raise Uncertain(_describe(exc))
    finally:
        with contextlib.suppress(Exception):
            connection.close()


def _send_webhook(delivery: Delivery) -> None:
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    secret = delivery.endpoint.secret if delivery.endpoint_id else ""
    request = urllib.request.Request(delivery.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(secret, body),
        "X-Diemcau-Event": delivery.payload.get("event", delivery.kind),
        DELIVERY_HEADER: str(delivery.pk),
        "User-Agent": "diemcau-webhook",
    })
    timeout = int(getattr(settings, "OUTBOX_WEBHOOK_TIMEOUT", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL set by DOST)
            status = response.status
    except urllib.error.HTTPError as exc:  # the receiver answered: it did not take it
        raise NotSent(f"HTTP {exc.code}")
    except urllib.error.URLError as exc:  # connecting or sending the request failed
        raise NotSent(_describe(exc.reason if isinstance(exc.reason, Exception) else exc))
    except (OSError, http.client.HTTPException) as exc:  # sent, but no answer
        raise Uncertain(_describe(exc))
    if not 200 <= status < 300:
        raise NotSent(f"HTTP {status}")


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{type(exc).__name__}: {text}"[:2000]


TRANSPORTS = {DeliveryChannel.EMAIL: _send_email, DeliveryChannel.WEBHOOK: _send_webhook}


def claim(pk: int, *, now: dt.datetime) -> Delivery | None:
    """Record an attempt on a due delivery for this worker, in one conditional UPDATE.

    Called outside any transaction, so the attempt is committed before the
    message leaves: two workers never send the same delivery at once, and an
    attempt whose outcome is lost is known to have been made.
    """
    won = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, attempt_started_at=now)
    if not won:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=pk)


def _save_outcome(delivery: Delivery, fields: dict) -> bool:
    """Write the outcome of this worker's attempt (also over an ``uncertain`` mark set meanwhile)."""
    return bool(Delivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts,
        status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN]).update(**fields))


def _record(delivery: Delivery, fields: dict) -> bool:
    """Save the outcome, trying again while the database refuses; False when it could not be saved."""
    for tries in range(1, RECORD_TRIES + 1):
        try:
            return _save_outcome(delivery, fields)
        except DatabaseError as exc:
            log.warning("outbox: delivery %s: could not save its outcome (%s), try %s of %s",
                        delivery.pk, exc, tries, RECORD_TRIES)
            if transaction.get_connection().in_atomic_block:
                break
            close_old_connections()
            time.sleep(0.5 * tries)
    log.error("outbox: delivery %s: outcome %s not saved; it will be marked uncertain, not sent again",
              delivery.pk, fields.get("status"))
    return False


def attempt(delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """Send one claimed delivery and record what happened; True when it was sent."""
    now = now or timezone.now()
    what = f"{delivery.channel} {delivery.pk} ({delivery.kind}) to {delivery.recipient}"
    try:
        TRANSPORTS[delivery.channel](delivery)
    except NotSent as exc:
        if delivery.attempts >= max_attempts():
            log.error("outbox: %s not sent: %s; attempt %s, given up", what, exc, delivery.attempts)
            _record(delivery, {"status": DeliveryStatus.FAILED, "last_error": str(exc)})
        else:
            retry_at = now + backoff(delivery.attempts)
            log.warning("outbox: %s not sent: %s; attempt %s, next try at %s", what, exc, delivery.attempts,
                        timezone.localtime(retry_at).strftime("%H:%M:%S %d/%m/%Y"))
            _record(delivery, {"status": DeliveryStatus.PENDING, "last_error": str(exc),
                               "next_attempt_at": retry_at})
        return False
    except Uncertain as exc:
        log.error("outbox: %s may or may not have arrived: %s; not sent again unless someone decides", what, exc)
        _record(delivery, {"status": DeliveryStatus.UNCERTAIN, "last_error": str(exc)})
        return False
    _record(delivery, {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""})
    return True


def sweep(*, now: dt.datetime | None = None) -> int:
    """Attempts left without an outcome past their lease: mark them uncertain (never send them again)."""
    now = now or timezone.now()
    stale = list(Delivery.objects.filter(status=DeliveryStatus.SENDING, attempt_started_at__lt=now - LEASE)
                 .values_list("pk", "attempt_started_at"))
    marked = 0
    for pk, started in stale:
        marked += Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, attempt_started_at=started).update(
            status=DeliveryStatus.UNCERTAIN,
            last_error=f"The attempt of {timezone.localtime(started).isoformat()} has no recorded outcome.")
        log.error("outbox: delivery %s: the attempt started at %s has no outcome; marked uncertain", pk, started)
    return marked


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every pending delivery whose time has come; returns how many were sent."""
    now = now or timezone.now()
    sweep(now=now)
    pks = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in pks:
        delivery = claim(pk, now=now)
        if delivery is not None and attempt(delivery, now=now):
            sent += 1
    return sent


# The department's decisions on uncertain and failed deliveries ---------------------------------

def delivery_retry(delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """Send again (same id, so the receiver can drop it if it had it): for uncertain and failed ones."""
    now = now or timezone.now()
    return bool(Delivery.objects.filter(pk=delivery.pk, status__in=[DeliveryStatus.UNCERTAIN,
                                                                    DeliveryStatus.FAILED]).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now))


def delivery_mark_sent(delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """The receiver confirmed it had it: close an uncertain delivery without sending."""
    now = now or timezone.now()
    return bool(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.UNCERTAIN).update(
        status=DeliveryStatus.SENT, sent_at=now))
