"""Signing in, managing accounts (DOST administrators only) and API tokens."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts.models import ApiToken, User
from diemcau.testing import PASSWORD


def test_production_settings_hash_passwords_with_argon2():
    from importlib import import_module

    settings_module = import_module("diemcau.settings")
    assert settings_module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    assert hasher.verify("x", hasher.encode("x", hasher.salt()))


def test_sign_in_lands_on_the_overview(province, client):
    response = client.post("/accounts/login/", {"username": "tech", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_explained_in_vietnamese(province, client):
    response = client.post("/accounts/login/", {"username": "tech", "password": "nope"})
    assert response.status_code == 200
    assert "mật khẩu" in response.content.decode().lower()


def test_admin_creates_a_user_with_a_validated_password(province, client_for):
    client = client_for(province.admin)
    data = {"username": "kt_haquang", "first_name": "Lục", "last_name": "Văn Sơn", "email": "", "phone": "",
            "role": "site_tech", "organization": province.commune_b.pk, "is_active": "on", "password": "short"}
    response = client.post("/accounts/users/new/", data)
    assert response.status_code == 200 and "password" in response.context["form"].errors
    data["password"] = "núi-cao-bằng-2026-xanh"
    assert client.post("/accounts/users/new/", data).status_code == 302
    user = User.objects.get(username="kt_haquang")
    assert user.check_password("núi-cao-bằng-2026-xanh") and user.organization == province.commune_b


def test_an_operator_account_must_belong_to_an_operator(province, client_for):
    data = {"username": "x", "role": "operator", "organization": province.commune_b.pk, "is_active": "on",
            "password": "núi-cao-bằng-2026", "first_name": "", "last_name": "", "email": "", "phone": ""}
    response = client_for(province.admin).post("/accounts/users/new/", data)
    assert response.status_code == 200 and "organization" in response.context["form"].errors


def test_editing_a_user_without_a_password_keeps_it(province, client_for):
    client = client_for(province.admin)
    data = {"username": "tech", "first_name": "Tech", "last_name": "", "email": "", "phone": "0912",
            "role": "unit_head", "organization": province.commune_a.pk, "is_active": "on", "password": ""}
    assert client.post(f"/accounts/users/{province.tech.pk}/", data).status_code == 302
    province.tech.refresh_from_db()
    assert province.tech.role == "unit_head" and province.tech.check_password(PASSWORD)


def test_tokens_are_shown_once_stored_hashed_and_revocable(province, client_for):
    TOTPDevice.objects.create(user=province.tech, name="authenticator", confirmed=True)
    client = client_for(province.tech)
    response = client.post("/accounts/profile/", {"name": "giám sát"})
    key = response.context["new_key"]
    assert key.startswith("dc_")
    token = ApiToken.objects.get(user=province.tech)
    assert key not in (token.key_hash, token.prefix) and token.key_hash != key
    assert key not in client.get("/accounts/profile/").content.decode()
    assert ApiToken.authenticate(key) == province.tech
    client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert ApiToken.authenticate(key) is None


def test_a_user_cannot_revoke_someone_elses_token(province, client_for):
    token, _key = ApiToken.issue(user=province.admin, name="x")
    assert client_for(province.tech).post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
