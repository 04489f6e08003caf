"""Grade windows from the agents: stored, drawn as a strip, and a run of bad ones in an important
meeting raises the call-quality alert at once; one set of thresholds told to the agents."""

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from diemcau.incidents.choices import Severity
from diemcau.monitoring import call_quality, services
from diemcau.monitoring import flips as flips_job
from diemcau.monitoring.choices import AlertState, Grade, Problem
from diemcau.monitoring.models import Alert, AlertFlip, Sample
from diemcau.monitoring.tests.helpers import batch, iso

URL = "/api/v1/agent/results"
T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@dataclass
class GivenMeeting:
    """A meeting window given by hand (the meetings app answers the same two things)."""

    title: str
    is_important: bool

    def __str__(self):
        return self.title


IMPORTANT = GivenMeeting("Giao ban trực tuyến UBND tỉnh", True)
ORDINARY = GivenMeeting("Họp chuyên môn", False)


def window(start, grade="good", loss=0.0, jitter=5.0, rid=None, **extra):
    fields = {"window_s": 20, "trains": 4, "sent": 200, "received": 200 - round(2 * loss), "loss_pct": loss,
              "jitter_ms": jitter, "rtt_median_ms": 40.0, "grade": grade,
              "judged_by": {"source": "server", "version": "2026.1"}}
    fields.update(extra)
    return {"id": str(rid or uuid.uuid4()), "kind": "grade", "measured_at": iso(start), "fields": fields}


@pytest.fixture
def agent(province):
    return services.agent_token_issue(site=province.site_a, user=province.tech)


def post(raw, body):
    return Client().post(URL, data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}")


def slots(start, grades):
    return [(start + dt.timedelta(seconds=20 * i), g) for i, g in enumerate(grades)]


def call_alert(site):
    return Alert.objects.filter(site=site, problem=Problem.CALL).first()


def test_every_answer_tells_the_agent_the_standards_levels(agent):
    _token, raw = agent
    answer = post(raw, batch()).json()
    assert answer["thresholds"] == {
        "version": "2026.1",
        "loss_pct": {"warn_above": 1.0, "fail_above": 3.0}, "jitter_ms": {"warn_above": 30.0, "fail_above": 50.0},
        "rtt_ms": {"warn_above": 150.0, "fail_above": 300.0},
        "grades": [{"code": "good", "loss_below": 1.0}, {"code": "ok", "loss_below": 3.0},
                   {"code": "bad", "loss_below": 10.0}, {"code": "terrible"}],
        "grade_jitter_above_ms": 40.0}


def test_the_agents_and_the_alerts_follow_a_newly_published_standard(agent, province):
    from diemcau.monitoring import levels
    from diemcau.standards.services import load_default_standard, standard_publish

    standard = load_default_standard(user=province.admin)
    requirement = standard.requirements.get(code="NET-JITTER")
    requirement.rule = {"jitter_ms": {"warn_above": 20, "fail_above": 35}}
    requirement.save()
    if standard.is_draft:
        standard_publish(standard, user=province.admin, recompute=False)
    _token, raw = agent
    told = post(raw, batch()).json()["thresholds"]
    assert told["jitter_ms"] == {"warn_above": 20.0, "fail_above": 35.0}
    assert levels.current_levels()[Problem.JITTER].fail == told["jitter_ms"]["fail_above"]


def test_grade_windows_are_stored_as_sent_and_checked(agent, province):
    _token, raw = agent
    good = window(T0, "good")
    bad = window(T0 + dt.timedelta(seconds=20), "bad", loss=4.0)
    unknown_grade = window(T0 + dt.timedelta(seconds=40), "excellent")
    impossible = window(T0 + dt.timedelta(seconds=60), "ok", received=300)
    answer = post(raw, batch(good, bad, unknown_grade, impossible)).json()
    assert sorted(answer["accepted"]) == sorted([good["id"], bad["id"]])
    reasons = {r["id"]: r["reason"] for r in answer["rejected"]}
    assert "good, ok, bad, terrible" in reasons[unknown_grade["id"]] and "300" in reasons[impossible["id"]]
    stored = Sample.objects.get(result_id=bad["id"])
    assert stored.kind == "grade" and stored.loss_pct == 4.0 and stored.ok is False and stored.data["grade"] == "bad"
    assert stored.measured_at == T0 + dt.timedelta(seconds=20)


