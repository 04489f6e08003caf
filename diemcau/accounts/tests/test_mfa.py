"""Two-step verification: enrolment with a locally drawn QR code, the second step, recovery
codes, the roles that require it, and API tokens only after a fresh check."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts import mfa
from diemcau.audit.models import AuditEvent
from diemcau.conftest import totp_now
from diemcau.testing import PASSWORD


def sign_in(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def test_an_administrator_without_a_device_must_enrol_before_anything_else(province):
    client = Client()
    assert sign_in(client, province.admin)["Location"] == "/"
    response = client.get("/sites/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/setup/")
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR code is drawn here, no external image
    assert 'src="http' not in page
    device = TOTPDevice.objects.get(user=province.admin, confirmed=False)
    response = client.post("/accounts/mfa/setup/", {"code": "000000" if totp_now(device) != "000000" else "111111"})
    assert response.status_code == 200 and not mfa.has_mfa(province.admin)
    # django-otp makes the next try wait a second after a wrong code.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = client.post("/accounts/mfa/setup/", {"code": totp_now(device), "next": "/sites/"})
    codes = response.context["codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert client.get("/sites/").status_code == 200
    assert set(AuditEvent.objects.filter(actor=province.admin).values_list("action", flat=True)) >= {
        "login", "mfa_failed", "mfa_enabled", "recovery_codes"}


def test_an_enrolled_user_passes_the_second_step_with_a_code_or_a_recovery_code(province):
    device = TOTPDevice.objects.create(user=province.admin, name="authenticator", confirmed=True)
    codes = mfa.recovery_codes_issue(user=province.admin)
    client = Client()
    sign_in(client, province.admin)
    assert client.get("/")["Location"].startswith("/accounts/mfa/")
    assert client.get("/api/v1/sites").status_code == 403  # the session API waits for the second step too
    assert client.post("/accounts/mfa/", {"code": "123 456" if totp_now(device) != "123456" else "654321"}).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = client.post("/accounts/mfa/", {"code": totp_now(device), "next": "/sites/"})
    assert response["Location"] == "/sites/"
    assert client.get("/").status_code == 200
    # A recovery code works once.
    other = Client()
    sign_in(other, province.admin)
    assert other.post("/accounts/mfa/", {"code": codes[0]}).status_code == 302
    again = Client()
    sign_in(again, province.admin)
    assert again.post("/accounts/mfa/", {"code": codes[0]}).status_code == 200
    assert AuditEvent.objects.filter(action="recovery_code_used").count() == 1
    assert mfa.recovery_codes_left(province.admin) == 9


def test_a_next_address_elsewhere_is_ignored(province):
    device = TOTPDevice.objects.create(user=province.admin, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, province.admin)
    response = client.post("/accounts/mfa/", {"code": totp_now(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_role_without_the_requirement_signs_in_with_the_password_alone(province):
    client = Client()
    sign_in(client, province.tech)
    assert client.get("/").status_code == 200


def test_the_required_roles_are_configurable(province, settings):
    settings.MFA_REQUIRED_ROLES = ["dost_admin", "site_tech"]
    client = Client()
    sign_in(client, province.tech)
    assert client.get("/")["Location"].startswith("/accounts/mfa/setup/")
    settings.MFA_REQUIRED_ROLES = []
    client = Client()
    sign_in(client, province.admin)
    assert client.get("/").status_code == 200


def test_a_user_who_turned_it_on_is_asked_for_it_at_sign_in(province):
    TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, province.tech)
    assert client.get("/")["Location"].startswith("/accounts/mfa/")


def test_creating_an_api_token_needs_a_recent_verification(province, settings):
    device = TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, province.tech)
    client.post("/accounts/mfa/", {"code": totp_now(device)})
    assert client.post("/accounts/profile/", {"name": "giám sát"}).context["new_key"].startswith("dc_")
    settings.MFA_RECENT_MINUTES = 0
    response = client.post("/accounts/profile/", {"name": "lần hai"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/")
    assert province.tech.api_tokens.count() == 1
    assert AuditEvent.objects.filter(action="token_created", actor=province.tech).count() == 1


def test_a_user_without_a_device_is_sent_to_enrol_before_creating_a_token(province, client_for):
    response = client_for(province.head).post("/accounts/profile/", {"name": "x"})
    assert response["Location"].startswith("/accounts/mfa/setup/")
    assert not province.head.api_tokens.exists()


def test_turning_it_off_needs_the_password_and_a_long_one(province, client_for, settings):
    TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    client = client_for(province.tech)
    settings.PASSWORD_MIN_LENGTH = 40  # the test password is shorter: refused
    client.post("/accounts/mfa/disable/", {"password": PASSWORD})
    assert mfa.has_mfa(province.tech)
    settings.PASSWORD_MIN_LENGTH = 14
    client.post("/accounts/mfa/disable/", {"password": "wrong"})
    assert mfa.has_mfa(province.tech)
    client.post("/accounts/mfa/disable/", {"password": PASSWORD})
    assert not mfa.has_mfa(province.tech)
    assert AuditEvent.objects.filter(action="mfa_disabled", actor=province.tech).exists()


def test_a_role_that_requires_it_cannot_turn_it_off(province, client_for):
    client = client_for(province.admin)
    assert client.post("/accounts/mfa/disable/", {"password": PASSWORD}).status_code == 403
    assert mfa.has_mfa(province.admin)


def test_an_administrator_resets_a_lost_phone(province, client_for):
    TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    assert client_for(province.staff).post(f"/accounts/users/{province.tech.pk}/mfa-reset/").status_code == 403
    assert client_for(province.admin).post(f"/accounts/users/{province.tech.pk}/mfa-reset/").status_code == 302
    assert not mfa.has_mfa(province.tech)
    event = AuditEvent.objects.get(action="mfa_disabled")
    assert event.actor == province.admin and event.details == {"by_administrator": True}


def test_new_recovery_codes_replace_the_old_ones(province, client_for):
    old = mfa.recovery_codes_issue(user=province.admin)
    response = client_for(province.admin).post("/accounts/mfa/recovery-codes/")
    new = response.context["codes"]
    assert set(old).isdisjoint(new) and mfa.recovery_codes_left(province.admin) == 10


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "auditor", "head", "tech", "vnpt_user"])
def test_every_role_reaches_its_own_security_pages(role, province, client_for):
    client = client_for(getattr(province, role))
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/profile/password/").status_code == 200
    setup = client.get("/accounts/mfa/setup/")
    assert setup.status_code == 200
    verify = client.get("/accounts/mfa/")
    assert verify.status_code == (200 if mfa.has_mfa(getattr(province, role)) else 302)
    assert client.post("/accounts/session/keepalive/").status_code == 204
    assert client.get("/accounts/users/").status_code == (200 if role == "admin" else 403)
    assert client.get(f"/accounts/users/{province.tech.pk}/").status_code == (200 if role == "admin" else 403)
