"""The after-meeting report and its Excel export; list pages keep their query counts; the demo."""

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from diemcau.meetings import services
from diemcau.meetings.models import Participation
from diemcau.meetings.tests.conftest import local

START = local(2026, 3, 10, 9, 0)
MANUAL = ["call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"]


def test_the_report_tells_on_time_late_failed_unchecked_and_the_roll_call(province, schedule, at, client_for):
    meeting = schedule(START)
    parts = {p.site.code: p for p in Participation.objects.filter(meeting=meeting).select_related("site", "meeting")}
    with at(local(2026, 3, 10, 7, 0)):
        for item in MANUAL:
            services.check_mark(parts["X-14-01"], user=province.tech, item=item, outcome="pass")
        services.check_mark(parts["X-20-01"], user=province.other_tech, item="power", outcome="fail")
    with at(local(2026, 3, 10, 8, 30)):
        for item in MANUAL:
            services.check_mark(parts["X-14-02"], user=province.tech, item=item, outcome="pass")
    with at(local(2026, 3, 10, 9, 5)):
        services.rollcall_mark(parts["X-20-01"], user=province.staff, status="absent")
    with at(local(2026, 3, 10, 12, 0)):
        client = client_for(province.staff)
        page = client.get(reverse("meetings:report", args=[meeting.pk])).content.decode()
        export = client.get(reverse("meetings:report", args=[meeting.pk]) + "?export=xlsx")
    for label in ("Sẵn sàng đúng hạn", "Sẵn sàng muộn", "Kiểm tra không đạt", "Chưa kiểm tra"):
        assert label in page
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    readiness, rollcall, incidents = header.index("Mức sẵn sàng"), header.index("Điểm danh"), header.index("Sự cố")
    assert rows["X-14-01"][readiness] == "Sẵn sàng đúng hạn"
    assert rows["X-14-02"][readiness] == "Sẵn sàng muộn"
    assert rows["X-20-01"][readiness] == "Kiểm tra không đạt" and rows["X-20-01"][rollcall] == "Vắng"
    assert rows["X-20-01"][incidents].startswith("SC-")
    assert rows["SYT-01"][readiness] == "Chưa kiểm tra"
    assert not any(str(v).startswith("=") for r in rows.values() for v in r if v)


def test_list_and_overview_pages_keep_their_query_counts(province, schedule, at, client_for,
                                                         django_assert_max_num_queries):
    for day in range(12):
        schedule(START + dt.timedelta(days=day))
    client = client_for(province.tech)
    with at(local(2026, 3, 10, 7, 0)):
        with django_assert_max_num_queries(12):
            assert client.get(reverse("meetings:list")).status_code == 200
        with django_assert_max_num_queries(10):
            assert client.get(reverse("meetings:my_checks")).status_code == 200
        with django_assert_max_num_queries(40):
            assert client.get(reverse("inventory:overview")).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(reverse("meetings:duty")).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(reverse("meetings:backups")).status_code == 200


def test_the_overview_shows_todays_meeting_with_its_board(province, schedule, at, client_for):
    meeting = schedule(START)
    with at(local(2026, 3, 10, 7, 0)):
        page = client_for(province.leader).get(reverse("inventory:overview")).content.decode()
    assert 'id="meetings-overview"' in page and meeting.title in page
    assert reverse("meetings:board", args=[meeting.pk]) in page


def test_the_site_page_shows_the_next_meetings_and_the_backup(province, schedule, at, client_for):
    meeting = schedule(START)
    with at(local(2026, 3, 10, 7, 0)):
        page = client_for(province.tech).get(province.site_a.get_absolute_url()).content.decode()
    assert 'id="meetings-site"' in page and meeting.title in page
    assert reverse("meetings:check", args=[meeting.pk, province.site_a.pk]) in page
