"""Duty roster with swaps, backup plans with drills, training and the untrained-contact flag."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diemcau.meetings import backups, duty, training
from diemcau.meetings.models import BackupPlan, Drill, DutyShift, TrainingSession
from diemcau.meetings.tests.conftest import local
from diemcau.testing import term


def test_a_swap_keeps_who_had_the_shift_and_why(province, client_for, at):
    shift = duty.shift_create(user=province.admin, organization=province.vnpt, name="Nguyễn Văn Trực",
                              phone="0912000111", starts_at=local(2026, 3, 10, 7, 0), ends_at=local(2026, 3, 10, 17, 0))
    with at(local(2026, 3, 9, 9, 0)):
        response = client_for(province.vnpt_user).post(reverse("meetings:duty_swap", args=[shift.pk]), {
            "to_name": "Trần Thị Thay", "to_phone": "0912000222", "reason": "Đi công tác"})
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.name, shift.phone) == ("Trần Thị Thay", "0912000222")
    swap = shift.swaps.get()
    assert (swap.from_name, swap.to_name, swap.reason, swap.by) == ("Nguyễn Văn Trực", "Trần Thị Thay", "Đi công tác",
                                                                    province.vnpt_user)
    with at(local(2026, 3, 10, 8, 0)):
        page = client_for(province.tech).get(reverse("meetings:duty")).content.decode()
    assert "Trần Thị Thay" in page and "Nguyễn Văn Trực → Trần Thị Thay" in page


def test_an_operator_cannot_swap_another_operators_shift(province, client_for):
    shift = duty.shift_create(user=province.admin, organization=province.vnpt, name="A", phone="0912000111",
                              starts_at=local(2026, 3, 10, 7, 0), ends_at=local(2026, 3, 10, 17, 0))
    response = client_for(province.viettel_user).post(reverse("meetings:duty_swap", args=[shift.pk]), {
        "to_name": "B", "to_phone": "0912000222", "reason": "x"})
    assert response.status_code == 403 and not shift.swaps.exists()


def test_a_shift_needs_a_real_phone_and_an_end_after_its_start(province):
    with pytest.raises(ValidationError) as caught:
        duty.shift_create(user=province.admin, organization=province.vnpt, name="A", phone="12",
                          starts_at=local(2026, 3, 10, 7, 0), ends_at=local(2026, 3, 10, 6, 0))
    assert set(caught.value.message_dict) == {"phone", "ends_at"}
    assert not DutyShift.objects.exists()


def test_who_is_on_duty_at_a_moment(province):
    duty.shift_create(user=province.admin, organization=province.vnpt, name="Sáng", phone="0912000111",
                      starts_at=local(2026, 3, 10, 7, 0), ends_at=local(2026, 3, 10, 12, 0))
    duty.shift_create(user=province.admin, organization=province.vnpt, name="Chiều", phone="0912000222",
                      starts_at=local(2026, 3, 10, 12, 0), ends_at=local(2026, 3, 10, 17, 0))
    assert [s.name for s in duty.shifts_covering(local(2026, 3, 10, 14, 0))] == ["Chiều"]


def test_a_site_with_a_plan_counts_only_once_a_drill_worked(province, client_for, at):
    assert backups.site_backup([province.site_a.pk])[province.site_a.pk]["state"] == "none"
    client = client_for(province.tech)
    client.post(reverse("meetings:backup_site", args=[province.site_a.pk]), {
        "kind": "mobile_router", "title": "Router 4G", "steps": "Bật router\nCắm cáp", "equipment": "Router"})
    plan = BackupPlan.objects.get(site=province.site_a)
    assert backups.site_backup([province.site_a.pk])[province.site_a.pk]["state"] == "untried"
    with at(local(2026, 3, 10, 10, 0)):
        client.post(reverse("meetings:drill_add", args=[plan.pk]), {
            "held_at": "2026-03-10T09:00", "conducted_by": "Tech", "worked": "no", "note": "SIP hết tiền"})
        assert backups.site_backup([province.site_a.pk])[province.site_a.pk]["state"] == "failed"
        client.post(reverse("meetings:drill_add", args=[plan.pk]), {
            "held_at": "2026-03-10T09:30", "conducted_by": "Tech", "worked": "yes", "restore_minutes": "4"})
    assert backups.site_backup([province.site_a.pk])[province.site_a.pk]["state"] == "works"
    assert Drill.objects.filter(plan=plan).count() == 2      # the failed drill stays on record
    listed = {r["site"].pk for r in backups.weak_sites(province.site_a.organization.sites.select_related(
        "organization"))}
    assert province.site_a.pk not in listed and province.site_a2.pk in listed


def test_a_drill_that_worked_says_how_long_and_is_never_in_the_future(province):
    plan = BackupPlan.objects.create(site=province.site_a, kind="soft_client", title="Laptop", steps="Mở máy")
    with pytest.raises(ValidationError) as caught:
        backups.drill_record(plan=plan, user=province.tech, held_at=local(2099, 1, 1, 8, 0), conducted_by="A",
                             worked=True)
    assert set(caught.value.message_dict) == {"held_at", "restore_minutes"}


def test_an_important_meeting_warns_of_sites_without_a_working_backup(province, schedule, at, client_for):
    meeting = schedule(local(2026, 3, 10, 9, 0))
    with at(local(2026, 3, 9, 9, 0)):
        page = client_for(province.staff).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'id="backup-warning"' in page and province.site_b.name in page


def test_sites_with_operation_incidents_and_an_untrained_contact_are_flagged(province, at, settings):
    from diemcau.incidents.services import incident_report

    settings.MEETINGS_TRAINING_OPERATION_COUNT = 2
    operation = term("cause", "operation")
    for day in (1, 5):
        with at(local(2026, 3, day, 9, 0)):
            incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")],
                            suspected_cause=operation)
    sites = province.site_a.organization.sites.all()
    with at(local(2026, 3, 10, 9, 0)):
        rows = training.untrained_sites(sites)
        assert [(r["site"], r["count"]) for r in rows] == [(province.site_a, 2)]
        session = TrainingSession.objects.create(topic="Vận hành micro", held_on=dt.date(2026, 3, 8),
                                                 trainer="Sở KH&CN", organizer=province.dost)
        session.attendees.set([province.site_a.contacts.get()])
        assert training.untrained_sites(sites) == []


def test_the_overview_count_of_weak_backups_agrees_with_the_list(province):
    from diemcau.inventory.models import Site

    plan = BackupPlan.objects.create(site=province.site_a, kind="soft_client", title="Laptop", steps="Mở máy")
    Drill.objects.create(plan=plan, held_at=local(2026, 3, 1, 9, 0), conducted_by="A", worked=False)
    Drill.objects.create(plan=plan, held_at=local(2026, 3, 2, 9, 0), conducted_by="A", worked=True,
                         restore_minutes=3)
    other = BackupPlan.objects.create(site=province.site_b, kind="soft_client", title="Laptop", steps="Mở máy")
    Drill.objects.create(plan=other, held_at=local(2026, 3, 2, 9, 0), conducted_by="A", worked=False)
    sites = Site.objects.active().select_related("organization")
    assert backups.weak_count(sites) == len(backups.weak_sites(sites)) == 3
