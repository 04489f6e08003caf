"""Platforms are edited by the DOST admin; the demo loads a realistic set and judges every site."""

import random

from django.utils import timezone

from diemcau.core.demo import DemoContext
from diemcau.standards import demo
from diemcau.standards.models import (
    ConfigProfile,
    Platform,
    SiteCompatibility,
    SiteSettings,
    SiteVerdict,
)


def test_the_admin_records_a_platform_and_compatibility_is_checked(province, standard, client_for, django_capture_on_commit_callbacks):
    client = client_for(province.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/standards/platforms/new/", {
            "name": "MCU tỉnh", "code": "mcu", "description": "", "reference": "on", "protocols": ["H.323"],
            "video_codecs": ["H.264"], "audio_codecs": ["G.722"], "content_sharing": ["H.239"],
            "min_resolution": "", "max_resolution": "1080p", "soft_clients": "Cisco Webex",
            "min_firmware": "Poly | Group | 6.2.0", "is_active": "on",
        })
    assert response.status_code == 302, response.content.decode()[:1500]
    platform = Platform.objects.get(code="mcu")
    assert platform.min_firmware == [{"manufacturer": "Poly", "model": "Group", "version": "6.2.0"}]
    row = SiteCompatibility.objects.get(site=province.site_a)
    assert row.results[0]["status"] == "unknown"  # Group 500 at site A: firmware not recorded
    bad = client.post("/standards/platforms/new/", {"name": "x", "code": "x", "min_firmware": "Poly"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_the_demo_judges_every_site(province):
    ctx = DemoContext(rng=random.Random(1), now=timezone.now(), log=lambda line: None,
                      users={"dost_admin": province.admin, "site_tech": province.tech})
    demo.load(ctx)
    demo.load(ctx)  # loading twice changes nothing
    assert Platform.objects.count() == 3 and ConfigProfile.objects.filter(is_default=True).count() == 1
    assert SiteVerdict.objects.filter(is_current=True).count() == 4
    assert SiteCompatibility.objects.count() == 4
    assert SiteSettings.objects.count() <= 4


def test_the_province_sees_which_sites_join_each_platform(province, standard, client_for):
    from diemcau.standards.services import recompute_sites

    Platform.objects.create(name="MCU", code="mcu", reference=True, protocols=["SIP", "H.323"])
    recompute_sites()
    rows = client_for(province.leader).get("/standards/").context["platforms"]
    assert rows == [{"platform": "MCU", "reference": True, "compatible": 1, "limited": 0, "incompatible": 0, "unknown": 3}]
