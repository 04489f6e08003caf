"""The outbox: every message once, nothing lost — against a real SMTP server and a real webhook receiver."""

import datetime as dt
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from diemcau.conftest import free_port
from diemcau.core import outbox
from diemcau.core.models import ChannelPreference, Delivery, Notice, WebhookEndpoint


@pytest.fixture
def t0(province):
    """A minute from now, on the minute: every delivery written in the test is due by then.

    Taken after the province is built, which can take longer than a minute on a busy machine."""
    return (timezone.now() + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)


def announce(users=(), emails=(), key="test.event:1", **extra):
    return outbox.send(kind="test.event", title="Sự kiện", body="Nội dung", key=key, users=users, emails=emails,
                       url="/incidents/1/", **extra)


def test_the_same_event_announced_twice_is_written_once(province):
    province.tech.email = "tech@example.org"
    province.tech.save()
    for _ in range(2):
        announce(users=[province.tech, province.head], emails=["noc@example.org"])
    assert Notice.objects.filter(key="test.event:1").count() == 2
    assert sorted(Delivery.objects.values_list("recipient", flat=True)) == ["noc@example.org", "tech@example.org"]


def test_a_key_is_required(province):
    with pytest.raises(ValueError):
        announce(users=[province.tech], key="")


def test_a_user_who_turned_email_off_for_a_topic_gets_the_notice_only(province):
    province.tech.email, province.head.email = "tech@example.org", "head@example.org"
    province.tech.save()
    province.head.save()
    ChannelPreference.objects.create(user=province.tech, topic="test", email=False)
    announce(users=[province.tech, province.head])
    assert Notice.objects.filter(user=province.tech).exists()
    assert list(Delivery.objects.values_list("recipient", flat=True)) == ["head@example.org"]


def test_webhooks_are_called_for_everyone_or_for_their_organisation(province, receiver):
    everyone = WebhookEndpoint.objects.create(name="Tỉnh", url=receiver["url"] + "?all", secret="a")
    mine = WebhookEndpoint.objects.create(name="Xã A", url=receiver["url"] + "?a", secret="b",
                                          organization=province.commune_a)
    WebhookEndpoint.objects.create(name="Xã B", url=receiver["url"] + "?b", secret="c",
                                   organization=province.commune_b)
    announce(webhook_payload={"event": "test.event"}, webhook_orgs=[province.commune_a.pk])
    assert set(Delivery.objects.values_list("endpoint", flat=True)) == {everyone.pk, mine.pk}


def test_a_rolled_back_change_tells_no_one(province):
    with pytest.raises(RuntimeError), transaction.atomic():
        announce(users=[province.tech], emails=["noc@example.org"])
        raise RuntimeError
    assert not Notice.objects.exists() and not Delivery.objects.exists()


def test_the_demo_writes_notices_but_mails_no_one(province):
    with outbox.notices_only():
        announce(users=[province.tech], emails=["noc@example.org"])
    assert Notice.objects.exists() and not Delivery.objects.exists()


def test_an_email_has_a_message_id_stable_across_attempts(t0, province, settings, smtp_server):
    announce(emails=["noc@example.org"])
    delivery = Delivery.objects.get()
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # down for the first attempt
    assert outbox.deliver_due(now=t0) == 0
    settings.EMAIL_PORT = port
    assert outbox.deliver_due(now=t0 + dt.timedelta(minutes=1)) == 1
    [(to, content)] = smtp_server.messages
    assert to == ["noc@example.org"] and f"Message-ID: <delivery-{delivery.pk}@127.0.0.1>" in content
    assert f"X-Diemcau-Delivery: {delivery.pk}" in content
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2


def test_an_unreachable_smtp_server_is_one_log_line_per_attempt_with_the_retry_time(t0, province, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    announce(emails=["noc@example.org", "truc@example.org"])
    with caplog.at_level(logging.INFO):
        outbox.deliver_due(now=t0)
    retry = timezone.localtime(t0 + dt.timedelta(minutes=1)).strftime("%H:%M:%S %d/%m/%Y")
    lines = [r for r in caplog.records if r.name.startswith("diemcau")]
    assert len(lines) == 2
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
    assert all("Connection refused" in r.getMessage() and f"next try at {retry}" in r.getMessage()
               for r in lines)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 1)}


def test_a_claimed_delivery_whose_send_failed_is_retried_and_sent_once(t0, province, settings, smtp_server):
    """The claim (the attempt) is committed before the send: a failed send leaves it due again, never lost."""
    announce(emails=["noc@example.org"])
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    outbox.deliver_due(now=t0)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.next_attempt_at == t0 + dt.timedelta(minutes=1)
    settings.EMAIL_PORT = port
    assert outbox.deliver_due(now=t0 + dt.timedelta(seconds=30)) == 0  # not due yet
    assert outbox.deliver_due(now=t0 + dt.timedelta(minutes=1)) == 1
    assert outbox.deliver_due(now=t0 + dt.timedelta(hours=2)) == 0
    assert len(smtp_server.messages) == 1


