"""R10 repeat detection at its boundaries, the head told once, the stability findings."""

import datetime as dt

from diemcau.core.models import Notice
from diemcau.incidents import services
from diemcau.incidents.models import RepeatFlag
from diemcau.incidents.stability import stability_inputs
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term

DAY1 = local(2026, 3, 2, 9, 0)


def test_three_of_the_same_family_within_30_days_flag_the_site_and_tell_the_head_once(province, report):
    report(province.site_a, province.tech, DAY1, symptoms=["audio_loss"])
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=10), symptoms=["audio_noise"])
    assert not RepeatFlag.objects.exists()
    third = report(province.site_a, province.tech, DAY1 + dt.timedelta(days=30), symptoms=["audio_loss"])
    flag = RepeatFlag.objects.get()
    assert (flag.site, flag.family, flag.count) == (province.site_a, "audio", 3)
    third.refresh_from_db()
    assert third.is_repeat
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=31), symptoms=["audio_loss"])
    assert Notice.objects.filter(user=province.head, kind="incident.repeat").count() == 1
    assert not Notice.objects.filter(user=province.other_head, kind="incident.repeat").exists()


def test_the_third_one_a_second_after_30_days_is_not_a_repeat(province, report):
    report(province.site_a, province.tech, DAY1)
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=10))
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=30, seconds=1))
    assert not RepeatFlag.objects.exists()


def test_other_families_and_other_sites_do_not_add_up(province, report):
    report(province.site_a, province.tech, DAY1, symptoms=["audio_loss"])
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=1), symptoms=["video_lag"])
    report(province.site_a2, province.tech, DAY1 + dt.timedelta(days=2), symptoms=["audio_loss"])
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=3), symptoms=["audio_loss"])
    assert not RepeatFlag.objects.exists()


def test_a_corrective_action_clears_the_flag_and_resets_the_count(province, report, at):
    first = report(province.site_a, province.tech, DAY1)
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=1))
    third = report(province.site_a, province.tech, DAY1 + dt.timedelta(days=2))
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() == 1
    with at(DAY1 + dt.timedelta(days=2, hours=2)):
        services.incident_resolve(third, user=province.tech, cause_found=term("cause", "equipment"),
                                  action_taken=term("action", "accessory"), resolution="Thay micro")
    flag = RepeatFlag.objects.get()
    assert flag.cleared_at is not None and flag.cleared_by == third
    # Two more after the fix: not yet a repeat; a third: flagged again.
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=3))
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=4))
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() == 0
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=5))
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() == 1
    assert first.pk


def test_keep_using_is_not_a_corrective_action(province, report, at):
    one = report(province.site_a, province.tech, DAY1)
    with at(DAY1 + dt.timedelta(hours=1)):
        services.incident_resolve(one, user=province.tech, cause_found=term("cause", "operation"),
                                  action_taken=term("action", "keep"), resolution="Bật lại micro")
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=1))
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=2))
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() == 1


def test_the_count_is_a_setting(province, report, settings):
    settings.INCIDENT_REPEAT_COUNT, settings.INCIDENT_REPEAT_DAYS = 2, 7
    report(province.site_a, province.tech, DAY1)
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=8))
    assert not RepeatFlag.objects.exists()
    report(province.site_a, province.tech, DAY1 + dt.timedelta(days=9))
    assert RepeatFlag.objects.get().count == 2


def test_stability_findings_name_the_trouble(province, report):
    for day in (0, 5, 9):
        report(province.site_a, province.tech, DAY1 + dt.timedelta(days=day))
    report(province.site_b, province.other_tech, DAY1)
    findings = stability_inputs([province.site_a.pk, province.site_b.pk], DAY1 + dt.timedelta(days=10))
    assert province.site_b.pk not in findings
    codes = {f["code"]: f for f in findings[province.site_a.pk]}
    assert set(codes) == {"incidents_audio", "incident_repeat"}
    assert codes["incidents_audio"]["level"] == "unstable" and codes["incidents_audio"]["value"] == 3
    assert "3" in codes["incidents_audio"]["reason"] and "30" in codes["incidents_audio"]["reason"]
    # Forty days later the count has aged out, but the unfixed repeat still stands.
    later = stability_inputs([province.site_a.pk], DAY1 + dt.timedelta(days=50))
    assert [f["code"] for f in later[province.site_a.pk]] == ["incident_repeat"]


def test_the_overview_names_the_head_of_a_repeating_site(province, report, client_for):
    province.head.first_name, province.head.last_name = "Hoàng", "Văn Trưởng"
    province.head.save()
    for day in (0, 1, 2):
        report(province.site_a, province.tech, DAY1 + dt.timedelta(days=day))
    page = client_for(province.leader).get("/").content.decode()
    assert "Hội trường UBND xã Thông Nông" in page and "Hoàng Văn Trưởng" in page
