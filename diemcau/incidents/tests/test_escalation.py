"""Warnings before a target passes, escalation once when it passes, never twice."""

from diemcau.core.models import Notice
from diemcau.incidents import escalation
from diemcau.incidents.choices import EventKind
from diemcau.incidents.models import Clock, IncidentEvent
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term


def events(incident, kind):
    return list(IncidentEvent.objects.filter(incident=incident, kind=kind).order_by("at"))


def test_the_holder_is_warned_once_then_escalated_once_to_the_head_then_the_department(province, report, at):
    # High: acknowledge within 30 working minutes → due 08:30, warned at 75 % (08:22:30), DOST at 2× (09:00).
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high")
    for minute in (10, 20):
        with at(local(2026, 3, 9, 8, minute)):
            assert escalation.sla_scan() == {"warned": 0, "escalated": 0}
    with at(local(2026, 3, 9, 8, 23)):
        assert escalation.sla_scan()["warned"] == 1
    with at(local(2026, 3, 9, 8, 25)):
        assert escalation.sla_scan() == {"warned": 0, "escalated": 0}
    assert len(events(incident, EventKind.WARNED)) == 1
    assert Notice.objects.filter(user=province.tech, kind="incident.warned").count() == 1

    with at(local(2026, 3, 9, 8, 31)):
        assert escalation.sla_scan()["escalated"] == 1
    with at(local(2026, 3, 9, 8, 45)):
        assert escalation.sla_scan()["escalated"] == 0
    [first] = events(incident, EventKind.ESCALATED)
    assert first.data == {"target": "acknowledge", "level": 1} and first.at == local(2026, 3, 9, 8, 31)
    assert Notice.objects.filter(user=province.head, kind="incident.escalated").count() == 1
    assert not Notice.objects.filter(user=province.staff, kind="incident.escalated").exists()
    incident.refresh_from_db()
    assert incident.breached

    with at(local(2026, 3, 9, 9, 1)):
        assert escalation.sla_scan()["escalated"] == 1
    with at(local(2026, 3, 9, 9, 30)):
        assert escalation.sla_scan()["escalated"] == 0
    assert [e.data["level"] for e in events(incident, EventKind.ESCALATED)] == [1, 2]
    assert Notice.objects.filter(user=province.staff, kind="incident.escalated").count() == 1
    assert Notice.objects.filter(user=province.admin, kind="incident.escalated").count() == 1


def test_an_operator_escalates_to_its_named_escalation_contact(province, report, at, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    province.vnpt.escalation_contact = "Trần Văn Trực"
    province.vnpt.escalation_email = "truc@vnpt.example"
    province.vnpt.save()
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high",
                      suspected_cause=term("cause", "network"))
    assert incident.holder == province.vnpt
    with at(local(2026, 3, 9, 8, 31)), django_capture_on_commit_callbacks(execute=True):
        escalation.sla_scan()
    from diemcau.core.models import Delivery

    delivery = Delivery.objects.get(kind="incident.escalated", recipient="truc@vnpt.example")
    assert delivery.status == "sent"
    assert any("truc@vnpt.example" in m.to for m in mailoutbox)
    assert Notice.objects.filter(user=province.vnpt_user, kind="incident.escalated").exists()
    assert not Notice.objects.filter(user=province.head, kind="incident.escalated").exists()


def test_two_workers_scanning_at_once_escalate_once(province, report, at):
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high")
    now = local(2026, 3, 9, 8, 31)
    with at(now):
        # Both workers read the same due work before either acts.
        seen_by_a = escalation.escalations_due(now)
        seen_by_b = escalation.escalations_due(now)
        assert seen_by_a == seen_by_b and seen_by_a
        done_a = [escalation.handle_escalation(pk, level, now) for pk, level in seen_by_a]
        done_b = [escalation.handle_escalation(pk, level, now) for pk, level in seen_by_b]
    assert sum(done_a) + sum(done_b) == len(seen_by_a)
    assert not any(done_b)
    assert len(events(incident, EventKind.ESCALATED)) == len(seen_by_a)


def test_acknowledging_in_time_means_no_escalation_of_that_target(province, report, at):
    from diemcau.incidents import services

    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high")
    with at(local(2026, 3, 9, 8, 10)):
        services.incident_acknowledge(incident, user=province.tech)
    with at(local(2026, 3, 9, 8, 40)):
        escalation.sla_scan()
    assert not events(incident, EventKind.ESCALATED)
    assert Clock.objects.get(incident=incident, target="acknowledge").state == "met"


def test_an_acknowledged_incident_waiting_for_the_reporter_is_not_escalated(province, report, at):
    from diemcau.incidents import services

    # High: respond within 120 working minutes → due 10:00 without the pause.
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high")
    with at(local(2026, 3, 9, 8, 3)):
        services.incident_acknowledge(incident, user=province.tech)
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_pause(incident, user=province.tech, note="Chờ mở cửa phòng họp")
    with at(local(2026, 3, 9, 10, 30)):
        assert escalation.sla_scan() == {"warned": 0, "escalated": 0}


def test_waiting_for_the_reporter_does_not_stop_the_acknowledge_clock(province, report, at):
    from diemcau.incidents import services

    # Paused five minutes after the report, never acknowledged: the acknowledge target (08:30) still passes.
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), severity="high")
    with at(local(2026, 3, 9, 8, 5)):
        services.incident_pause(incident, user=province.tech, note="Chờ mở cửa phòng họp")
    with at(local(2026, 3, 9, 8, 31)):
        assert escalation.sla_scan() == {"warned": 0, "escalated": 1}
    [first] = events(incident, EventKind.ESCALATED)
    assert first.data == {"target": "acknowledge", "level": 1}
