"""The demo province loads completely, reproducibly, and only once."""

import io

from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from diemcau.accounts.choices import Role
from diemcau.core.demo import DemoContext
from diemcau.inventory.models import Device, Link, Organization, Site


class DemoProvinceTests(TestCase):
    """Loaded once for the class (the whole demo takes a while)."""

    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("demo", "--i-know", stdout=out)
        cls.output = out.getvalue()

    def test_demo_has_every_organisation_of_the_province_with_sites(self):
        assert Organization.objects.count() == 72
        without_sites = Organization.objects.exclude(kind__code="operator").filter(sites__isnull=True)
        assert not without_sites.exists()
        assert Site.objects.filter(is_hub=True, organization__code="VP-UBND").count() == 1
        assert 90 <= Site.objects.count() <= 160
        assert 600 <= Device.objects.count() <= 900
        manufacturers = set(Device.objects.filter(group__code="terminal").values_list("manufacturer", flat=True))
        assert {"Poly", "Cisco", "Yealink", "Huawei"} <= manufacturers
        assert Link.objects.filter(role="primary", medium="wifi").exists()
        assert Link.objects.filter(role="primary", kind__code="mobile").exists()
        assert Site.objects.filter(has_ups=False).exists()
        assert all("[DEMO]" in notes for notes in Site.objects.values_list("notes", flat=True))

    def test_demo_prints_one_login_per_role(self):
        for role in Role.values:
            assert role in self.output
        assert "demo-diemcau-2026" in self.output

    def test_demo_if_empty_does_not_load_twice(self):
        sites = Site.objects.count()
        out = io.StringIO()
        call_command("demo", "--if-empty", "--i-know", stdout=out)
        assert Site.objects.count() == sites
        assert "already" in out.getvalue()


def _fingerprint():
    return list(Device.objects.order_by("site__code", "serial", "model", "quantity").values_list(
        "site__code", "serial", "model", "condition__code", "quantity"))


def _load_inventory(seed):
    import random

    from django.utils import timezone

    from diemcau.inventory import demo

    demo.load(DemoContext(rng=random.Random(seed), now=timezone.now(), log=lambda line: None))


def test_the_inventory_demo_is_reproducible(db):
    with transaction.atomic():
        _load_inventory(2026)
        first = _fingerprint()
        transaction.set_rollback(True)
    assert not Site.objects.exists()
    _load_inventory(2026)
    assert _fingerprint() == first
