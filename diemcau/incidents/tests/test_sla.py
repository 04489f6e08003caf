"""SLA figures computed from the timeline rows, each worked out by hand.

Working hours in these tests: 07:00–11:30 and 13:30–17:00 (8 h a day).
Default targets: normal = acknowledge 60 min, respond 4 h, resolve 16 h of
working time; high = 30 min, 2 h, 8 h; critical = 15 min, 1 h, 4 h around
the clock.
"""

import datetime as dt

from diemcau.incidents import services
from diemcau.incidents.choices import ClockState, Status
from diemcau.incidents.models import CalendarDay, Clock
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term


def clocks(incident, holder=None):
    qs = Clock.objects.filter(incident=incident)
    if holder is not None:
        qs = qs.filter(holder=holder)
    return {c.target: c for c in qs.order_by("holding__period")}


def test_a_clock_stops_over_the_weekend(province, report, at):
    # Friday 6 March 2026, 16:00.
    incident = report(province.site_a, province.tech, local(2026, 3, 6, 16, 0))
    c = clocks(incident)
    assert c["acknowledge"].due_at == local(2026, 3, 6, 17, 0)      # 1 h left on Friday
    assert c["respond"].due_at == local(2026, 3, 9, 10, 0)          # 1 h Fri + 3 h Monday from 07:00
    assert c["resolve"].due_at == local(2026, 3, 10, 16, 0)         # 1 + 8 (Mon) + 4.5 + 2.5 (Tue)
    with at(local(2026, 3, 9, 7, 30)):
        services.incident_acknowledge(incident, user=province.head)
    ack = clocks(incident)["acknowledge"]
    assert ack.elapsed_seconds == 90 * 60                           # 16:00–17:00 Fri + 07:00–07:30 Mon
    assert ack.state == ClockState.MISSED


def test_tet_and_a_manual_day_off_are_skipped(province, report):
    CalendarDay.objects.create(date=dt.date(2026, 2, 23), kind="holiday", name="Nghỉ bù Tết (tỉnh)")
    # Friday 13 Feb 2026 16:00, the last working hour before Tết.
    incident = report(province.site_a, province.tech, local(2026, 2, 13, 16, 0))
    c = clocks(incident)
    # 1 h on Friday, then nothing until Tuesday 24 Feb: 07:00 + 3 h.
    assert c["respond"].due_at == local(2026, 2, 24, 10, 0)


def test_a_swapped_saturday_counts_as_working_time(province, report):
    CalendarDay.objects.create(date=dt.date(2026, 3, 14), kind="working", name="Làm bù")
    incident = report(province.site_a, province.tech, local(2026, 3, 13, 16, 0))
    assert clocks(incident)["respond"].due_at == local(2026, 3, 14, 10, 0)


def test_the_lunch_break_does_not_count(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 11, 0), severity="high")
    c = clocks(incident)
    assert c["acknowledge"].due_at == local(2026, 3, 9, 11, 30)
    assert c["respond"].due_at == local(2026, 3, 9, 15, 0)          # 30 min before lunch + 90 after
    with at(local(2026, 3, 9, 13, 45)):
        services.incident_acknowledge(incident, user=province.tech)
    ack = clocks(incident)["acknowledge"]
    assert ack.elapsed_seconds == 45 * 60                           # 11:00–11:30 + 13:30–13:45
    assert ack.state == ClockState.MISSED


def test_it_pauses_sla_while_waiting_for_reporter(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 30)):
        services.incident_respond(incident, user=province.tech, note="Đang kiểm tra")
    with at(local(2026, 3, 9, 9, 0)):
        services.incident_pause(incident, user=province.tech, note="Cần mở phòng họp")
    paused = clocks(incident)["resolve"]
    assert paused.state == ClockState.PAUSED and paused.due_at is None
    assert incident.status == Status.WAITING
    with at(local(2026, 3, 10, 8, 0)):
        services.incident_resume(incident, user=province.tech, note="Đã mở phòng")
    # 1 h used before the pause; 15 h left from Tue 08:00: 3.5 + 3.5 (Tue) + 4.5 + 3.5 (Wed) → Wed 17:00.
    assert clocks(incident)["resolve"].due_at == local(2026, 3, 11, 17, 0)
    assert incident.status == Status.RESPONDING
    with at(local(2026, 3, 11, 16, 0)):
        services.incident_resolve(incident, user=province.tech, cause_found=term("cause", "equipment"),
                                  action_taken=term("action", "accessory"), resolution="Thay cáp micro")
    resolve = clocks(incident)["resolve"]
    assert resolve.elapsed_seconds == 15 * 3600                    # 1 + 7 (Tue) + 4.5 + 2.5 (Wed until 16:00)
    assert resolve.state == ClockState.MET


