"""The pre-meeting check: manual items in a few taps, measured items only from fresh evidence, rows never changed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diemcau.core.models import Notice
from diemcau.meetings import duty, jobs, services
from diemcau.meetings.models import CheckMark, Participation
from diemcau.meetings.tests.conftest import local
from diemcau.testing import term

START = local(2026, 3, 10, 9, 0)
MANUAL = ["call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"]


@pytest.fixture
def meeting(schedule):
    return schedule(START)


@pytest.fixture
def part_a(meeting, province):
    return Participation.objects.select_related("meeting", "site").get(meeting=meeting, site=province.site_a)


def confirm_all(part, user, at, *, except_=()):
    for index, item in enumerate(MANUAL):
        if item not in except_:
            services.check_mark(part, user=user, item=item, outcome="pass", now=at + dt.timedelta(seconds=index))


def test_it_is_ready_when_every_manual_item_passes(province, part_a, at):
    with at(local(2026, 3, 10, 7, 0)):
        confirm_all(part_a, province.tech, local(2026, 3, 10, 7, 0), except_=["backup"])
        part_a.refresh_from_db()
        assert part_a.state == "pending" and part_a.ready_at is None
        services.check_mark(part_a, user=province.tech, item="backup", outcome="pass")
    part_a.refresh_from_db()
    assert part_a.state == "ready" and part_a.ready_on_time() and part_a.checked_by == province.tech


def test_a_failed_item_is_a_problem_until_confirmed_again_and_both_rows_stay(province, part_a, at):
    with at(local(2026, 3, 10, 7, 0)):
        confirm_all(part_a, province.tech, local(2026, 3, 10, 7, 0))
    with at(local(2026, 3, 10, 7, 5)):
        services.check_mark(part_a, user=province.tech, item="audio_out", outcome="fail", note="Micro rè")
    part_a.refresh_from_db()
    assert part_a.state == "problem" and part_a.failing == ["audio_out"] and part_a.ready_at is None
    with at(local(2026, 3, 10, 8, 10)):
        services.check_mark(part_a, user=province.tech, item="audio_out", outcome="pass", note="Đã thay micro")
    part_a.refresh_from_db()
    assert part_a.state == "ready" and part_a.was_late()
    rows = list(CheckMark.objects.filter(participation=part_a, item="audio_out").order_by("at"))
    assert [(m.outcome, m.late) for m in rows] == [("pass", False), ("fail", False), ("pass", True)]


def test_a_measured_item_cannot_be_confirmed_by_hand(province, part_a, at):
    with at(local(2026, 3, 10, 7, 0)), pytest.raises(ValidationError, match="tự đo"):
        services.check_mark(part_a, user=province.tech, item="link", outcome="pass")


def test_measured_items_use_only_evidence_from_the_window_and_show_its_age(province, meeting, part_a, probe, at,
                                                                           client_for):
    probe(province.site_a, local(2026, 3, 9, 8, 0))          # before the check opened: does not count
    jobs.evidence_meeting(meeting, local(2026, 3, 9, 10, 0))
    part_a.refresh_from_db()
    assert part_a.items["link"]["outcome"] == "no_data"
    probe(province.site_a, local(2026, 3, 10, 7, 58))
    jobs.evidence_meeting(meeting, local(2026, 3, 10, 8, 0))
    part_a.refresh_from_db()
    assert part_a.items["link"]["outcome"] == "pass"
    assert part_a.evidence["link"].startswith("2026-03-10T00:58")   # UTC of 07:58 Hanoi
    probe(province.site_a, local(2026, 3, 10, 8, 4), loss=9.0)
    jobs.evidence_meeting(meeting, local(2026, 3, 10, 8, 5))
    part_a.refresh_from_db()
    assert part_a.state == "problem" and part_a.failing == ["link"]
    auto = CheckMark.objects.filter(participation=part_a, item="link").order_by("at")
    assert [m.outcome for m in auto] == ["no_data", "pass", "fail"]
    assert auto.last().value["loss_pct"] > 3 and "loss_pct" in auto.last().value["failing"]
    # Stale evidence: ten minutes later with no new rounds, the item has no evidence again.
    jobs.evidence_meeting(meeting, local(2026, 3, 10, 8, 20))
    part_a.refresh_from_db()
    assert part_a.items["link"]["outcome"] == "no_data"
    with at(local(2026, 3, 10, 8, 5, 30)):
        probe(province.site_a, local(2026, 3, 10, 8, 5))
        page = client_for(province.tech).get(reverse("meetings:check", args=[meeting.pk, province.site_a.pk]))
    assert "30 giây trước" in page.content.decode()


def test_an_unchanged_measurement_writes_no_new_row(province, meeting, part_a, probe):
    for minute in (1, 2, 3):
        probe(province.site_a, local(2026, 3, 10, 8, minute))
        jobs.evidence_meeting(meeting, local(2026, 3, 10, 8, minute))
    assert CheckMark.objects.filter(participation=part_a, item="link").count() == 1


def test_open_incidents_at_the_site_fail_the_measured_item(province, meeting, part_a, at):
    from diemcau.incidents.services import incident_report

    with at(local(2026, 3, 10, 7, 0)):
        incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")])
    jobs.evidence_meeting(meeting, local(2026, 3, 10, 7, 1))
    part_a.refresh_from_db()
    assert part_a.items["incidents"]["outcome"] == "fail" and part_a.state == "problem"


def test_a_failed_item_opens_an_incident_with_the_symptom_and_the_meeting(province, meeting, part_a, at,
                                                                          client_for):
    with at(local(2026, 3, 10, 7, 0)):
        client = client_for(province.tech)
        client.post(reverse("meetings:mark", args=[meeting.pk, province.site_a.pk]),
                    {"item": "audio_out", "outcome": "fail", "note": "Loa rè"})
        mark = CheckMark.objects.get(participation=part_a, item="audio_out")
        page = client.get(reverse("meetings:check", args=[meeting.pk, province.site_a.pk])).content.decode()
        symptom = term("symptom", "audio_loss")
        assert f'value="{symptom.pk}" id="sym-audio_out-{symptom.pk}" checked' in page  # pre-selected
        response = client.post(reverse("meetings:check_incident", args=[meeting.pk, province.site_a.pk, mark.pk]),
                               {"symptoms": [symptom.pk], "description": ""})
    mark.refresh_from_db()
    incident = mark.incident
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert list(incident.symptoms.values_list("code", flat=True)) == ["audio_loss"]
    assert meeting.title in incident.meeting_ref and incident.important_meeting
    assert incident.holder == province.commune_a


def test_the_person_on_duty_at_the_link_operator_hears_of_a_failed_link_first(province, meeting, part_a, probe, at):
    duty.shift_create(user=province.admin, organization=province.vnpt, name="Kỹ sư trực VNPT", phone="0912000222",
                      person=province.vnpt_user, meeting=meeting, starts_at=local(2026, 3, 10, 6, 0),
                      ends_at=local(2026, 3, 10, 11, 0))
    duty.shift_create(user=province.admin, organization=province.dost, name="Chuyên viên trực", phone="0912000333",
                      person=province.staff, meeting=meeting, starts_at=local(2026, 3, 10, 6, 0),
                      ends_at=local(2026, 3, 10, 11, 0))
    with at(local(2026, 3, 10, 7, 0)):
        mark = services.check_mark(part_a, user=province.tech, item="power", outcome="fail")
        told = duty.tell_on_duty_about_check(part_a, mark)
        assert [s.person for s in told] == [province.staff]   # the unit has nobody on duty: the department
        link_mark = type(mark)(participation=part_a, item="link", outcome="fail", source="auto")
        told = duty.tell_on_duty_about_check(part_a, link_mark)
    assert [s.person for s in told] == [province.vnpt_user]   # the operator of the primary link
    assert Notice.objects.filter(user=province.vnpt_user, kind="meeting.check_failed").exists()


def test_the_technician_ticks_every_item_in_a_few_taps_through_the_page(province, meeting, part_a, at, client_for):
    client = client_for(province.tech)
    with at(local(2026, 3, 10, 7, 30)):
        for item in MANUAL:
            response = client.post(reverse("meetings:mark", args=[meeting.pk, province.site_a.pk]),
                                   {"item": item, "outcome": "pass"}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200 and 'id="check-items"' in response.content.decode()
    part_a.refresh_from_db()
    assert part_a.state == "ready"
    assert "Đã xác nhận 7/7" in response.content.decode()
