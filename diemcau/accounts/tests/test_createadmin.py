"""The first administrator of a new server: ``diemcau createadmin``."""

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.audit.models import AuditEvent
from diemcau.inventory.models import Organization
from diemcau.testing import make_org

STRONG = "sóng-yếu-ở-Thông-Nông-2026"


def run(*args, **env):
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_the_dost_organisation_and_an_administrator_on_an_empty_database(monkeypatch):
    monkeypatch.setenv("DIEMCAU_ADMIN_PASSWORD", STRONG)
    assert not Organization.objects.exists()
    output = run("--no-input", "--username", "quantri", "--email", "it@skhcn.caobang.gov.vn",
                 "--full-name", "Nguyễn Văn An")
    user = User.objects.get(username="quantri")
    assert user.role == Role.DOST_ADMIN
    assert (user.organization.code, user.organization.kind.code) == ("SKHCN", "dost")
    assert user.get_full_name() == "Nguyễn Văn An"
    assert user.check_password(STRONG) and user.is_active
    assert "SKHCN" in output and "quantri" in output
    event = AuditEvent.objects.get(action="user_created")
    assert event.via == "cli"


@pytest.mark.django_db
def test_it_uses_the_existing_dost_organisation(monkeypatch):
    existing = make_org("KHCN-CB", "Sở KH&CN Cao Bằng", "dost")
    monkeypatch.setenv("DIEMCAU_ADMIN_PASSWORD", STRONG)
    run("--no-input", "--username", "quantri")
    assert User.objects.get(username="quantri").organization == existing
    assert Organization.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["12345678", "password123", "quantri2026", "short"])
def test_it_refuses_a_weak_password_and_writes_nothing(monkeypatch, weak):
    monkeypatch.setenv("DIEMCAU_ADMIN_PASSWORD", weak)
    with pytest.raises(CommandError, match="Mật khẩu bị từ chối|Password refused"):
        run("--no-input", "--username", "quantri")
    assert not User.objects.exists() and not Organization.objects.exists()


@pytest.mark.django_db
def test_it_refuses_without_a_password_when_not_interactive(monkeypatch):
    monkeypatch.delenv("DIEMCAU_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DIEMCAU_ADMIN_PASSWORD"):
        run("--no-input", "--username", "quantri")


@pytest.mark.django_db
def test_it_never_changes_an_existing_account(monkeypatch, province):
    monkeypatch.setenv("DIEMCAU_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError):
        run("--no-input", "--username", province.tech.username)
    province.tech.refresh_from_db()
    assert province.tech.role == Role.SITE_TECH


@pytest.mark.django_db
def test_it_asks_again_after_a_weak_or_mistyped_password(monkeypatch):
    answers = iter(["quantri", "", "Lê Thị Bình"])
    passwords = iter(["12345678", "12345678", STRONG, "typo", STRONG, STRONG])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    run()
    user = User.objects.get(username="quantri")
    assert user.check_password(STRONG) and user.get_full_name() == "Lê Thị Bình"
