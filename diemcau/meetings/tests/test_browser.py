"""The whole day in Chromium: a board on a desktop updates by itself when a technician on a phone
confirms the last item; during the meeting the host marks a roll-call problem and an incident appears."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from diemcau.incidents.models import Incident
from diemcau.meetings import services
from diemcau.meetings.models import Participation
from diemcau.testing import shot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MANUAL = ["call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"]


def _shot(page, name):
    page.screenshot(path=shot_path("meetings", f"browser-{name}.png"), full_page=False)


def test_the_board_follows_the_phone_and_the_roll_call_opens_an_incident(province, page_for):
    from diemcau.incidents.reference import load_reference

    load_reference()
    now = timezone.now()
    meeting = services.meeting_schedule(
        user=province.staff, title="Hội nghị trực tuyến UBND tỉnh", organizer=province.dost,
        host_site=province.site_dept, sites=[province.site_a, province.site_a2, province.site_b],
        starts_at=now + dt.timedelta(minutes=90), ends_at=now + dt.timedelta(minutes=210), level="provincial",
        importance="important")[0]
    part = Participation.objects.get(meeting=meeting, site=province.site_a)
    for item in MANUAL[:-1]:
        services.check_mark(part, user=province.tech, item=item, outcome="pass")

    board = page_for(province.staff)
    board.set_viewport_size({"width": 1366, "height": 900})
    board.goto(f"/meetings/{meeting.pk}/board/")
    tile = "#site-X-14-01"
    assert board.get_attribute(tile, "data-state") == "pending"

    phone = page_for(province.tech, phone=True)
    phone.goto(f"/meetings/{meeting.pk}/check/{province.site_a.pk}/")
    assert "6/7" in phone.inner_text("#check-items")
    ok = phone.locator("#item-backup button.mark-ok")
    assert ok.bounding_box()["height"] >= 40                       # a thumb-sized button
    _shot(phone, "phone-before")
    ok.click()
    clicked = time.monotonic()
    phone.wait_for_selector("#item-backup.passed")
    assert "state-ready" in phone.get_attribute("#check-state", "class")
    _shot(phone, "phone-after")

    board.wait_for_selector(f'{tile}[data-state="ready"]', timeout=5000)   # no reload: htmx polling
    latency = time.monotonic() - clicked
    assert latency < 5.0
    _shot(board, "board-ready")

    # The meeting starts: the board becomes the roll-call.
    services.meeting_update(meeting, user=province.staff, starts_at=timezone.now() - dt.timedelta(minutes=5),
                            ends_at=timezone.now() + dt.timedelta(minutes=60))
    board.wait_for_selector("#site-X-20-01 .rc-buttons", timeout=5000)
    board.click("#site-X-20-01 button.rc-audio")
    board.wait_for_selector('#site-X-20-01[data-rollcall="audio"] .tile-incident', timeout=5000)
    incident = Incident.objects.get(site=province.site_b)
    assert incident.code in board.inner_text("#site-X-20-01")
    assert incident.important_meeting and meeting.title in incident.meeting_ref
    _shot(board, "board-rollcall")
    board.click("#site-X-14-01 button.rc-present")
    board.wait_for_selector('#site-X-14-01[data-rollcall="present"]', timeout=5000)
    print(f"phone confirmation → board: {latency:.2f} s")
