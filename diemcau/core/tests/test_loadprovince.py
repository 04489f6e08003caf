"""A real server gets the province's organisations and standard, and no demo data."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from diemcau.accounts.models import User
from diemcau.inventory.models import Organization, Site
from diemcau.standards.models import Standard


@pytest.mark.django_db
def test_it_loads_the_real_organisations_and_the_standard_without_demo_data():
    out = io.StringIO()
    call_command("loadprovince", stdout=out)
    assert Organization.objects.count() == 72
    assert Organization.objects.filter(code="SKHCN", kind__code="dost").exists()
    assert Organization.objects.filter(kind__code="commune").count() == 53
    assert Standard.objects.count() == 1
    assert not Site.objects.exists() and not User.objects.exists()
    assert "72" in out.getvalue()


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    call_command("loadprovince", stdout=io.StringIO())
    call_command("loadprovince", stdout=io.StringIO())
    assert Organization.objects.count() == 72 and Standard.objects.count() == 1


@pytest.mark.django_db
def test_it_reports_a_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="missing.yaml"):
        call_command("loadprovince", "--file", str(tmp_path / "missing.yaml"), stdout=io.StringIO())


@pytest.mark.django_db
def test_the_demo_refuses_a_server_without_debug(settings):
    settings.DEBUG = False
    err = io.StringIO()
    with pytest.raises(SystemExit) as stop:
        call_command("demo", stdout=io.StringIO(), stderr=err)
    assert stop.value.code == 2
    assert "--i-know" in err.getvalue() and "loadprovince" in err.getvalue()
    assert not Site.objects.exists() and not User.objects.exists()
