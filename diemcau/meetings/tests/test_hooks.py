"""What other apps learn from the meetings: the agent's window, the meeting in progress, the verdict, the review."""

import datetime as dt

from diemcau.incidents.services import incident_report
from diemcau.meetings import services
from diemcau.meetings.models import Participation
from diemcau.meetings.tests.conftest import local
from diemcau.monitoring.meeting_hints import hints_for_site
from diemcau.testing import term

START = local(2026, 3, 10, 9, 0)


def test_the_agent_is_told_the_window_from_the_lead_before_the_start_to_the_end(province, schedule, at, settings):
    settings.MEETINGS_AGENT_LEAD_MINUTES = 120
    schedule(START)
    with at(local(2026, 3, 9, 12, 0)):
        window = hints_for_site(province.site_a)["meeting_window"]
    assert window == {"start": "2026-03-10T00:00:00Z", "end": "2026-03-10T04:00:00Z"}   # 07:00–11:00 Hanoi
    with at(local(2026, 3, 10, 11, 1)):
        assert hints_for_site(province.site_a)["meeting_window"] is None
    assert services.meeting_window_for_site(province.site_dept, local(2026, 3, 10, 10, 0)) is not None


def test_a_cancelled_meeting_or_a_removed_site_gives_no_window(province, schedule, at):
    meeting = schedule(START)
    with at(local(2026, 3, 8, 9, 0)):
        services.meeting_update(meeting, user=province.staff, sites=[province.site_a])
        assert services.meeting_window_for_site(province.site_b) is None
        assert services.meeting_window_for_site(province.site_a) is not None
        services.meeting_cancel(meeting, user=province.staff, reason="Hoãn")
        assert services.meeting_window_for_site(province.site_a) is None


def test_an_incident_during_an_important_meeting_runs_around_the_clock_and_names_it(province, schedule, at):
    meeting = schedule(local(2026, 3, 7, 20, 0))   # a Saturday evening: outside working hours
    with at(local(2026, 3, 7, 20, 30)):
        incident = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")])
    assert incident.important_meeting and meeting.title in incident.meeting_ref
    clock = incident.clocks.get(target="acknowledge")
    assert clock.around_the_clock
    with at(local(2026, 3, 7, 23, 0)):
        after = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")])
    assert not after.important_meeting and after.meeting_ref == ""


def test_sites_repeatedly_not_ready_or_with_roll_call_problems_are_unstable(province, schedule, at, settings):
    from diemcau.meetings.stability import stability_inputs

    settings.MEETINGS_UNSTABLE_COUNT = 3
    for week in range(3):
        start = local(2026, 2, 2, 9, 0) + dt.timedelta(weeks=week)
        meeting = schedule(start, importance="normal")
        part = Participation.objects.get(meeting=meeting, site=province.site_b)
        with at(start + dt.timedelta(minutes=10)):
            services.rollcall_mark(part, user=province.staff, status="audio")
    findings = stability_inputs([province.site_a.pk, province.site_b.pk], local(2026, 3, 1, 0, 0))
    codes = {f["code"] for f in findings[province.site_b.pk]}
    assert codes == {"meetings_not_ready", "meetings_rollcall"}
    assert "3" in findings[province.site_b.pk][1]["reason"]


def test_the_review_prefill_knows_the_meeting_results(province, schedule, at):
    from diemcau.reviews import sources

    start = local(2026, 2, 2, 9, 0)
    meeting = schedule(start)
    part = Participation.objects.get(meeting=meeting, site=province.site_a)
    with at(start - dt.timedelta(hours=2)):
        for item in ("call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"):
            services.check_mark(part, user=province.tech, item=item, outcome="fail" if item == "power" else "pass")
    known = sources.meetings([province.site_a.pk], now=local(2026, 3, 1, 0, 0))
    assert known[province.site_a.pk]["meetings"] == 1 and known[province.site_a.pk]["not_ready"] == 1
    assert known[province.site_a.pk]["failing_items"] == {"power": 1}
