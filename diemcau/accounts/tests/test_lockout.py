"""Brute force: the account lock (django-axes), the per-address throttles, every attempt audited."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from diemcau.accounts.models import ApiToken
from diemcau.audit.models import AuditEvent
from diemcau.testing import PASSWORD


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_an_account_after_five_failures_even_for_the_right_password(province, client):
    for _ in range(4):
        assert sign_in(client, "tech", "wrong").status_code == 200
    assert sign_in(client, "tech", "wrong").status_code == 429  # the fifth failure locks
    response = sign_in(client, "tech", PASSWORD)
    assert response.status_code == 429
    assert "bị khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("login_failed") == 6 and "account_locked" in actions and "login" not in actions


def test_the_limit_is_configurable(province, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(client, "tech", "wrong")
    assert sign_in(client, "tech", PASSWORD).status_code == 429


def test_the_lock_lifts_by_itself_after_the_cool_off(province, client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    for _ in range(5):
        sign_in(client, "tech", "wrong")
    assert sign_in(client, "tech", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert sign_in(Client(), "tech", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(province, client):
    for _ in range(4):
        sign_in(client, "tech", "wrong")
    assert sign_in(client, "tech", PASSWORD).status_code == 302
    other = Client()
    for _ in range(4):
        sign_in(other, "tech", "wrong")
    assert sign_in(other, "tech", PASSWORD).status_code == 302


def test_the_lock_is_shown_to_the_department_and_lifted_by_an_administrator(province, client, client_for):
    for _ in range(5):
        sign_in(client, "tech", "wrong")
    for role in ("admin", "staff", "auditor"):
        page = client_for(getattr(province, role)).get("/accounts/locks/")
        assert page.status_code == 200 and "tech" in page.content.decode()
    assert "bi-lock" in client_for(province.admin).get("/accounts/users/").content.decode()
    assert client_for(province.staff).post("/accounts/locks/unlock/", {"username": "tech"}).status_code == 403
    assert client_for(province.admin).post("/accounts/locks/unlock/", {"username": "tech"}).status_code == 302
    assert sign_in(Client(), "tech", PASSWORD).status_code == 302
    unlock = AuditEvent.objects.get(action="account_unlocked")
    assert unlock.actor == province.admin and unlock.target_repr == str(province.tech)


@pytest.mark.parametrize("role", ["leader", "head", "tech", "vnpt_user"])
def test_other_roles_do_not_see_the_locks(role, province, client_for):
    client = client_for(getattr(province, role))
    assert client.get("/accounts/locks/").status_code == 403
    assert client.post("/accounts/locks/unlock/", {"username": "x"}).status_code == 403


def test_one_address_trying_many_accounts_is_throttled(province, client, settings):
    settings.LOGIN_IP_LIMIT = 20
    for n in range(20):
        sign_in(client, f"guess{n}", "wrong", ip="10.6.6.6")
    response = sign_in(client, "tech", PASSWORD, ip="10.6.6.6")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_throttled", ip="10.6.6.6").count() == 1
    assert sign_in(Client(), "tech", PASSWORD, ip="10.0.0.2").status_code == 302  # another address is not
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.LOGIN_IP_WINDOW_MINUTES + 1)):
        assert sign_in(Client(), "tech", PASSWORD, ip="10.6.6.6").status_code == 302


def test_bad_bearer_tokens_are_throttled_per_address_and_audited(province, client, settings):
    settings.API_TOKEN_IP_LIMIT = 20
    _token, key = ApiToken.issue(user=province.tech, name="t")
    for n in range(20):
        response = client.get("/api/v1/sites", HTTP_AUTHORIZATION=f"Bearer dc_wrong{n}", REMOTE_ADDR="10.7.7.7")
        assert response.status_code == 401
    response = client.get("/api/v1/sites", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 429 and response.json()["detail"]
    assert client.get("/api/v1/sites", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.0.3").status_code == 200
    assert AuditEvent.objects.filter(action="token_failed", ip="10.7.7.7").count() == 20
    assert AuditEvent.objects.filter(action="token_throttled", ip="10.7.7.7").count() == 1


def test_bad_agent_tokens_are_throttled_too(province, client, settings):
    settings.API_TOKEN_IP_LIMIT = 3
    for _ in range(3):
        assert client.post("/api/v1/agent/results", {}, content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer dca_wrong", REMOTE_ADDR="10.8.8.8").status_code == 401
    assert client.post("/api/v1/agent/results", {}, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer dca_wrong", REMOTE_ADDR="10.8.8.8").status_code == 429


def test_every_sign_in_and_sign_out_is_audited(province, client):
    sign_in(client, "tech", PASSWORD, ip="10.0.0.9")
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.9")
    rows = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_name", "ip"))
    assert rows == [("login", "tech", "10.0.0.9"), ("logout", "tech", "10.0.0.9")]
