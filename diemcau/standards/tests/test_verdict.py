"""The stability verdict: one rule, thresholds from settings, every reason listed, stored with its inputs."""

import datetime as dt

from django.apps import apps
from django.utils import translation

from diemcau.inventory.services import inventory_object_save, snapshot
from diemcau.standards.models import SiteVerdict
from diemcau.standards.reasons import render
from diemcau.standards.services import recompute_sites, request_verdict_recompute, stale_site_ids
from diemcau.standards.tasks import recompute_stale_verdicts
from diemcau.testing import make_contact, make_device, make_link, make_site


def current(site):
    return SiteVerdict.objects.get(site=site, is_current=True)


def well_equipped(org, code, operator, **fields):
    site = make_site(org, code, has_ups=True, ups_runtime_min=60,
                     backup_plan="Mất đường truyền chính: chuyển 4G; hỏng codec: dùng máy tính xách tay.", **fields)
    make_link(site, operator)
    make_link(site, operator, kind="mobile", role="backup", medium="mobile")
    make_contact(site)
    make_device(site, "terminal", manufacturer="Poly", model="Group 500", firmware="6.2.2", protocols=["SIP", "H.323"],
                video_codecs=["H.264"], audio_codecs=["G.722"], max_resolution="1080p")
    for group in ("microphone", "speaker", "display"):
        make_device(site, group)
    make_device(site, "camera", max_resolution="1080p")
    return site


def mcu(**kw):
    from diemcau.standards.models import Platform

    fields = {"name": "MCU tỉnh", "code": "mcu", "reference": True, "protocols": ["SIP", "H.323"],
              "video_codecs": ["H.264"], "audio_codecs": ["G.711", "G.722"]}
    fields.update(kw)
    return Platform.objects.create(**fields)


def quality(site_ids, now):
    return {site_id: {"rtt_ms": 40, "jitter_ms": 5, "loss_pct": 0.1, "days": 7} for site_id in site_ids}


def test_a_well_equipped_site_is_stable(province, standard, monkeypatch):
    monkeypatch.setattr(apps.get_app_config("standards"), "link_quality", "diemcau.standards.tests.test_verdict.quality", raising=False)
    mcu()
    site = well_equipped(province.commune_a, "X-14-09", province.vnpt)
    recompute_sites([site.pk])
    verdict = current(site)
    assert verdict.verdict == "stable", [render(r["reason"]) for r in verdict.reasons]
    assert verdict.inputs["quality"]["jitter_ms"] == 5
    assert verdict.inputs["compliance"]["NET-JITTER"] == "pass"


def test_the_explanation_lists_every_reason(province, standard):
    mcu()
    site = well_equipped(province.commune_a, "X-14-10", province.vnpt)
    link = site.links.get(role="primary")
    link.medium = "wifi"
    link.save()
    site.ups_runtime_min = 10
    site.save()
    make_device(site, "camera", condition="degraded", max_resolution="1080p", model="EagleEye")
    recompute_sites([site.pk])
    verdict = current(site)
    assert verdict.verdict == "unstable"
    codes = sorted(r["reason"]["code"] for r in verdict.reasons)
    # Two failed requirements, a worn device, and three unknown measurements within the limit.
    assert codes == ["verdict_device_degraded", "verdict_requirement_fail", "verdict_requirement_fail"]
    with translation.override("en"):
        texts = [render(r["reason"]) for r in verdict.reasons]
    assert "NET-WIRED not met: Primary link is Wi-Fi; a wired link is required" in texts
    assert "PWR-UPS not met: UPS 10 min < 15 min" in texts
    assert any("EagleEye (degraded)" in t for t in texts)


