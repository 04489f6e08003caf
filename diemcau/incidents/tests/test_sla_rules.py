"""Issue 11: SLA figures that cannot be bent. Each case as reported, what the system gave, what it must give.

Working hours: 07:00–11:30 and 13:30–17:00 (8 h a day). Default targets
(acknowledge / respond / resolve): critical 15 / 60 / 240 min around the
clock; high 30 / 120 / 480; normal 60 / 240 / 960; low 240 / 480 / 2400
working minutes. March 2026: Monday the 9th, Friday the 13th, Saturday the
14th. After every case the monthly tallies kept step by step equal a recount
from scratch.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diemcau.core.models import Notice
from diemcau.incidents import escalation, reports, rules, services
from diemcau.incidents.choices import ClockState, EventKind, Status
from diemcau.incidents.models import (
    CalendarChange,
    Clock,
    Incident,
    IncidentEvent,
    IncidentTally,
    RepeatFlag,
    SlaPolicy,
    SlaTally,
)
from diemcau.incidents.tallies import incident_tally_rebuild, sla_tally_rebuild
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term

MIN = 60
MARCH = dt.date(2026, 3, 1)
SLA_FIELDS = ("holder_id", "site_org_id", "month", "target", "started", "met", "missed", "answered",
              "answered_seconds", "self_cleared")
TOP_FIELDS = ("month", "site_id", "site_org_id", "kind", "term_id", "n")


def assert_tallies_exact():
    """The tallies kept at each change equal the tallies rebuilt from the clocks and incidents."""
    kept = sorted(t for t in SlaTally.objects.values_list(*SLA_FIELDS) if any(t[4:]))
    kept_tops = sorted(t for t in IncidentTally.objects.values_list(*TOP_FIELDS) if t[-1])
    sla_tally_rebuild()
    incident_tally_rebuild()
    assert kept == sorted(SlaTally.objects.values_list(*SLA_FIELDS))
    assert kept_tops == sorted(IncidentTally.objects.values_list(*TOP_FIELDS))


def clocks(incident, holder=None):
    qs = Clock.objects.filter(incident=incident)
    if holder is not None:
        qs = qs.filter(holder=holder)
    return {c.target: c for c in qs.order_by("holding__period")}


def tally(holder, target, month=MARCH):
    row = SlaTally.objects.filter(holder=holder, target=target, month=month).values(
        "started", "met", "missed", "self_cleared").first()
    return row or {"started": 0, "met": 0, "missed": 0, "self_cleared": 0}


def march_report(user):
    return reports.sla_report(user=user, incidents=Incident.objects.all(), start=MARCH, end=MARCH,
                              tz=dt.timezone(dt.timedelta(hours=7)))


# 1. History is frozen ---------------------------------------------------------------

def test_a_later_comment_after_a_policy_edit_does_not_turn_a_missed_target_into_met(province, report, at):
    # Normal, reported Monday 08:00, acknowledged 09:30: 90 min against 60 → missed.
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 9, 30)):
        services.incident_acknowledge(incident, user=province.tech)
    with at(local(2026, 3, 9, 10, 0)):
        services.incident_resolve(incident, user=province.tech, cause_found=term("cause", "equipment"),
                                  action_taken=term("action", "accessory"), resolution="Thay cáp")
        services.incident_close(incident, user=province.head)
    assert clocks(incident)["acknowledge"].state == ClockState.MISSED
    # In June the department edits the default: normal acknowledge 60 → 120 min; then someone comments.
    SlaPolicy.objects.filter(severity="normal", operator__isnull=True).update(acknowledge_minutes=120)
    with at(local(2026, 6, 15, 9, 0)):
        services.incident_comment(incident, user=province.staff, note="Đã rà soát lại")
    # The system gave: target 120 min, 90 ≤ 120 → "met", and March moved from missed to met.
    # It must give: the March figures as they were.
    ack = clocks(incident)["acknowledge"]
    assert (ack.state, ack.target_seconds, ack.elapsed_seconds) == (ClockState.MISSED, 60 * MIN, 90 * MIN)
    assert tally(province.commune_a, "acknowledge") == {"started": 1, "met": 0, "missed": 1, "self_cleared": 0}
    incident.refresh_from_db()
    assert incident.breached
    assert_tallies_exact()


def test_a_policy_edit_applies_to_new_holdings_and_to_open_ones_only_when_the_department_says_so(
        province, report, at, client_for, django_capture_on_commit_callbacks):
    # Open since Monday 08:00 (normal: acknowledge due 09:00).
    before = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    url = reverse("incidents:policy_edit", args=[SlaPolicy.objects.get(severity="normal", operator=None).pk])
    form = {"severity": "normal", "operator": "", "acknowledge_minutes": 120, "respond_minutes": 240,
            "resolve_minutes": 960, "warn_percent": 75}
    with at(local(2026, 3, 9, 8, 10)), django_capture_on_commit_callbacks(execute=True):
        client_for(province.admin).post(url, form)
    # The open incident keeps its 60 min; one reported afterwards gets 120 (due 10:20 from 08:20).
    assert clocks(before)["acknowledge"].due_at == local(2026, 3, 9, 9, 0)
    after = report(province.site_a2, province.tech, local(2026, 3, 9, 8, 20))
    assert clocks(after)["acknowledge"].due_at == local(2026, 3, 9, 10, 20)
    # Applying to open incidents needs a reason.
    with at(local(2026, 3, 9, 8, 20)), django_capture_on_commit_callbacks(execute=True):
        response = client_for(province.admin).post(url, {**form, "apply_to_open": "on", "reason": ""})
    assert response.status_code == 200 and not IncidentEvent.objects.filter(kind=EventKind.RETARGETED).exists()
    with at(local(2026, 3, 9, 8, 20)), django_capture_on_commit_callbacks(execute=True):
        client_for(province.admin).post(url, {**form, "apply_to_open": "on",
                                              "reason": "Hợp đồng mới ký ngày 09/3: tiếp nhận trong 120 phút"})
    # From 08:20 the open one has 120 min (due 10:20); its 20 min already used are carried.
    ack = clocks(before)["acknowledge"]
    assert (ack.due_at, ack.target_seconds, ack.carried_seconds) == (local(2026, 3, 9, 10, 20), 120 * MIN, 20 * MIN)
    step = IncidentEvent.objects.get(incident=before, kind=EventKind.RETARGETED)
    assert step.user == province.admin and "Hợp đồng mới" in step.note
    assert step.data["sla"]["acknowledge_minutes"] == 120
    page = client_for(province.head).get(before.get_absolute_url()).content.decode()
    assert "Tiếp nhận 120′ · phản hồi 240′ · khắc phục 960′" in page and "Hợp đồng mới" in page
    # The incident reported after the edit already had those targets: the department's step changes nothing there.
    assert clocks(after)["acknowledge"].due_at == local(2026, 3, 9, 10, 20)
    assert_tallies_exact()


# 2. Calendar changes reach open clocks at once ----------------------------------------

def test_a_saturday_declared_working_moves_the_open_clocks_so_the_scan_warns_and_escalates(
        province, report, at, client_for, django_capture_on_commit_callbacks):
    # Friday 13 March 16:00, normal; acknowledged at 16:10.
    incident = report(province.site_a, province.tech, local(2026, 3, 13, 16, 0))
    with at(local(2026, 3, 13, 16, 10)):
        services.incident_acknowledge(incident, user=province.tech)
    c = clocks(incident)
    assert c["respond"].due_at == local(2026, 3, 16, 10, 0)          # 1 h Friday + 3 h Monday
    assert c["resolve"].due_at == local(2026, 3, 17, 16, 0)          # 1 + 8 (Mon) + 4.5 + 2.5 (Tue)
    # At 16:30 the department declares Saturday 14 a working day.
    with at(local(2026, 3, 13, 16, 30)), django_capture_on_commit_callbacks(execute=True):
        client_for(province.admin).post(reverse("incidents:calendar_add"),
                                        {"date": "2026-03-14", "kind": "working", "name": "Làm bù"})
    # The system gave: still Monday 10:00; no warning, no escalation on Saturday; answered at 10:30 → missed.
    # It must give: respond due Saturday 10:00 (1 h Fri + 3 h Sat), warned at 09:00 (75 % = 3 h),
    # escalated after 10:00; resolve due Monday 16:00 (1 + 8 Sat + 4.5 + 2.5).
    c = clocks(incident)
    assert c["respond"].due_at == local(2026, 3, 14, 10, 0)
    assert c["respond"].warn_at == local(2026, 3, 14, 9, 0)
    assert c["resolve"].due_at == local(2026, 3, 16, 16, 0)
    change = CalendarChange.objects.get()
    assert change.applied_at is not None and change.incidents_moved == 1 and change.by == province.admin
    assert rules.calendar_changes_apply(now=local(2026, 3, 13, 16, 31)) == 0     # done once
    with at(local(2026, 3, 14, 9, 1)):
        assert escalation.sla_scan() == {"warned": 1, "escalated": 0}
    with at(local(2026, 3, 14, 10, 1)):
        assert escalation.sla_scan() == {"warned": 0, "escalated": 1}
    with at(local(2026, 3, 14, 10, 30)):
        services.incident_respond(incident, user=province.tech, note="Đang kiểm tra")
    respond = clocks(incident)["respond"]
    assert (respond.state, respond.elapsed_seconds) == (ClockState.MISSED, 270 * MIN)    # 60 + 210
    assert Notice.objects.filter(user=province.tech, kind="incident.warned").exists()
    assert Notice.objects.filter(user=province.head, kind="incident.escalated").exists()
    assert_tallies_exact()


def test_removing_a_day_off_moves_the_due_time_earlier_and_two_workers_apply_it_once(province, report, at):
    from diemcau.incidents.models import CalendarDay

    # Monday 23 March declared off; an incident on Friday 20 March 16:00 has respond due Tuesday 24, 10:00.
    day = CalendarDay.objects.create(date=dt.date(2026, 3, 23), kind="holiday", name="Nghỉ bù")
    incident = report(province.site_a, province.tech, local(2026, 3, 20, 16, 0))
    assert clocks(incident)["respond"].due_at == local(2026, 3, 24, 10, 0)
    with at(local(2026, 3, 20, 16, 30)):
        rules.calendar_day_remove(day, user=province.admin)
    change = CalendarChange.objects.get()
    now = local(2026, 3, 20, 16, 31)
    assert rules.claim_calendar_change(change.pk, now) and not rules.claim_calendar_change(change.pk, now)
    CalendarChange.objects.filter(pk=change.pk).update(applied_at=None)
    assert rules.calendar_changes_apply(now=now) == 1
    assert rules.calendar_changes_apply(now=now) == 0
    assert clocks(incident)["respond"].due_at == local(2026, 3, 23, 10, 0)
    assert_tallies_exact()


# 3. The holder cannot erase its own breach -----------------------------------------------

def test_the_holder_cannot_lower_severity_and_a_missed_clock_stays_missed(province, report, at):
    # Critical (24/7), Saturday 7 March 22:00; acknowledged at 23:00: 60 min against 15 → missed.
    incident = report(province.site_a, province.tech, local(2026, 3, 7, 22, 0), severity="critical")
    with at(local(2026, 3, 7, 23, 0)):
        services.incident_acknowledge(incident, user=province.tech)
    assert clocks(incident)["acknowledge"].state == ClockState.MISSED
    # The system gave: the holder triaged it to "low" at 23:05; 0 working minutes ≤ 240 → "met",
    # breached false, the month's tally moved from missed to met. Now the holder is refused:
    with at(local(2026, 3, 7, 23, 5)), pytest.raises(ValidationError) as refused:
        services.incident_triage(incident, user=province.tech, severity="low", suspected_cause=None,
                                 important_meeting=False)
    assert "severity" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.severity == "critical"
    # The department may lower it; that applies from 23:05 and what was missed stays missed.
    with at(local(2026, 3, 7, 23, 5)):
        services.incident_triage(incident, user=province.staff, severity="low", suspected_cause=None,
                                 important_meeting=False, reason="Chỉ một micro phụ, không ảnh hưởng cuộc họp")
    c = clocks(incident)
    assert (c["acknowledge"].state, c["acknowledge"].elapsed_seconds, c["acknowledge"].target_seconds) == (
        ClockState.MISSED, 60 * MIN, 15 * MIN)
    # Respond was due 23:00 (60 min, 24/7): already late at 23:05, it stays late.
    assert (c["respond"].state, c["respond"].due_at) == (ClockState.OVERDUE, local(2026, 3, 7, 23, 0))
    # Resolve had 175 min left; low gives 2400 working minutes from 23:05: Monday 9 to Friday 13, 17:00.
    assert (c["resolve"].state, c["resolve"].due_at, c["resolve"].carried_seconds) == (
        ClockState.RUNNING, local(2026, 3, 13, 17, 0), 65 * MIN)
    incident.refresh_from_db()
    assert incident.breached and incident.severity == "low"
    assert tally(province.commune_a, "acknowledge") == {"started": 1, "met": 0, "missed": 1, "self_cleared": 0}
    assert_tallies_exact()


def test_the_holder_may_raise_severity_but_not_take_off_the_important_meeting_flag(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), important_meeting=True)
    with at(local(2026, 3, 9, 8, 5)), pytest.raises(ValidationError):
        services.incident_triage(incident, user=province.tech, severity="normal", suspected_cause=None,
                                 important_meeting=False)
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_triage(incident, user=province.tech, severity="high", suspected_cause=None,
                                 important_meeting=True)
    incident.refresh_from_db()
    assert incident.severity == "high" and incident.important_meeting
    assert_tallies_exact()


# 4. Raising severity applies from the triage ---------------------------------------------

def test_raising_to_critical_counts_the_new_targets_from_the_triage_with_the_time_spent_carried(
        province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 30)):
        services.incident_triage(incident, user=province.staff, severity="critical", suspected_cause=None,
                                 important_meeting=False)
    # The system gave: acknowledge due 08:15 (overdue at once), level-2 escalation due 08:30.
    # It must give: 15 min from 08:30 → 08:45, warned at 75 % (08:41:15), level 2 at 2 × 15 min → 09:00;
    # respond 60 min → 09:30; resolve 240 min → 12:30; the 30 working minutes before are carried.
    c = clocks(incident)
    assert (c["acknowledge"].due_at, c["acknowledge"].warn_at, c["acknowledge"].second_escalation_at) == (
        local(2026, 3, 9, 8, 45), local(2026, 3, 9, 8, 41, 15), local(2026, 3, 9, 9, 0))
    assert c["respond"].due_at == local(2026, 3, 9, 9, 30) and c["resolve"].due_at == local(2026, 3, 9, 12, 30)
    assert c["acknowledge"].carried_seconds == 30 * MIN and c["acknowledge"].around_the_clock
    with at(local(2026, 3, 9, 8, 31)):
        assert escalation.sla_scan() == {"warned": 0, "escalated": 0}
    with at(local(2026, 3, 9, 8, 40)):
        services.incident_acknowledge(incident, user=province.tech)
    ack = clocks(incident)["acknowledge"]
    # Met; its time used counts from the report: 30 (normal, working) + 10 (critical) = 40 min.
    assert (ack.state, ack.elapsed_seconds, ack.target_seconds) == (ClockState.MET, 40 * MIN, 15 * MIN)
    assert march_report(province.leader).by_org[0].mtta == 40
    assert_tallies_exact()


# 5. No ownerless time --------------------------------------------------------------------

def test_a_pause_does_not_stop_the_acknowledge_clock(province, report, at):
    # Monday 08:00; paused at 08:05 "Chờ VNPT"; resumed Wednesday 08:00; acknowledged 08:10.
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_pause(incident, user=province.tech, note="Chờ VNPT kiểm tra đường truyền")
    with at(local(2026, 3, 9, 9, 1)):
        assert escalation.sla_scan()["escalated"] == 1                 # the acknowledge target passed at 09:00
    with at(local(2026, 3, 11, 8, 0)):
        services.incident_resume(incident, user=province.head, note="VNPT đã xử lý")
    with at(local(2026, 3, 11, 8, 10)):
        services.incident_acknowledge(incident, user=province.tech)
    # The system gave: 5 + 10 = 15 min → "met". It must give: Mon 7 h + Tue 8 h + Wed 07:00–08:10 = 970 min.
    c = clocks(incident)
    assert (c["acknowledge"].state, c["acknowledge"].elapsed_seconds) == (ClockState.MISSED, 970 * MIN)
    # Respond and resolve stood still from Monday 08:05 to Wednesday 08:00: 5 + 10 minutes used.
    assert c["respond"].state == ClockState.RUNNING and c["respond"].elapsed_seconds == 5 * MIN
    assert_tallies_exact()


def test_the_holder_can_acknowledge_and_respond_while_it_waits(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_pause(incident, user=province.tech, note="Cần mở phòng họp")
    with at(local(2026, 3, 9, 8, 10)):
        services.incident_acknowledge(incident, user=province.tech)
    incident.refresh_from_db()
    assert incident.status == Status.WAITING
    with at(local(2026, 3, 9, 9, 0)):
        services.incident_resume(incident, user=province.head)
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert clocks(incident)["acknowledge"].state == ClockState.MET
    assert_tallies_exact()


def test_waiting_for_a_third_party_keeps_the_clocks_running_and_shows_who(province, report, at, client_for):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_acknowledge(incident, user=province.tech)
        with pytest.raises(ValidationError):
            services.incident_wait_for_party(incident, user=province.tech, note="Chờ")
        services.incident_wait_for_party(incident, user=province.tech, party=province.vnpt,
                                         note="VNPT kiểm tra tuyến cáp quang")
    incident.refresh_from_db()
    assert (incident.status, incident.waiting_on) == (Status.THIRD_PARTY, "VNPT Cao Bằng")
    # Tuesday 17:00: resolve has counted Mon 7 h + Tue 8 h = 900 of 960 min; due Wednesday 08:00.
    with at(local(2026, 3, 10, 17, 0)):
        page = client_for(province.staff).get(reverse("incidents:list"))
        c = next(i for i in page.context["page"].object_list if i.pk == incident.pk)
        resolve = [k for k in c.watched_clocks if k.target == "resolve"][0]
        assert resolve.live.used_minutes == 900 and resolve.live.left_minutes == 60
        assert resolve.due_at == local(2026, 3, 11, 8, 0)
    html = page.content.decode()
    assert "Chờ bên thứ ba" in html and "VNPT Cao Bằng" in html
    # Only the holder ends the wait; the reporter's side cannot.
    from diemcau.incidents import access

    assert access.can_resume(province.tech, incident) and not access.can_resume(province.other_head, incident)
    with at(local(2026, 3, 11, 9, 0)):
        services.incident_resume(incident, user=province.tech, note="VNPT đã hàn lại cáp")
    incident.refresh_from_db()
    assert (incident.status, incident.waiting_on) == (Status.ACKNOWLEDGED, "")
    assert clocks(incident)["resolve"].state == ClockState.OVERDUE
    assert_tallies_exact()


# 6. breached tells the whole story -------------------------------------------------------

def test_a_late_transfer_keeps_the_first_holders_missed_target_on_the_incident(province, report, at, client_for):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 9, 30)):
        services.incident_reassign(incident, user=province.staff, holder=province.vnpt, reason="Mất tín hiệu quang")
    with at(local(2026, 3, 9, 9, 40)):
        services.incident_acknowledge(incident, user=province.vnpt_user)
    # The commune left it unacknowledged for 90 min (target 60); VNPT acknowledged in 10 min.
    assert clocks(incident, province.commune_a)["acknowledge"].state == ClockState.MISSED
    assert clocks(incident, province.vnpt)["acknowledge"].state == ClockState.MET
    incident.refresh_from_db()
    # The system gave: breached false (only VNPT's clocks looked at). It must give: true, naming the commune.
    assert incident.breached
    with at(local(2026, 3, 9, 9, 45)):
        page = client_for(province.staff).get(reverse("incidents:list"), {"breached": "on"})
        assert [i.missed_by for i in page.context["page"].object_list] == [["UBND xã Thông Nông"]]
        body = client_for(province.staff).get(f"/api/v1/incidents/{incident.pk}").json()
    assert body["breached"] and body["missed_by"] == ["X-14"]
    by_name = {r.label: r for r in march_report(province.leader).by_org}
    assert by_name["UBND xã Thông Nông"].ack_pct == 0.0 and by_name["VNPT Cao Bằng"].ack_pct == 100.0
    assert_tallies_exact()


# 7. Duplicates are not repeats -----------------------------------------------------------

def test_one_outage_reported_three_times_is_not_a_repeat_and_its_duplicates_count_nowhere(
        province, report, at, client_for):
    first = report(province.site_a, province.tech, local(2026, 3, 9, 9, 0))
    second = report(province.site_a, province.head, local(2026, 3, 9, 9, 4))
    third = report(province.site_a, province.tech, local(2026, 3, 9, 9, 9))
    # The system gave: a repeat flag (3 in 30 days) and a notice to the head. It must give neither.
    assert not RepeatFlag.objects.exists()
    assert not Notice.objects.filter(user=province.head, kind="incident.repeat").exists()
    with at(local(2026, 3, 9, 9, 20)):
        client_for(province.staff).post(reverse("incidents:action", args=[second.pk, "close"]),
                                        {"close-duplicate_of": first.code})
        services.incident_close(third, user=province.staff, duplicate_of=second)   # → the original, SC of first
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.duplicate_of, third.duplicate_of) == (Status.CLOSED, first, first)
    assert second.events.get(kind=EventKind.CLOSED).note == f"Trùng với {first.code}"
    # SLA tallies: one incident held by the commune in March, not three; top lists: one incident.
    assert tally(province.commune_a, "resolve")["started"] == 1
    report_data = march_report(province.leader)
    assert report_data.total == 1 and report_data.by_org[0].incidents == 1
    assert not second.breached
    assert_tallies_exact()


def test_a_repeat_flag_raised_on_a_report_later_closed_as_a_duplicate_is_withdrawn(province, report, at):
    one = report(province.site_a, province.tech, local(2026, 3, 9, 9, 0))
    report(province.site_a, province.tech, local(2026, 3, 10, 9, 0))
    three = report(province.site_a, province.tech, local(2026, 3, 11, 9, 0))
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() == 1      # three separate days: a repeat
    with at(local(2026, 3, 11, 10, 0)):
        services.incident_close(three, user=province.staff, duplicate_of=one)
    assert not RepeatFlag.objects.filter(cleared_at__isnull=True).exists()
    three.refresh_from_db()
    assert not three.is_repeat
    assert_tallies_exact()


def test_closing_as_a_duplicate_needs_the_same_site(province, report, at):
    one = report(province.site_a, province.tech, local(2026, 3, 9, 9, 0))
    other = report(province.site_a2, province.tech, local(2026, 3, 9, 9, 5))
    with pytest.raises(ValidationError) as error:
        services.incident_close(other, user=province.staff, duplicate_of=one)
    assert "duplicate_of" in error.value.message_dict
    assert_tallies_exact()


# 8. Self-cleared incidents do not flatter the operator ------------------------------------

def _link_alert(province, at, *, raised, cleared, processed):
    from diemcau.monitoring import incident_link
    from diemcau.monitoring.choices import AlertState
    from diemcau.monitoring.models import Alert

    alert = Alert.objects.create(site=province.site_a, problem="loss", state=AlertState.RAISED,
                                 detail="Mất gói 12 %", raised_at=raised)
    with at(raised + dt.timedelta(minutes=1)):
        incident_link.alert_flipped(alert, AlertState.RAISED, at=raised)
    alert.state = AlertState.OK
    alert.save()
    with at(processed):
        incident_link.alert_flipped(alert, AlertState.OK, at=cleared)
    return alert.incident


def test_a_link_that_cleared_by_itself_is_stamped_when_it_cleared_and_counted_apart(province, at):
    # Monitoring opens a "high" link incident for VNPT on Monday 20:00; the link clears at 20:18;
    # the worker gets to it at 20:34.
    incident = _link_alert(province, at, raised=local(2026, 3, 9, 20, 0), cleared=local(2026, 3, 9, 20, 18),
                           processed=local(2026, 3, 9, 20, 34))
    incident.refresh_from_db()
    assert incident.holder == province.vnpt and incident.status == Status.RESOLVED
    # The system gave: resolved 20:34, and "met" on all three of VNPT's targets.
    # It must give: resolved 20:18; the three clocks "cleared by itself", neither met nor missed.
    assert incident.resolved_at == local(2026, 3, 9, 20, 18)
    assert {c.state for c in clocks(incident).values()} == {ClockState.SELF_CLEARED}
    for target in ("acknowledge", "respond", "resolve"):
        assert tally(province.vnpt, target) == {"started": 1, "met": 0, "missed": 0, "self_cleared": 1}
    vnpt = march_report(province.leader).operators[0]
    assert (vnpt.self_cleared, vnpt.ack_pct, vnpt.resolve_pct, vnpt.mttr) == (1, None, None, None)
    assert_tallies_exact()


def test_a_target_already_late_when_the_problem_cleared_stays_missed(province, report, at):
    # Critical (24/7) at 20:00, nobody acknowledged; cleared by itself at 20:18 (acknowledge was due 20:15).
    incident = report(province.site_a, None, local(2026, 3, 9, 20, 0), severity="critical",
                      suspected_cause=term("cause", "network"), channel="monitoring")
    with at(local(2026, 3, 9, 20, 34)):
        services.incident_resolve(incident, user=None, cause_found=term("cause", "network"),
                                  action_taken=term("action", "keep"), resolution="Tự hết",
                                  at=local(2026, 3, 9, 20, 18), self_cleared=True)
    c = clocks(incident)
    assert (c["acknowledge"].state, c["acknowledge"].elapsed_seconds) == (ClockState.MISSED, 18 * MIN)
    assert c["respond"].state == c["resolve"].state == ClockState.SELF_CLEARED
    assert_tallies_exact()


def test_a_person_who_took_the_incident_over_resolves_it_themselves(province, at):
    from diemcau.monitoring import incident_link
    from diemcau.monitoring.choices import AlertState
    from diemcau.monitoring.models import Alert

    alert = Alert.objects.create(site=province.site_a, problem="loss", state=AlertState.RAISED, detail="Mất gói")
    with at(local(2026, 3, 9, 20, 1)):
        incident_link.alert_flipped(alert, AlertState.RAISED, at=local(2026, 3, 9, 20, 0))
    with at(local(2026, 3, 9, 20, 5)):
        services.incident_acknowledge(alert.incident, user=province.vnpt_user)
    with at(local(2026, 3, 9, 20, 34)):
        incident_link.alert_flipped(alert, AlertState.OK, at=local(2026, 3, 9, 20, 18))
    alert.incident.refresh_from_db()
    assert alert.incident.status == Status.ACKNOWLEDGED
    assert_tallies_exact()


# 10. 0 % is not "no data" -----------------------------------------------------------------

def test_the_report_shows_0_percent_when_nothing_was_met_and_a_dash_when_nothing_was_decided(
        province, report, at, client_for):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), suspected_cause=term(
        "cause", "network"))
    with at(local(2026, 3, 9, 9, 30)):
        services.incident_acknowledge(incident, user=province.vnpt_user)       # 90 min: missed
    with at(local(2026, 3, 31, 12, 0)):
        response = client_for(province.leader).get(reverse("incidents:sla_report"),
                                                   {"start": "2026-03", "end": "2026-03"})
    vnpt = response.context["report"].operators[0]
    # The system gave "—" for 0.0 (|default:"—"); it must give 0 %, and "—" for respond, never decided.
    assert (vnpt.ack_pct, vnpt.respond_pct, vnpt.resolve_pct) == (0.0, None, None)
    html = response.content.decode()
    operators = html[html.index('id="operators"'):html.index("operator-chart")]
    cells = [c.split("<")[0].strip() for c in operators.split('<td class="text-end">')[1:]]
    # Incidents held, MTTA, MTTR, acknowledged, responded, resolved in time, cleared by itself.
    assert cells[:7] == ["1", "90", "—", "0\u00a0%", "—", "—", "0"]
    assert_tallies_exact()
