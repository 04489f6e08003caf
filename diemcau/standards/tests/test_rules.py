"""Every rule type at its boundaries; missing data is unknown, never a pass."""

from decimal import Decimal

import pytest
from django.utils import translation

from diemcau.standards.compatibility import CompatibilityResult
from diemcau.standards.facts import ContactFact, DeviceFact, LinkFact, SiteFacts
from diemcau.standards.reasons import render
from diemcau.standards.rules import evaluate, validate_rule

NAMES = {"microphone": {"vi": "micro", "en": "microphone"}, "camera": {"vi": "camera", "en": "camera"}}


def facts(**kw) -> SiteFacts:
    kw.setdefault("group_names", NAMES)
    return SiteFacts(site_id=1, **kw)


def device(group="terminal", condition="good", **kw) -> DeviceFact:
    return DeviceFact(id=kw.pop("id", 1), group=group, condition=condition, **kw)


def primary(medium="fibre", down="10", up="10") -> LinkFact:
    return LinkFact("primary", medium, Decimal(down) if down is not None else None, Decimal(up) if up is not None else None)


BW = {"primary_link_mbps": {"fail_below": 1.2, "warn_below": 2.0, "recommended": 4.0}}
UPS = {"ups_runtime_min": {"fail_below": 15, "warn_below": 30}}
JITTER = {"jitter_ms": {"warn_above": 30, "fail_above": 50}}


@pytest.mark.parametrize(("down", "up", "status"), [
    ("1.2", "1.2", "warn"),      # exactly the FAIL level: not below it
    ("1.19", "10", "fail"),      # the slower direction decides
    ("2.0", "2.0", "pass"),      # exactly the WARN level
    ("1.99", "5", "warn"),
    ("10", None, "unknown"),     # one direction not recorded
    (None, "0.5", "fail"),       # what is known already fails
])
def test_bandwidth_at_its_levels(down, up, status):
    assert evaluate(BW, facts(links=[primary(down=down, up=up)])).status == status


def test_bandwidth_reason_names_the_figures():
    outcome = evaluate(BW, facts(links=[primary(down="1", up="1")]))
    with translation.override("en"):
        assert render(outcome.reason) == "Primary link 1 Mbps < 1.2 Mbps"
    with translation.override("vi"):
        assert render(outcome.reason) == "Đường truyền chính 1 Mbps < 1,2 Mbps"


def test_reasons_read_like_the_issue_in_vietnamese():
    with translation.override("vi"):
        wifi = evaluate({"primary_link_medium": "wired"}, facts(links=[primary("wifi")]))
        assert render(wifi.reason) == "Đường truyền chính Wi-Fi, yêu cầu có dây"
        ups = evaluate(UPS, facts(has_ups=True, ups_runtime_min=10))
        assert render(ups.reason) == "UPS 10 phút < 15 phút"
        mic = evaluate({"device_group_good": "microphone"}, facts(devices=[device("microphone", "broken")]))
        assert render(mic.reason) == "Không có micro ở tình trạng tốt (1 hỏng)"


def test_no_primary_link_is_unknown_for_link_rules():
    assert evaluate(BW, facts()).status == "unknown"
    assert evaluate({"primary_link_medium": "wired"}, facts()).status == "unknown"


@pytest.mark.parametrize(("medium", "status"), [("fibre", "pass"), ("copper", "pass"), ("wifi", "fail"), ("mobile", "fail")])
def test_primary_link_must_be_wired(medium, status):
    assert evaluate({"primary_link_medium": "wired"}, facts(links=[primary(medium)])).status == status


@pytest.mark.parametrize(("runtime", "has_ups", "status"), [
    (15, True, "warn"),   # exactly 15 minutes: not below the FAIL level
    (14, True, "fail"),
    (30, True, "pass"),   # exactly the WARN level
    (29, True, "warn"),
    (None, True, "unknown"),
    (None, None, "unknown"),
    (None, False, "fail"),
])
def test_ups_runtime_at_its_levels(runtime, has_ups, status):
    assert evaluate(UPS, facts(has_ups=has_ups, ups_runtime_min=runtime)).status == status


def test_ups_reason_reads_like_the_issue(settings):
    outcome = evaluate(UPS, facts(has_ups=True, ups_runtime_min=10))
    assert outcome.reason == {"code": "ups_fail", "params": {"value": 10, "limit": "15"}}


@pytest.mark.parametrize(("value", "status"), [(None, "unknown"), (30, "pass"), (30.04, "pass"), (30.1, "warn"), (50, "warn"), (50.1, "fail")])
def test_measured_jitter_at_its_levels(value, status):
    quality = {} if value is None else {"jitter_ms": value, "days": 7}
    assert evaluate(JITTER, facts(quality=quality)).status == status


@pytest.mark.parametrize("metric", ["rtt_ms", "loss_pct"])
def test_other_measured_rules_are_unknown_without_monitoring(metric):
    assert evaluate({metric: {"warn_above": 1, "fail_above": 3}}, facts()).status == "unknown"


