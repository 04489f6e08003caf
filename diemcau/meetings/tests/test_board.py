"""The readiness board: bounded queries whatever the number of sites, 204 when nothing moved, roll-call."""

import datetime as dt

from django.urls import reverse

from diemcau.incidents.models import Incident
from diemcau.meetings import board, services
from diemcau.meetings.models import Participation
from diemcau.meetings.tests.conftest import local
from diemcau.testing import make_contact, make_link, make_org, make_site

START = local(2026, 3, 10, 9, 0)


def _communes(province, n):
    sites = []
    for i in range(n):
        org = make_org(f"XB-{i}", f"UBND xã Bảng {i}", "commune")
        site = make_site(org, f"XB-{i}-01")
        make_link(site, province.vnpt if i % 2 else province.viettel)
        make_contact(site, phone=f"09120000{i:02d}")
        sites.append(site)
    return sites


def _board_queries(client, meeting, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("meetings:board_live", args=[meeting.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_board_reads_a_fixed_number_of_queries_for_10_or_60_sites(province, schedule, at, client_for,
                                                                      django_assert_max_num_queries):
    small = schedule(START, sites=_communes(province, 10))
    large = schedule(START + dt.timedelta(days=1), sites=_communes_more(province))
    client = client_for(province.staff)
    with at(local(2026, 3, 10, 8, 30)):
        few = _board_queries(client, small, django_assert_max_num_queries, 16)
    with at(local(2026, 3, 11, 8, 30)):
        many = _board_queries(client, large, django_assert_max_num_queries, 16)
    assert few == many


def _communes_more(province):
    sites = []
    for i in range(60):
        org = make_org(f"XC-{i}", f"UBND xã Cao {i}", "commune")
        site = make_site(org, f"XC-{i}-01")
        make_link(site, province.vnpt)
        make_contact(site, phone=f"09130000{i:02d}")
        sites.append(site)
    return sites


def test_an_open_board_gets_204_until_something_moves(province, schedule, at, client_for,
                                                      django_assert_max_num_queries):
    meeting = schedule(START)
    client = client_for(province.staff)
    part = Participation.objects.get(meeting=meeting, site=province.site_a)
    with at(local(2026, 3, 10, 8, 30, 1)):
        key = board.board_key(meeting, local(2026, 3, 10, 8, 30, 1))
        url = reverse("meetings:board_live", args=[meeting.pk]) + f"?key={key}"
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 204
        services.check_mark(part, user=province.tech, item="call", outcome="pass")
        response = client.get(url)
    assert response.status_code == 200 and 'id="site-X-14-01"' in response.content.decode()


def test_a_roll_call_problem_opens_one_incident_at_the_site_with_the_meeting(province, schedule, at, client_for):
    meeting = schedule(START)
    client = client_for(province.staff)
    url = reverse("meetings:rollcall", args=[meeting.pk, province.site_b.pk])
    with at(local(2026, 3, 10, 9, 5)):
        response = client.post(url, {"status": "audio"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and 'data-rollcall="audio"' in response.content.decode()
    with at(local(2026, 3, 10, 9, 7)):
        client.post(url, {"status": "video"}, HTTP_HX_REQUEST="true")   # the same problem goes on: no second one
    incident = Incident.objects.get(site=province.site_b)
    assert incident.important_meeting and meeting.title in incident.meeting_ref
    assert incident.clocks.get(target="acknowledge").around_the_clock
    assert incident.code in response.content.decode()
    part = Participation.objects.get(meeting=meeting, site=province.site_b)
    assert part.rollcall == "video" and part.incident == incident
    assert [m.incident for m in part.rollcall_marks.order_by("at")] == [incident, incident]
    with at(local(2026, 3, 10, 9, 8)):
        client.post(url, {"status": "present"})
    part.refresh_from_db()
    assert part.rollcall == "present" and part.rollcall_marks.count() == 3


def test_the_roll_call_is_refused_before_people_gather(province, schedule, at, client_for):
    meeting = schedule(START)
    with at(local(2026, 3, 10, 7, 0)):
        response = client_for(province.staff).post(
            reverse("meetings:rollcall", args=[meeting.pk, province.site_b.pk]), {"status": "present"},
            HTTP_HX_REQUEST="true")
    assert response.status_code == 422
