"""Pre-filling: devices and conditions from the inventory, compatibility and verdict from the
standards app, faults and causes from the incident history — so a site contact confirms, not types."""

import datetime as dt

from django.utils import timezone

from diemcau.incidents.services import incident_report
from diemcau.reviews import services, sources
from diemcau.reviews.prefill import frequency_for, group_condition
from diemcau.reviews.tests.conftest import term
from diemcau.standards.models import Platform
from diemcau.standards.services import load_default_standard, recompute_sites
from diemcau.testing import make_device


def test_group_state_is_good_only_when_every_known_device_is_good():
    assert group_condition(["good", "good"]) == "good"
    assert group_condition(["good", "broken"]) == "degraded"
    assert group_condition(["broken", "broken"]) == "broken"
    assert group_condition(["good", "unknown"]) == "good"
    assert group_condition(["unknown"]) is None


def test_frequency_follows_the_number_of_incidents():
    assert frequency_for(1, 180) == "rarely"
    assert frequency_for(6, 180) == "monthly"
    assert frequency_for(20, 180) == "weekly"
    assert frequency_for(60, 180) == "every_meeting"


def test_a_device_of_unknown_condition_leaves_the_state_blank_for_the_contact(task_a, province):
    make_device(province.site_a2, "display", condition="unknown")
    services.task_start(task_a, user=province.tech)
    display = task_a.assessments.get(site=province.site_a2).groups.get(group__code="display")
    assert display.condition is None


def test_verdict_compliance_and_compatibility_come_from_the_standards_app(task_a, province):
    load_default_standard()
    Platform.objects.create(code="mcu", name="MCU tỉnh", reference=True, protocols=["SIP"],
                            video_codecs=["H.264"], audio_codecs=["G.722"])
    recompute_sites()
    services.task_start(task_a, user=province.tech)
    assessment = task_a.assessments.get(site=province.site_a)
    assert assessment.verdict in ("stable", "unstable", "unfit")
    assert assessment.known["verdict"]["reasons"]
    assert assessment.known["compliance"]["standard"] == "2026.1"
    assert assessment.known["platforms"][0]["name"] == "MCU tỉnh"
    terminal = assessment.groups.get(group__code="terminal")
    assert terminal.compatibility == "compatible"


def test_faults_and_causes_come_from_the_incident_history(task_a, province):
    now = timezone.now()
    for days in (3, 20, 40, 70, 100):
        incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_noise")],
                        suspected_cause=term("cause", "configuration"), at=now - dt.timedelta(days=days))
    incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "disconnect")],
                    at=now - dt.timedelta(days=5))
    # Too old to count.
    incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "video_loss")],
                    at=now - dt.timedelta(days=400))
    services.task_start(task_a, user=province.tech)
    assessment = task_a.assessments.get(site=province.site_a)
    mic = assessment.groups.get(group__code="microphone")
    fault = mic.faults.get()
    assert (fault.symptom.code, fault.incidents, fault.frequency) == ("audio_noise", 5, "monthly")
    assert [c.code for c in mic.causes.all()] == ["configuration"]
    # No network device recorded: a dropped call goes to the terminal.
    assert assessment.groups.get(group__code="terminal").faults.get().symptom.code == "disconnect"
    assert assessment.known["incidents"]["total"] == 6
    assert not assessment.groups.filter(faults__symptom__code="video_loss").exists()


def test_without_other_apps_data_prefill_still_works(task_a, province):
    assert sources.verdicts([province.site_a.pk]) == {}
    assert sources.compliance([province.site_a.pk]) == {}
    assert sources.quality([province.site_a.pk], now=timezone.now()) == {}
    assert services.task_start(task_a, user=province.tech) == 2


def test_prefill_reads_a_fixed_number_of_queries(campaign, province, django_assert_max_num_queries):
    from diemcau.testing import make_site

    for n in range(30):
        site = make_site(province.department, f"SYT-{n + 2:02d}")
        make_device(site, "terminal")
        make_device(site, "camera", condition="degraded")
    task = campaign.tasks.get(organization=province.department)
    with django_assert_max_num_queries(40):
        assert services.task_start(task, user=province.admin) == 31


def test_measured_link_quality_is_kept_beside_the_answers_when_present(task_a, province, monkeypatch, client_for):
    import diemcau.standards.facts as facts

    monkeypatch.setattr(facts, "link_quality", lambda site_ids, now: {
        province.site_a.pk: {"rtt_ms": 42.0, "jitter_ms": 6.5, "loss_pct": 0.4, "days": 7}})
    services.task_start(task_a, user=province.tech)
    assessment = task_a.assessments.get(site=province.site_a)
    assert assessment.known["quality"]["loss_pct"] == 0.4
    assert task_a.assessments.get(site=province.site_a2).known["quality"] is None
    page = client_for(province.tech).get(assessment.get_absolute_url()).content.decode()
    assert "trễ 42,0 ms" in page and "0,4 %" in page


def test_a_whole_campaign_is_prefilled_in_batches_like_unit_by_unit(campaign, province):
    from diemcau.reviews.models import Assessment
    from diemcau.reviews.prefill import prefill_campaign

    services.task_start(campaign.tasks.get(organization=province.commune_a), user=province.tech)
    assert prefill_campaign(campaign) == 2  # site_b and site_dept; commune A's two were there
    assert prefill_campaign(campaign) == 0
    assert Assessment.objects.filter(task__campaign=campaign).count() == 4
    assert Assessment.objects.get(site=province.site_b).groups.get().condition.code == "degraded"