def test_device_group_good_counts_good_devices_only(db):
    rule = {"device_group_good": "microphone", "min_count": 2}
    assert evaluate(rule, facts(devices=[device("microphone", quantity=2)])).status == "pass"
    assert evaluate(rule, facts(devices=[device("microphone", quantity=1)])).status == "fail"
    degraded_only = evaluate(rule, facts(devices=[device("microphone", "degraded", quantity=3)]))
    assert degraded_only.status == "warn"
    assert evaluate(rule, facts(devices=[device("microphone", "broken")])).status == "fail"
    assert evaluate(rule, facts(devices=[device("microphone", "unknown")])).status == "unknown"
    assert evaluate(rule, facts(devices=[device("terminal")])).status == "fail"   # no microphone recorded
    assert evaluate(rule, facts(devices=[])).status == "unknown"                  # nothing recorded at all


def test_device_group_good_with_a_minimum_resolution():
    rule = {"device_group_good": "camera", "min_resolution": "720p"}
    assert evaluate(rule, facts(devices=[device("camera", max_resolution="720p")])).status == "pass"
    assert evaluate(rule, facts(devices=[device("camera", max_resolution="480p")])).status == "fail"
    assert evaluate(rule, facts(devices=[device("camera", max_resolution="")])).status == "unknown"


def test_missing_microphone_reason():
    outcome = evaluate({"device_group_good": "microphone"}, facts(devices=[device("microphone", "broken")]))
    assert outcome.reason["code"] == "group_none_good"
    with translation.override("vi"):
        assert render(outcome.reason).startswith("Không có micro ở tình trạng tốt")


def test_terminal_supports_any():
    rule = {"terminal_supports_any": {"audio_codecs": ["G.722", "G.711", "Opus"]}}
    assert evaluate(rule, facts(devices=[device(audio_codecs=("G.711",))])).status == "pass"
    assert evaluate(rule, facts(devices=[device(audio_codecs=("G.729",))])).status == "fail"
    assert evaluate(rule, facts(devices=[device()])).status == "unknown"  # codecs not recorded
    assert evaluate(rule, facts(devices=[device(audio_codecs=("G.711",), condition="broken")])).status == "fail"
    pc = device("computer", audio_codecs=("Opus",), software="Google Chrome")
    assert evaluate(rule, facts(devices=[pc])).status == "pass"


def test_terminal_must_also_join_the_province_platform():
    rule = {"terminal_supports_any": {"protocols": ["SIP", "H.323", "WebRTC"]}, "compatible_with_platform": True}
    site = facts(devices=[device(protocols=("SIP",))])
    assert evaluate(rule, site).status == "unknown"  # no province platform recorded
    site.compatibility = {7: CompatibilityResult(7, "MCU", True, "incompatible", why=[{"code": "compat_no_protocol", "params": {"have": ["SIP"], "need": ["H.323"]}}])}
    outcome = evaluate(rule, site)
    assert outcome.status == "fail"
    assert outcome.reason["code"] == "platform_incompatible"
    site.compatibility[8] = CompatibilityResult(8, "WebRTC", True, "compatible")
    assert evaluate(rule, site).status == "pass"


def test_technical_contact():
    rule = {"has_technical_contact": True}
    assert evaluate(rule, facts(contacts=[ContactFact("primary", "An")])).status == "pass"
    assert evaluate(rule, facts(contacts=[ContactFact("deputy", "Bình")])).status == "warn"
    assert evaluate(rule, facts()).status == "fail"


def test_backup_link_and_plan():
    assert evaluate({"has_backup_link": True}, facts(links=[primary(), LinkFact("backup", "mobile")])).status == "pass"
    assert evaluate({"has_backup_link": True}, facts(links=[primary()])).status == "fail"
    assert evaluate({"has_backup_link": True}, facts()).status == "unknown"
    assert evaluate({"has_backup_plan": True}, facts(backup_plan="")).status == "fail"
    assert evaluate({"has_backup_plan": True}, facts(backup_plan="Gọi 4G")).status == "warn"
    assert evaluate({"has_backup_plan": True}, facts(backup_plan="Chuyển sang 4G, dùng máy tính xách tay dự phòng")).status == "pass"


def test_a_warning_only_requirement_never_fails():
    outcome = evaluate({"has_backup_link": True}, facts(links=[primary()]), severity="warn")
    assert outcome.status == "warn"
    assert outcome.as_dict()["soft"] is True


@pytest.mark.parametrize(("rule", "message"), [
    ({"bandwidth": 2}, "Unknown rule type"),
    ({"primary_link_mbps": {"warn_below": 2}}, "FAIL level"),
    ({"primary_link_mbps": {"fail_below": 2, "warn_below": 1}}, "less strict"),
    ({"rtt_ms": {"fail_above": "slow"}}, "must be a number"),
    ({"device_group_good": "microphone", "min_resolution": "8K"}, "min_resolution"),
    ({"device_group_good": "toaster"}, "unknown device group"),
    ({"has_backup_link": True, "min_count": 1}, "does not take"),
    ({"has_backup_link": True, "has_backup_plan": True}, "one type"),
    ("has_backup_link", "mapping"),
])
def test_bad_rules_are_rejected_with_a_clear_message(db, rule, message):
    with translation.override("en"):
        errors = validate_rule(rule)
    assert errors and message in " ".join(errors)


def test_every_shipped_rule_is_valid(db):
    from diemcau.standards.reference import read_standard_file

    for item in read_standard_file()["requirements"]:
        assert validate_rule(item["rule"]) == [], item["code"]
