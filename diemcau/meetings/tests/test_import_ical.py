"""Import of a meeting list from Excel (all or nothing, errors by row and column) and the iCalendar feeds."""

import io

from django.urls import reverse
from icalendar import Calendar
from openpyxl import Workbook

from diemcau.meetings import services
from diemcau.meetings.importer import COLUMNS
from diemcau.meetings.models import CalendarFeed, Meeting
from diemcau.meetings.tests.conftest import local


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "cuoc-hop.xlsx"
    return out


GOOD = ["Giao ban tuần", "tinh", "co", "16/03/2026", "07:30", "09:00", "SYT-01", "tat_ca_xa_phuong", "", "", ""]


def test_a_good_list_schedules_every_meeting(province, client_for, at):
    rows = [GOOD, ["Họp Sở Y tế", "so", "", "17/03/2026", "14:00", "16:00", "SYT-01", "X-14-01, SYT-01", "", "", ""]]
    with at(local(2026, 3, 1, 9, 0)):
        response = client_for(province.staff).post(reverse("meetings:import"), {"file": workbook(rows)})
    assert response.status_code == 302
    weekly = Meeting.objects.get(title="Giao ban tuần")
    assert weekly.is_important and weekly.starts_at == local(2026, 3, 16, 7, 30)
    codes = set(weekly.participations.values_list("site__code", flat=True))
    assert codes == {"X-14-01", "X-14-02", "X-20-01", "SYT-01"}
    assert weekly.level == "provincial" and Meeting.objects.get(title="Họp Sở Y tế").level == "department"


def test_one_bad_row_saves_nothing_and_names_the_row_and_column(province, client_for, at):
    rows = [GOOD, ["Sai", "tinh", "", "31/02/2026", "7h30", "09:00", "KHONG-CO", "X-99", "zoom", "", ""]]
    with at(local(2026, 3, 1, 9, 0)):
        response = client_for(province.staff).post(reverse("meetings:import"), {"file": workbook(rows)})
    page = response.content.decode()
    assert response.status_code == 200 and not Meeting.objects.exists()
    for column in ("ngay", "diem_cau_chu_tri", "nen_tang", "diem_cau"):
        assert f"<td>3</td><td>{column}</td>" in page, column


def test_a_unit_imports_only_among_its_own_sites(province, client_for, at):
    with at(local(2026, 3, 1, 9, 0)):
        response = client_for(province.tech).post(reverse("meetings:import"), {"file": workbook([GOOD])})
    assert "<td>2</td><td>diem_cau_chu_tri</td>" in response.content.decode() and not Meeting.objects.exists()


def test_the_template_downloads(province, client_for):
    response = client_for(province.staff).get(reverse("meetings:import") + "?template=1")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_the_feed_lists_the_users_meetings_and_stops_when_revoked(province, schedule, at, client_for):
    meeting = schedule(local(2026, 3, 10, 9, 0))
    with at(local(2026, 3, 5, 9, 0)):
        other = services.meeting_schedule(
            user=province.other_head, title="Họp riêng xã Hà Quảng", organizer=province.commune_b,
            host_site=province.site_b, sites=[province.site_b], starts_at=local(2026, 3, 11, 14, 0),
            ends_at=local(2026, 3, 11, 15, 0), level="unit", importance="normal")[0]
        services.meeting_cancel(meeting, user=province.staff, reason="Hoãn")
        client = client_for(province.tech)
        client.post(reverse("meetings:calendar"), {"site": ""})
        feed = CalendarFeed.objects.get(user=province.tech)
        anonymous = client_for(province.tech).__class__()
        response = anonymous.get(reverse("meetings:ical", args=[feed.key]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"meeting-{meeting.pk}@diemcau"]     # never commune B's meeting
    assert str(events[0]["status"]) == "CANCELLED" and other.pk
    assert events[0].decoded("dtstart") == local(2026, 3, 10, 9, 0)
    with at(local(2026, 3, 5, 9, 5)):
        client.post(reverse("meetings:calendar"), {"revoke": feed.pk})
        assert anonymous.get(reverse("meetings:ical", args=[feed.key])).status_code == 404


def test_a_site_feed_has_only_that_sites_meetings(province, schedule, at, client_for):
    schedule(local(2026, 3, 10, 9, 0), sites=[province.site_a])
    second = schedule(local(2026, 3, 12, 9, 0), sites=[province.site_a2])
    feed = CalendarFeed.objects.create(user=province.head, site=province.site_a2, key=CalendarFeed.new_key())
    with at(local(2026, 3, 5, 9, 0)):
        body = client_for(province.head).__class__().get(reverse("meetings:ical", args=[feed.key])).content
    assert [str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")] == [f"meeting-{second.pk}@diemcau"]


def test_each_meeting_import_is_in_the_audit_log_saved_or_refused(province, client_for, at):
    from diemcau.audit.models import AuditEvent

    bad = ["Sai", "tinh", "", "31/02/2026", "7h30", "09:00", "KHONG-CO", "X-99", "zoom", "", ""]
    with at(local(2026, 3, 1, 9, 0)):
        client_for(province.staff).post(reverse("meetings:import"), {"file": workbook([GOOD])})
        client_for(province.staff).post(reverse("meetings:import"), {"file": workbook([GOOD, bad])})
    saved, refused = AuditEvent.objects.filter(action="import").order_by("pk")
    assert saved.actor == province.staff and saved.target_repr == "Cuộc họp"
    assert saved.details["file"] == "cuoc-hop.xlsx" and saved.details["size"] > 0
    assert saved.details["outcome"] == "saved" and saved.details["changed"] == 1
    assert refused.details["outcome"] == "refused" and refused.details["errors"] >= 4
