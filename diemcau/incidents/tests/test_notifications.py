"""Incidents through the outbox: e-mail through a real local SMTP server, signed webhooks retried with backoff, never blocking a request."""

import datetime as dt
import hashlib
import hmac
import json

from diemcau.conftest import free_port
from diemcau.core import outbox
from diemcau.core.models import Delivery, WebhookEndpoint
from diemcau.incidents.tests.conftest import local


def test_the_holder_gets_an_email_through_smtp(province, report, smtp_server, django_capture_on_commit_callbacks):
    province.tech.email = "tech@thongnong.example"
    province.tech.save()
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(province.site_a, province.other_tech, local(2026, 3, 9, 8, 0))
    [(to, content)] = [m for m in smtp_server.messages if "tech@thongnong.example" in m[0]]
    delivery = Delivery.objects.get(recipient="tech@thongnong.example")
    assert f"Message-ID: <delivery-{delivery.pk}@" in content
    assert incident.code in content
    assert Delivery.objects.get(recipient="tech@thongnong.example").status == "sent"


def test_a_dead_smtp_server_never_blocks_the_report_and_the_failure_is_kept(province, report, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    province.tech.email = "tech@thongnong.example"
    province.tech.save()
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    assert incident.pk
    delivery = Delivery.objects.get(recipient="tech@thongnong.example")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


def test_a_webhook_that_fails_twice_is_retried_with_backoff_then_delivered_signed(province, report, receiver,
                                                                                  at):
    WebhookEndpoint.objects.create(name="Trung tâm giám sát", url=receiver["url"], secret="s3cret")
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    delivery = Delivery.objects.get(channel="webhook", kind="incident.reported")
    start = local(2026, 3, 9, 8, 0)
    assert outbox.deliver_due(now=start) == 0          # 503
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at == start + dt.timedelta(minutes=1)
    assert outbox.deliver_due(now=start + dt.timedelta(seconds=30)) == 0   # not due yet: no call
    assert len(receiver["calls"]) == 1
    assert outbox.deliver_due(now=start + dt.timedelta(minutes=1)) == 0    # 503 again
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    assert outbox.deliver_due(now=start + dt.timedelta(minutes=3)) == 1    # 204
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3
    headers, body = receiver["calls"][-1]
    assert {h["X-Diemcau-Delivery"] for h, _ in receiver["calls"]} == {str(delivery.pk)}
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Diemcau-Signature"] == expected
    payload = json.loads(body)
    assert payload["event"] == "incident.reported" and payload["incident"]["code"] == incident.code


def test_a_delivery_gives_up_after_the_last_attempt(province, report, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    receiver["fail"] = 99
    WebhookEndpoint.objects.create(name="x", url=receiver["url"], secret="k")
    report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    moment = local(2026, 3, 9, 8, 0)
    outbox.deliver_due(now=moment)
    outbox.deliver_due(now=moment + dt.timedelta(hours=1))
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "failed" and "503" in delivery.last_error


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(province, report):
    province.tech.email = "t@example.org"
    province.tech.save()
    report(province.site_a, province.other_tech, local(2026, 3, 9, 8, 0))
    delivery = Delivery.objects.get(recipient="t@example.org")
    now = local(2026, 3, 9, 8, 1)
    assert outbox.claim(delivery.pk, now=now) is not None
    assert outbox.claim(delivery.pk, now=now) is None


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]