def test_a_send_that_succeeded_but_whose_outcome_was_not_saved_is_not_sent_again(t0, province, receiver, monkeypatch):
    receiver["fail"] = 0
    WebhookEndpoint.objects.create(name="NOC", url=receiver["url"], secret="s")
    announce(webhook_payload={"event": "test.event"})
    delivery = Delivery.objects.get()

    def database_down(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(outbox, "_save_outcome", database_down)
    monkeypatch.setattr(outbox.time, "sleep", lambda seconds: None)
    assert outbox.deliver_due(now=t0) == 1     # sent; only its record is missing
    monkeypatch.undo()
    assert len(receiver["calls"]) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sending" and delivery.attempts == 1
    # The lease runs out: the attempt's outcome is unknown, so it is marked, not sent again.
    assert outbox.deliver_due(now=t0 + outbox.LEASE + dt.timedelta(seconds=1)) == 0
    assert outbox.deliver_due(now=t0 + dt.timedelta(hours=3)) == 0
    delivery.refresh_from_db()
    assert delivery.status == "uncertain" and len(receiver["calls"]) == 1
    # Only a person sends it again, with the same id for the receiver to recognise.
    assert outbox.delivery_retry(delivery, now=t0 + dt.timedelta(hours=3))
    assert outbox.deliver_due(now=t0 + dt.timedelta(hours=3)) == 1
    assert [h["X-Diemcau-Delivery"] for h, _ in receiver["calls"]] == [str(delivery.pk)] * 2


@pytest.fixture
def silent_receiver():
    """A receiver that reads the call and never answers in time."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(1)
            time.sleep(2)

        def log_message(self, *args):
            pass

    calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", calls
    server.shutdown()


def test_a_call_the_receiver_took_but_never_answered_is_uncertain_and_not_repeated(t0, province, settings,
                                                                                   silent_receiver):
    settings.OUTBOX_WEBHOOK_TIMEOUT = 1
    url, calls = silent_receiver
    WebhookEndpoint.objects.create(name="NOC", url=url, secret="s")
    announce(webhook_payload={"event": "test.event"})
    outbox.deliver_due(now=t0)
    outbox.deliver_due(now=t0 + dt.timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.status == "uncertain" and delivery.attempts == 1 and len(calls) == 1
    assert outbox.delivery_mark_sent(delivery, now=t0 + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_refused_webhook_is_given_up_after_the_last_attempt(t0, province, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    receiver["fail"] = 99
    WebhookEndpoint.objects.create(name="x", url=receiver["url"], secret="k")
    announce(webhook_payload={"event": "test.event"})
    outbox.deliver_due(now=t0)
    outbox.deliver_due(now=t0 + dt.timedelta(hours=1))
    outbox.deliver_due(now=t0 + dt.timedelta(hours=2))
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.last_error == "HTTP 503" and len(receiver["calls"]) == 2


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_every_message_exactly_once(t0, province, settings, smtp_server):
    addresses = [f"u{n}@example.org" for n in range(60)]
    for n, address in enumerate(addresses):
        announce(emails=[address], key=f"test.event:{n}")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()          # the first round fails for everyone: all retried
    outbox.deliver_due(now=t0)
    settings.EMAIL_PORT = port
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            for minute in range(1, 4):
                outbox.deliver_due(now=t0 + dt.timedelta(minutes=minute))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    received = sorted(to[0] for to, _content in smtp_server.messages)
    assert received == sorted(addresses)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}


# Pages -------------------------------------------------------------------------------------------

def test_each_user_chooses_per_topic_whether_notices_also_come_by_email(province, client_for):
    client = client_for(province.tech)
    page = client.get(reverse("core:channels")).content.decode()
    assert 'value="incident"' in page and 'value="review"' in page
    response = client.post(reverse("core:channels"), {"email": ["review"]})
    assert response.status_code == 302
    assert dict(ChannelPreference.objects.filter(user=province.tech).values_list("topic", "email")) == {
        "incident": False, "review": True, "reports": False}


ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "vnpt_user"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_department_administrators_see_and_decide_on_the_outbox(province, client_for, role):
    delivery = Delivery.objects.create(channel="email", recipient="noc@example.org", kind="test.event",
                                       status="uncertain", attempts=1)
    client = client_for(getattr(province, role))
    expected = 200 if role == "admin" else 403
    assert client.get(reverse("core:outbox")).status_code == expected
    response = client.post(reverse("core:delivery_decide", args=[delivery.pk]), {"decision": "retry"})
    assert response.status_code == (302 if role == "admin" else 403)
    delivery.refresh_from_db()
    assert delivery.status == ("pending" if role == "admin" else "uncertain")


def test_the_outbox_page_reads_a_fixed_number_of_queries(province, client_for, django_assert_max_num_queries):
    for n in range(30):
        Delivery.objects.create(channel="webhook", recipient=f"http://x/{n}", kind="test.event",
                                status="failed" if n % 2 else "uncertain", attempts=8,
                                endpoint=WebhookEndpoint.objects.create(name=f"H{n}", url=f"http://x/{n}", secret="s"))
    client = client_for(province.admin)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("core:outbox")).content.decode()
    assert "H29" in page and "H0<" in page


def test_an_uncertain_delivery_can_be_marked_as_received(province, client_for):
    delivery = Delivery.objects.create(channel="email", recipient="noc@example.org", kind="test.event",
                                       status="uncertain", attempts=1)
    client_for(province.admin).post(reverse("core:delivery_decide", args=[delivery.pk]), {"decision": "sent"})
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.sent_at is not None