def test_the_grade_people_read_is_the_most_frequent_of_the_last_three():
    def w(*grades):
        return [call_quality.Window(T0, g, None, None) for g in grades]
    assert call_quality.pexip_grade(w("terrible", "good", "ok", "good")) == Grade.GOOD
    assert call_quality.pexip_grade(w("good", "bad", "terrible")) == Grade.TERRIBLE  # all differ: the worst
    assert call_quality.pexip_grade(w("bad", "bad", "good")) == Grade.BAD
    assert call_quality.pexip_grade([]) == Grade.UNKNOWN


def test_three_bad_windows_in_an_important_meeting_raise_the_alert_and_a_critical_incident(province):
    site = province.site_a
    flips = call_quality.windows_received(site, slots(T0, ["good", "bad", "ok", "bad", "terrible"]),
                                          meeting=IMPORTANT)
    assert flips == [] and call_alert(site).state == AlertState.OK  # never three in a row
    flips = call_quality.windows_received(site, slots(T0 + dt.timedelta(seconds=100), ["bad"]), meeting=IMPORTANT)
    assert flips == [AlertState.RAISED]
    alert = call_alert(site)
    flip = AlertFlip.objects.get(alert=alert)
    assert flip.at == T0 + dt.timedelta(seconds=120)  # the end of the third bad window, not the job's clock
    assert "Giao ban trực tuyến UBND tỉnh" in flip.reason
    flips_job.process_flips()  # the flips job carries it to the incident
    alert.refresh_from_db()
    assert alert.incident is not None and alert.incident.severity == Severity.CRITICAL


def test_bad_windows_in_an_ordinary_meeting_leave_the_alert_alone(province):
    flips = call_quality.windows_received(province.site_a, slots(T0, ["terrible"] * 10), meeting=ORDINARY)
    assert flips == [] and call_alert(province.site_a) is None


def test_it_clears_after_two_minutes_of_better_windows_and_a_resent_batch_changes_nothing(province):
    site = province.site_a
    call_quality.windows_received(site, slots(T0, ["bad"] * 3), meeting=IMPORTANT)
    better = slots(T0 + dt.timedelta(minutes=1), ["ok"] * 5 + ["good"])
    assert call_quality.windows_received(site, better[:5], meeting=IMPORTANT) == []
    assert call_quality.windows_received(site, better, meeting=IMPORTANT) == [AlertState.OK]
    assert call_quality.windows_received(site, slots(T0, ["bad"] * 3), meeting=IMPORTANT) == []  # already judged
    assert call_alert(site).state == AlertState.OK


def test_when_the_meeting_ends_the_alert_clears(province):
    site = province.site_a
    call_quality.windows_received(site, slots(T0, ["terrible"] * 3), meeting=IMPORTANT)
    assert call_quality.clear_after_meetings(T0 + dt.timedelta(hours=3)) == 1  # no meeting in progress now
    flip = AlertFlip.objects.filter(alert__problem=Problem.CALL).first()
    assert flip.new_state == AlertState.OK and flip.reason == gettext("The important meeting has ended")
    assert call_quality.clear_after_meetings(T0 + dt.timedelta(hours=3)) == 0


def test_the_strip_places_windows_in_their_slots_and_says_what_it_shows(province):
    site = province.site_a
    now = timezone.now().replace(microsecond=0)
    start = now - dt.timedelta(minutes=5)
    Sample.objects.bulk_create([
        Sample(result_id=uuid.uuid4(), site=site, kind="grade", measured_at=when, loss_pct=loss, jitter_ms=5.0,
               data={"grade": g}) for when, g, loss in [
            (start, "good", 0.0), (start + dt.timedelta(seconds=20), "bad", 4.5),
            (start + dt.timedelta(seconds=40), "bad", 5.0), (start + dt.timedelta(seconds=60), "good", 0.5)]])
    strip = call_quality.strips([site.pk, province.site_b.pk], dt.timedelta(minutes=10), now)
    assert list(strip) == [site.pk]  # a site without windows has no strip
    drawn = strip[site.pk]
    assert drawn.grade == Grade.BAD and drawn.bad_share == 50.0
    svg = drawn.svg()
    assert svg.count('class="g-') == 4 and 'class="g-bad"' in svg and "4,5 %" in svg
    assert "role=\"img\"" in svg
    rows = drawn.rows()
    assert 1 <= len(rows) <= 2 and sum(svg.count('class="g-') for _start, svg in rows) == 4
