"""Window arithmetic: opens, due and late, across midnight and a change of day; stored UTC, shown in Hanoi time."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diemcau.meetings import services
from diemcau.meetings.models import Meeting, Participation
from diemcau.meetings.tests.conftest import local

UTC = dt.UTC


def test_it_stores_utc_and_puts_opening_and_due_before_midnight_for_a_meeting_just_after_it(schedule):
    # 00:30 on 15 March in Hanoi is 17:30 on 14 March in UTC.
    meeting = schedule(local(2026, 3, 15, 0, 30))
    stored = Meeting.objects.values_list("starts_at", "opens_at", "due_at").get(pk=meeting.pk)
    assert stored[0] == dt.datetime(2026, 3, 14, 17, 30, tzinfo=UTC)
    # 24 hours before: 00:30 on the 14th; 60 minutes before: 23:30 on the 14th (Hanoi).
    assert stored[1] == local(2026, 3, 14, 0, 30)
    assert stored[2] == local(2026, 3, 14, 23, 30)
    assert meeting.due_at.astimezone(UTC).date() == dt.date(2026, 3, 14)


def test_a_morning_meeting_is_due_on_the_previous_utc_day(schedule):
    # 07:30 Hanoi is 00:30 UTC: due at 06:30 Hanoi = 23:30 UTC the day before.
    meeting = schedule(local(2026, 3, 16, 7, 30))
    assert meeting.due_at == dt.datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
    assert meeting.due_at.astimezone(UTC).day == 15 and meeting.due_at.astimezone(local(2026, 1, 1).tzinfo).day == 16


def test_a_confirmation_after_the_due_time_is_late_even_across_midnight(province, schedule, at):
    meeting = schedule(local(2026, 3, 15, 0, 30))
    part = Participation.objects.get(meeting=meeting, site=province.site_a)
    with at(local(2026, 3, 14, 23, 29)):
        on_time = services.check_mark(part, user=province.tech, item="call", outcome="pass")
    with at(local(2026, 3, 14, 23, 31)):
        late = services.check_mark(part, user=province.tech, item="audio_in", outcome="pass")
    assert not on_time.late and late.late


def test_the_check_opens_24_hours_before_and_closes_at_the_end(province, schedule, at):
    meeting = schedule(local(2026, 3, 15, 0, 30))
    part = Participation.objects.get(meeting=meeting, site=province.site_a)
    with at(local(2026, 3, 14, 0, 29)), pytest.raises(ValidationError, match="00:30 14/03/2026"):
        services.check_mark(part, user=province.tech, item="call", outcome="pass")
    with at(local(2026, 3, 14, 0, 30)):
        services.check_mark(part, user=province.tech, item="call", outcome="pass")
    with at(local(2026, 3, 15, 2, 31)), pytest.raises(ValidationError):
        services.check_mark(part, user=province.tech, item="call", outcome="pass")


def test_the_page_shows_the_times_in_hanoi_time(province, schedule, at, client_for):
    meeting = schedule(local(2026, 3, 15, 0, 30))
    with at(local(2026, 3, 14, 12, 0)):
        page = client_for(province.staff).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "00:30" in page and "15/03/2026" in page
    assert "23:30" in page and "14/03/2026" in page   # due
    assert "17:30" not in page                          # never the UTC time


def test_a_weekly_series_keeps_the_local_hour_every_week(province, schedule, at):
    with at(local(2026, 3, 1, 9, 0)):
        meetings = services.meeting_schedule(
            user=province.staff, title="Giao ban", organizer=province.dost, host_site=province.site_dept,
            sites=[province.site_a], starts_at=local(2026, 3, 2, 7, 30), ends_at=local(2026, 3, 2, 9, 0),
            level="provincial", importance="normal", repeat_until=dt.date(2026, 3, 30))
    assert [m.starts_at.astimezone(local(2026, 1, 1).tzinfo).strftime("%d %H:%M") for m in meetings] == [
        "02 07:30", "09 07:30", "16 07:30", "23 07:30", "30 07:30"]
    assert len({m.series_id for m in meetings}) == 1 and meetings[0].series.rule.startswith("FREQ=WEEKLY")
    assert all(m.ends_at - m.starts_at == dt.timedelta(minutes=90) for m in meetings)


def test_moving_the_start_moves_the_window_and_keeps_the_history(province, schedule, at):
    meeting = schedule(local(2026, 3, 20, 14, 0))
    with at(local(2026, 3, 18, 9, 0)):
        services.meeting_update(meeting, user=province.staff, starts_at=local(2026, 3, 20, 8, 0),
                                ends_at=local(2026, 3, 20, 10, 0), sites=[province.site_a])
    meeting.refresh_from_db()
    assert meeting.due_at == local(2026, 3, 20, 7, 0)
    from diemcau.core.history import history_for

    update = history_for(meeting).get(action="update")
    assert "starts_at" in update.changes and update.changes["participants"] == ["X-14-02, X-20-01", None]
    assert Participation.objects.get(meeting=meeting, site=province.site_b).removed_at is not None