def test_reassignment_stops_one_holders_clock_and_starts_the_next(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    with at(local(2026, 3, 9, 8, 10)):
        services.incident_acknowledge(incident, user=province.tech)
    with at(local(2026, 3, 9, 9, 0)):
        services.incident_reassign(incident, user=province.head, holder=province.vnpt,
                                   reason="Mất tín hiệu đường truyền VNPT")
    unit = clocks(incident, province.commune_a)
    assert unit["acknowledge"].state == ClockState.MET and unit["acknowledge"].elapsed_seconds == 600
    assert unit["resolve"].state == ClockState.HANDED_OVER and unit["resolve"].elapsed_seconds == 3600
    vnpt = clocks(incident, province.vnpt)
    assert vnpt["acknowledge"].due_at == local(2026, 3, 9, 10, 0)
    assert vnpt["respond"].due_at == local(2026, 3, 9, 15, 0)      # 2.5 h morning + 1.5 h afternoon
    assert incident.holder == province.vnpt and incident.status == Status.NEW
    with at(local(2026, 3, 9, 10, 30)):
        services.incident_acknowledge(incident, user=province.vnpt_user)
    vnpt = clocks(incident, province.vnpt)
    assert vnpt["acknowledge"].elapsed_seconds == 90 * 60 and vnpt["acknowledge"].state == ClockState.MISSED


def test_critical_runs_around_the_clock_but_normal_waits_for_monday(province, report):
    saturday_night = local(2026, 3, 7, 22, 0)
    critical = report(province.site_a, province.tech, saturday_night, severity="critical")
    normal = report(province.site_a2, province.tech, saturday_night)
    assert clocks(critical)["acknowledge"].due_at == local(2026, 3, 7, 22, 15)
    assert clocks(critical)["resolve"].due_at == local(2026, 3, 8, 2, 0)
    assert clocks(normal)["acknowledge"].due_at == local(2026, 3, 9, 8, 0)


def test_an_important_meeting_puts_a_normal_incident_on_the_24_7_clock(province, report):
    incident = report(province.site_a, province.tech, local(2026, 3, 7, 22, 0), important_meeting=True)
    c = clocks(incident)["acknowledge"]
    assert c.around_the_clock and c.due_at == local(2026, 3, 7, 23, 0)


def test_an_operator_contract_overrides_the_default_targets(province, report):
    from diemcau.incidents.models import SlaPolicy

    SlaPolicy.objects.create(severity="normal", operator=province.vnpt, acknowledge_minutes=30,
                             respond_minutes=120, resolve_minutes=480)
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), suspected_cause=term("cause", "network"))
    assert incident.holder == province.vnpt
    assert clocks(incident)["acknowledge"].due_at == local(2026, 3, 9, 8, 30)


def test_triage_to_critical_gives_the_current_holder_the_critical_targets_from_the_triage(province, report, at):
    # Saturday 22:00, normal: no working time spent. Critical from 22:05: acknowledge within 15 min, 24/7.
    incident = report(province.site_a, province.tech, local(2026, 3, 7, 22, 0))
    with at(local(2026, 3, 7, 22, 5)):
        services.incident_triage(incident, user=province.staff, severity="critical", suspected_cause=None,
                                 important_meeting=False)
    ack = clocks(incident)["acknowledge"]
    assert ack.due_at == local(2026, 3, 7, 22, 20) and ack.around_the_clock and ack.carried_seconds == 0
