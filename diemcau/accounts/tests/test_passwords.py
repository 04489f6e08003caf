"""Password rules (ASVS): length by MFA, common lists, similarity at creation; the user's own change page."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts.models import User
from diemcau.audit.models import AuditEvent
from diemcau.testing import PASSWORD


def new_user_data(province, **changes):
    data = {"username": "kt_haquang", "first_name": "Lục", "last_name": "Văn Sơn", "email": "", "phone": "",
            "role": "site_tech", "organization": province.commune_b.pk, "is_active": "on",
            "password": "núi đá xanh bên dòng sông"}
    data.update(changes)
    return data


def test_the_similarity_rule_applies_when_an_account_is_created(province, client_for):
    response = client_for(province.admin).post("/accounts/users/new/", new_user_data(province, password="kt_haquang2026!!x"))
    assert response.status_code == 200 and "password" in response.context["form"].errors
    assert not User.objects.filter(username="kt_haquang").exists()


def test_fourteen_characters_without_mfa_eight_with_it(province, client_for):
    client = client_for(province.admin)
    response = client.post("/accounts/users/new/", new_user_data(province, password="đá-xanh-sông"))  # 12
    assert "password" in response.context["form"].errors
    assert client.post("/accounts/users/new/", new_user_data(province, username="qt2", role="dost_admin",
                                                             organization=province.dost.pk,
                                                             password="đá-xanh-sông")).status_code == 302
    TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    validate_password("mưa-rừng-1", province.tech)  # 10 characters, with MFA
    with pytest.raises(ValidationError):
        validate_password("mưa-rừng-1", province.head)


@pytest.mark.parametrize("password", ["matkhau123456789", "caobang2026", "anhyeuem12345678", "Password1234567"])
def test_common_and_local_passwords_are_refused(password, province):
    with pytest.raises(ValidationError):
        validate_password(password, province.head)


def test_no_composition_rule_by_default_and_one_in_the_strict_variant(province, settings):
    validate_password("hoa ban nở trên đèo mã phục", province.head)
    settings.AUTH_PASSWORD_VALIDATORS = [*settings.AUTH_PASSWORD_VALIDATORS,
                                         {"NAME": "diemcau.accounts.passwords.CompositionValidator"}]
    with pytest.raises(ValidationError):
        validate_password("hoa ban nở trên đèo mã phục", province.head)
    validate_password("Hoa ban nở trên đèo Mã Phục 2", province.head)


def test_a_user_changes_their_own_password(province, client_for):
    client = client_for(province.head)
    response = client.post("/accounts/profile/password/", {
        "old_password": "wrong", "new_password1": "sông bằng giang chảy qua", "new_password2": "sông bằng giang chảy qua"})
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    response = client.post("/accounts/profile/password/", {
        "old_password": PASSWORD, "new_password1": "sông bằng giang chảy qua", "new_password2": "sông bằng giang chảy qua"})
    assert response.status_code == 302
    province.head.refresh_from_db()
    assert province.head.check_password("sông bằng giang chảy qua") and province.head.password_changed_at
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert AuditEvent.objects.filter(action="password_changed", actor=province.head).exists()


def test_a_changed_password_signs_out_other_browsers(province, client_for):
    other = client_for(province.head)
    client_for(province.head).post("/accounts/profile/password/", {
        "old_password": PASSWORD, "new_password1": "sông bằng giang chảy qua", "new_password2": "sông bằng giang chảy qua"})
    assert other.get("/")["Location"].startswith("/accounts/login/")


def test_the_strict_variant_sends_an_old_password_to_the_change_page(province, client_for, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=province.head.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = client_for(province.head)
    assert client.get("/")["Location"] == "/accounts/profile/password/"
    assert client.get("/accounts/profile/password/").status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get("/").status_code == 200


def test_role_changes_are_audited(province, client_for):
    data = {"username": "tech", "first_name": "Tech", "last_name": "", "email": "", "phone": "0912",
            "role": "unit_head", "organization": province.commune_a.pk, "is_active": "on", "password": ""}
    client_for(province.admin).post(f"/accounts/users/{province.tech.pk}/", data)
    event = AuditEvent.objects.get(action="role_changed")
    assert event.actor == province.admin and event.target_id == str(province.tech.pk)
    assert event.details["role"] == ["site_tech", "unit_head"]
    assert AuditEvent.objects.filter(action="user_changed").exists()  # the phone
    client_for(province.admin).post("/accounts/users/new/", new_user_data(province))
    assert AuditEvent.objects.filter(action="user_created", target_repr__contains="Lục").exists()


def test_a_fresh_client_cannot_use_a_disabled_account(province):
    User.objects.filter(pk=province.tech.pk).update(is_active=False)
    client = Client()
    response = client.post("/accounts/login/", {"username": "tech", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