def test_thresholds_come_from_settings(province, standard, settings):
    mcu()
    site = well_equipped(province.commune_a, "X-14-11", province.vnpt)
    site.ups_runtime_min = 10
    site.save()
    recompute_sites([site.pk])
    assert current(site).verdict == "unstable"
    settings.VERDICT_UNSTABLE_FAILS = 2
    recompute_sites([site.pk])
    assert current(site).verdict == "stable"
    settings.VERDICT_UNFIT_FAILS = 1
    settings.VERDICT_UNSTABLE_FAILS = 1
    recompute_sites([site.pk])
    assert current(site).verdict == "unfit"
    assert current(site).inputs["thresholds"]["VERDICT_UNFIT_FAILS"] == 1


def test_a_site_that_cannot_join_the_province_platform_is_unfit(province, standard):
    mcu(protocols=["H.323"], code="h323", name="H.323 MCU")
    site = well_equipped(province.commune_a, "X-14-12", province.vnpt)
    site.devices.filter(group__code="terminal").update(protocols=["SIP"])
    recompute_sites([site.pk])
    verdict = current(site)
    assert verdict.verdict == "unfit"
    assert {"verdict_no_platform", "verdict_requirement_fail"} <= {r["reason"]["code"] for r in verdict.reasons}


def findings(site_ids, now):
    return {site_ids[0]: [{"level": "unstable", "code": "repeat", "reason": "3 sự cố mất tiếng trong 30 ngày", "value": 3}]}


def test_findings_of_other_apps_are_folded_in(province, standard, monkeypatch):
    monkeypatch.setattr(apps.get_app_config("standards"), "stability_inputs", "diemcau.standards.tests.test_verdict.findings")
    mcu()
    site = well_equipped(province.commune_a, "X-14-13", province.vnpt)
    recompute_sites([site.pk])
    verdict = current(site)
    assert verdict.verdict == "unstable"
    mine = [r for r in verdict.reasons if r["source"] == "standards" and "text" in r["reason"]]
    assert mine and render(mine[0]["reason"]) == "3 sự cố mất tiếng trong 30 ngày"
    assert verdict.inputs["findings"][0]["code"] == "repeat"


def test_a_recomputation_that_finds_the_same_only_moves_the_check_time(province, standard):
    mcu()
    site = well_equipped(province.commune_a, "X-14-14", province.vnpt)
    t0 = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
    recompute_sites([site.pk], now=t0)
    recompute_sites([site.pk], now=t0 + dt.timedelta(hours=1))
    rows = SiteVerdict.objects.filter(site=site)
    assert rows.count() == 1
    assert rows.get().computed_at == t0 and rows.get().checked_at == t0 + dt.timedelta(hours=1)
    site.ups_runtime_min = 5
    site.save()
    recompute_sites([site.pk], now=t0 + dt.timedelta(hours=2))
    assert rows.count() == 2
    assert current(site).verdict == "unstable"
    assert rows.filter(is_current=False).get().verdict == "stable"


def test_other_apps_ask_for_a_recompute(province, standard):
    request_verdict_recompute([province.site_b.pk])  # runs inline in huey's immediate mode
    assert SiteVerdict.objects.filter(site=province.site_b, is_current=True).exists()
    assert not SiteVerdict.objects.filter(site=province.site_a).exists()


def test_inventory_changes_make_a_site_stale_and_the_periodic_job_rejudges_it(province, standard):
    recompute_sites()
    assert stale_site_ids() == []
    before = snapshot(province.site_a)
    province.site_a.ups_runtime_min = 5
    inventory_object_save(province.site_a, user=province.tech, before=before)
    assert stale_site_ids() == [province.site_a.pk]
    assert recompute_stale_verdicts.call_local() == 1
    assert stale_site_ids() == []
    assert SiteVerdict.objects.get(site=province.site_a, is_current=True).inputs["compliance"]["PWR-UPS"] == "fail"


def test_new_sites_are_stale_until_judged(province, standard):
    assert set(stale_site_ids()) == {province.site_a.pk, province.site_a2.pk, province.site_b.pk, province.site_dept.pk}
