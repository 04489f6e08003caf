"""The demo: a year of meetings with the usual mix of checks, today's meeting ahead, and it stays ahead."""

import datetime as dt
import random
import time

from django.utils import timezone

from diemcau.core.demo import DemoContext
from diemcau.meetings import demo, services
from diemcau.meetings.models import BackupPlan, CheckMark, Drill, DutyShift, Meeting, Participation


def test_the_demo_has_a_year_of_meetings_and_a_provincial_meeting_a_little_ahead(province):
    now = timezone.now()
    ctx = DemoContext(rng=random.Random(7), now=now, log=lambda s: None, users={"dost_staff": province.staff,
                                                                                  "site_tech": province.tech})
    started = time.monotonic()
    demo.load(ctx)
    assert time.monotonic() - started < 60          # bulk: seconds on an idle machine (see the closing note)
    weekly = Meeting.objects.filter(title=demo.BRIEFING)
    assert weekly.count() == demo.WEEKS_BACK + demo.WEEKS_AHEAD + 1
    assert weekly.filter(starts_at__lt=now - dt.timedelta(days=300)).exists()
    today = Meeting.objects.get(title=demo.TODAY_TITLE)
    assert today.is_important and dt.timedelta(minutes=60) < today.starts_at - now <= dt.timedelta(minutes=120)
    assert services.meeting_window_for_site(today.host_site, now)[0] <= now   # the live agent probes fast already
    past = Participation.objects.filter(meeting__ends_at__lt=now)
    states = set(past.values_list("state", flat=True))
    assert {"ready", "problem"} <= states
    assert past.exclude(rollcall="").exists() and CheckMark.objects.filter(late=True).exists()
    assert DutyShift.objects.filter(meeting=today).exists() and BackupPlan.objects.exists() and Drill.objects.exists()
    # The demo technician's own check today is left to do.
    mine = Participation.objects.get(meeting=today, site=province.site_a)
    assert not mine.marks.exists()


def test_a_later_start_of_the_demo_adds_a_meeting_ahead_once(province):
    ctx = DemoContext(rng=random.Random(7), now=timezone.now() - dt.timedelta(days=3), log=lambda s: None,
                      users={"dost_staff": province.staff})
    demo.load(ctx)
    added = demo.keep_meeting_ahead()
    assert added is not None and added.title == demo.TODAY_TITLE and added.participations.count() > 1
    assert demo.keep_meeting_ahead() is None
