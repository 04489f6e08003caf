"""Configuration profiles and a site's actual settings, compared field by field."""

from diemcau.core.models import ChangeRecord
from diemcau.standards.drift import compare
from diemcau.standards.models import ConfigProfile, SiteSettings, SiteVerdict

PROFILE = {"call_bitrate_kbps": 2048, "protocol": "SIP", "dscp_audio": 46, "echo_cancellation": True,
           "device_name": "CB-{code}", "time_source": "ntp.caobang.gov.vn"}


def by_key(rows):
    return {r["key"]: r["status"] for r in rows}


def test_drift_field_by_field():
    actual = {"call_bitrate_kbps": "4096", "protocol": "h.323", "dscp_audio": 0, "echo_cancellation": "có",
              "device_name": "cb-x-14-01"}
    assert by_key(compare(PROFILE, actual, site_code="X-14-01")) == {
        "call_bitrate_kbps": "match",   # at least the profile's bitrate
        "protocol": "drift",
        "dscp_audio": "drift",
        "echo_cancellation": "match",
        "device_name": "match",         # the pattern with the site code, case-insensitive
        "time_source": "missing",       # not recorded: not known, not a match
    }
    assert by_key(compare(PROFILE, {"call_bitrate_kbps": 1024}))["call_bitrate_kbps"] == "drift"


def test_fields_the_profile_does_not_set_are_not_compared():
    assert compare({"protocol": "SIP"}, {"protocol": "SIP", "dscp_audio": 0}) == [
        {"key": "protocol", "expected": "SIP", "actual": "SIP", "status": "match"}]


def test_the_site_tech_records_settings_and_the_page_shows_the_drift(province, standard, client_for, django_capture_on_commit_callbacks):
    ConfigProfile.objects.create(name="Chuẩn tỉnh", code="chuan", is_default=True, settings=PROFILE)
    client = client_for(province.tech)
    form = client.get(f"/standards/sites/{province.site_a.pk}/settings/")
    assert "set_call_bitrate_kbps" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/standards/sites/{province.site_a.pk}/settings/", {
            "profile": "", "set_call_bitrate_kbps": "768", "set_protocol": "H.323", "set_dscp_audio": "0",
            "set_echo_cancellation": "true", "set_device_name": "CB-X-14-01",
            "set_time_source": "ntp.caobang.gov.vn",
        })
    assert response.status_code == 302
    record = SiteSettings.objects.get(site=province.site_a)
    assert record.recorded_by == province.tech and record.values["protocol"] == "H.323"
    assert ChangeRecord.objects.filter(site=province.site_a, object_id=record.pk).exists()
    verdict = SiteVerdict.objects.get(site=province.site_a, is_current=True)
    assert verdict.inputs["drift"] == {"profile": "Chuẩn tỉnh", "fields": ["call_bitrate_kbps", "protocol", "dscp_audio"]}
    assert "verdict_drift" in {r["reason"]["code"] for r in verdict.reasons}
    page = client.get(province.site_a.get_absolute_url())
    drift = {row["key"]: row["status"] for row in page.context["panels"][0]["context"]["drift"]["rows"]}
    assert drift["protocol"] == "drift" and drift["time_source"] == "match"
    assert 'data-key="protocol"' in page.content.decode()


def test_the_admin_edits_a_profile(province, standard, client_for):
    client = client_for(province.admin)
    response = client.post("/standards/profiles/new/", {
        "name": "Điểm cầu xã", "code": "xa", "description": "", "is_default": "on", "is_active": "on",
        "set_call_bitrate_kbps": "1024", "set_protocol": "SIP", "set_echo_cancellation": "true",
    })
    assert response.status_code == 302
    profile = ConfigProfile.objects.get(code="xa")
    assert profile.settings == {"call_bitrate_kbps": 1024, "protocol": "SIP", "echo_cancellation": True}
    assert profile.is_default


def test_settings_come_in_through_the_api(province, standard, client_for):
    ConfigProfile.objects.create(name="Chuẩn tỉnh", code="chuan", is_default=True, settings=PROFILE)
    client = client_for(province.tech)
    url = f"/api/v1/standards/sites/{province.site_a.pk}/settings"
    bad = client.put(url, {"values": {"volume": 11}}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.put(url, {"values": {"protocol": "SIP", "dscp_audio": 46}}, content_type="application/json")
    assert ok.status_code == 200
    statuses = {r["key"]: r["status"] for r in ok.json()["drift"]}
    assert statuses["protocol"] == "match" and statuses["call_bitrate_kbps"] == "missing"
    assert SiteSettings.objects.get(site=province.site_a).source == "api"


def test_the_province_sees_which_settings_differ_most(province, standard, client_for):
    ConfigProfile.objects.create(name="Chuẩn tỉnh", code="chuan", is_default=True, settings=PROFILE)
    SiteSettings.objects.create(site=province.site_a, values={"protocol": "H.323", "dscp_audio": 0})
    SiteSettings.objects.create(site=province.site_b, values={"protocol": "H.323"})
    drift = client_for(province.leader).get("/standards/").context["drift"]
    assert drift["recorded"] == 2 and drift["total"] == 4
    assert [(r["key"], r["count"]) for r in drift["rows"]] == [("protocol", 2), ("dscp_audio", 1)]
    mine = client_for(province.other_tech).get("/standards/").context["drift"]
    assert mine["recorded"] == 1  # commune B sees its own site only
