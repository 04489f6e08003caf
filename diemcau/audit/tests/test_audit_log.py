"""The audit log: what a row holds, that nobody changes it, retention, syslog, who reads it."""

import json
import logging
import logging.config
import socket
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from diemcau.audit.choices import AuditAction
from diemcau.audit.models import AuditEvent, AuditLogIsAppendOnly
from diemcau.audit.services import record
from diemcau.audit.tasks import audit_prune

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "vnpt_user"]
READERS = {"admin", "staff", "auditor"}


def test_it_records_who_when_where_and_what(province):
    request = RequestFactory().get("/accounts/profile/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    request.user = province.tech
    event = record(AuditAction.TOKEN_CREATED, request=request, target=province.site_a, details={"name": "giám sát"})
    event.refresh_from_db()
    assert event.actor == province.tech and event.actor_name == "tech"
    assert event.ip == "10.1.2.3" and event.user_agent == "Firefox" and event.via == "web"
    assert event.target_type == "inventory.site" and event.target_id == str(province.site_a.pk)
    assert event.target_repr == str(province.site_a) and event.details == {"name": "giám sát"}
    assert abs((timezone.now() - event.at).total_seconds()) < 5


def test_it_trusts_x_forwarded_for_only_from_the_configured_proxies(province, settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.9.8.7")
    settings.PROXY_COUNT = 0
    assert record(AuditAction.LOGIN_FAILED, request=spoofed, actor_name="x").ip == "127.0.0.1"
    settings.PROXY_COUNT = 1
    assert record(AuditAction.LOGIN_FAILED, request=spoofed, actor_name="x").ip == "10.9.8.7"


def test_an_api_request_is_recorded_as_via_api(province):
    request = RequestFactory().get("/api/v1/sites/")
    assert record(AuditAction.TOKEN_FAILED, request=request).via == "api"
    assert record(AuditAction.ACCOUNT_DISABLED, target=province.tech).via == "system"


def test_no_code_path_changes_or_deletes_a_row(province):
    event = record(AuditAction.LOGIN, actor=province.tech)
    event.action = AuditAction.LOGOUT
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone else")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_an_update(province):
    event = record(AuditAction.LOGIN, actor=province.tech)
    with pytest.raises(Exception, match="audit rows cannot be changed"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_name = 'x' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.actor_name == "tech"


def test_the_prune_removes_only_rows_past_retention(province, settings):
    settings.AUDIT_RETENTION_DAYS = 92
    now = timezone.now()
    old = AuditEvent.objects.create(action=AuditAction.LOGIN, actor_name="old", at=now - timedelta(days=93))
    kept = AuditEvent.objects.create(action=AuditAction.LOGIN, actor_name="kept", at=now - timedelta(days=91))
    assert audit_prune(now=now) == 1
    assert audit_prune(now=now) == 0  # a second worker finds nothing left to do
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {kept.pk}
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_it_forwards_each_event_to_syslog_as_one_json_line(province, settings):
    from diemcau.settings import _syslog_handler

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    logger = logging.getLogger("diemcau.audit")
    handler = logging.config.DictConfigurator({"version": 1}).configure_handler(
        {**_syslog_handler(f"udp:127.0.0.1:{port}"), "formatter": None}
    )
    handler.setFormatter(logging.Formatter("diemcau-audit: %(message)s"))
    logger.addHandler(handler)
    try:
        record(AuditAction.ACCOUNT_LOCKED, actor_name="tech")
        datagram = receiver.recv(65536).decode()
    finally:
        logger.removeHandler(handler)
        handler.close()
        receiver.close()
    assert datagram.startswith("<")  # syslog priority (facility auth)
    payload = json.loads(datagram.split("diemcau-audit: ", 1)[1].rstrip("\x00"))
    assert payload["action"] == "account_locked" and payload["user"] == "tech"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_department_and_the_auditor_read_the_log(role, province, client_for, django_assert_max_num_queries):
    for n in range(30):
        record(AuditAction.LOGIN_FAILED, actor_name=f"user{n}")
    client = client_for(getattr(province, role))
    with django_assert_max_num_queries(12):
        response = client.get("/audit/")
    assert response.status_code == (200 if role in READERS else 403)
    if role in READERS:
        assert "đăng nhập thất bại" in response.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_of_the_log_is_itself_recorded(fmt, province, client_for):
    record(AuditAction.LOGIN_FAILED, actor_name="ghost")
    response = client_for(province.auditor).get(f"/audit/?action=login_failed&export={fmt}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        assert "ghost" in body.decode("utf-8-sig")
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.actor == province.auditor and export.details["format"] == fmt
    assert export.details["filters"] == {"action": "login_failed"}


def test_the_filters_narrow_the_list(province, client_for):
    record(AuditAction.LOGIN_FAILED, actor_name="alpha")
    record(AuditAction.LOGIN, actor=province.tech)
    page = client_for(province.admin).get("/audit/?action=login_failed").content.decode()
    assert "alpha" in page and ">tech<" not in page
