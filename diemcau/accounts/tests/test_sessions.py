"""Sessions: idle timeout by role, absolute lifetime, the wall-display exemption, the warning,
and accounts idle for 45 days disabled by the nightly job."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from diemcau.accounts.models import User
from diemcau.accounts.tasks import accounts_disable_idle
from diemcau.audit.models import AuditEvent


def later(**delta):
    return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)


def test_a_user_is_signed_out_after_fifteen_idle_minutes(province, client_for):
    client = client_for(province.tech)
    assert client.get("/").status_code == 200
    with later(minutes=14):
        assert client.get("/").status_code == 200
    with later(minutes=14 + 16):
        response = client.get("/sites/")
        assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fsites%2F"
        assert client.get("/")["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.get(action="session_expired")
    assert event.actor == province.tech and event.details == {"reason": "idle"}


def test_an_administrator_is_signed_out_after_five(province, client_for):
    client = client_for(province.admin)
    client.get("/")
    with later(minutes=6):
        assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_idle_limits_are_configurable(province, client_for, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(province.tech)
    client.get("/")
    with later(minutes=20):
        assert client.get("/").status_code == 200


def test_automatic_refreshes_do_not_count_as_activity(province, client_for):
    client = client_for(province.tech)
    client.get("/")
    for minutes in (5, 10):
        with later(minutes=minutes):
            assert client.get("/", HTTP_X_DIEMCAU_PASSIVE="1", HTTP_HX_REQUEST="true").status_code == 200
    with later(minutes=16):
        response = client.get("/", HTTP_X_DIEMCAU_PASSIVE="1", HTTP_HX_REQUEST="true")
        assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/")


def test_an_expired_session_answers_the_api_in_json(province, client_for):
    client = client_for(province.tech)
    client.get("/")
    with later(minutes=16):
        response = client.get("/api/v1/sites")
        assert response.status_code == 401 and "detail" in response.json()


def test_a_session_ends_after_its_absolute_lifetime_however_active(province, client_for, settings):
    settings.SESSION_MAX_HOURS = 2
    client = client_for(province.tech)
    for minutes in range(10, 120, 10):
        with later(minutes=minutes):
            assert client.get("/").status_code == 200
    with later(minutes=121):
        assert client.get("/")["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.get(action="session_expired").details == {"reason": "max_age"}


def test_a_wall_display_account_is_exempt(province, client_for, settings):
    settings.SESSION_MAX_HOURS = 2
    User.objects.filter(pk=province.leader.pk).update(is_wall_display=True)
    province.leader.refresh_from_db()
    client = client_for(province.leader)
    client.get("/")
    with later(hours=5):
        assert client.get("/", HTTP_X_DIEMCAU_PASSIVE="1").status_code == 200


def test_the_page_carries_the_warning_settings(province, client_for, settings):
    page = client_for(province.admin).get("/").content.decode()
    assert 'data-idle-seconds="300"' in page and 'data-warning-seconds="60"' in page
    assert "session.js" in page and 'data-keepalive-url="/accounts/session/keepalive/"' in page
    wall = client_for(province.tech)
    User.objects.filter(pk=province.tech.pk).update(is_wall_display=True)
    assert "data-idle-seconds" not in wall.get("/").content.decode()


def test_accounts_idle_for_45_days_are_disabled_and_recorded(province):
    now = timezone.now()
    User.objects.update(date_joined=now - timedelta(days=100), last_seen_at=now - timedelta(days=1))
    User.objects.filter(pk=province.tech.pk).update(last_seen_at=now - timedelta(days=46))
    User.objects.filter(pk=province.head.pk).update(last_seen_at=None, last_login=None)
    User.objects.filter(pk=province.vnpt_user.pk).update(last_seen_at=now - timedelta(days=44))
    assert sorted(accounts_disable_idle(now=now)) == ["head", "tech"]
    assert accounts_disable_idle(now=now) == []
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"head", "tech"}
    event = AuditEvent.objects.get(action="account_disabled", target_id=str(province.tech.pk))
    assert event.actor is None and event.via == "system" and event.details["idle_days"] == 45


def test_a_new_account_is_not_disabled_before_its_first_45_days(province):
    User.objects.update(last_seen_at=None, last_login=None, date_joined=timezone.now() - timedelta(days=10))
    assert accounts_disable_idle() == []


def test_the_last_active_administrator_is_kept(province, settings):
    now = timezone.now()
    User.objects.update(date_joined=now - timedelta(days=100), last_seen_at=now - timedelta(days=60))
    disabled = accounts_disable_idle(now=now)
    assert "admin" not in disabled and User.objects.get(pk=province.admin.pk).is_active
    settings.ACCOUNT_IDLE_DAYS = 0
    assert accounts_disable_idle(now=now) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_disable_and_record_each_account_once(settings):
    from diemcau.testing import make_province

    province = make_province()
    now = timezone.now()
    User.objects.update(date_joined=now - timedelta(days=100), last_seen_at=now - timedelta(days=60))
    results = []

    def worker():
        try:
            results.append(accounts_disable_idle(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    disabled = [name for result in results for name in result]
    assert len(disabled) == len(set(disabled)) == User.objects.filter(is_active=False).count()
    assert AuditEvent.objects.filter(action="account_disabled").count() == len(disabled)
    assert province.admin.username not in disabled
