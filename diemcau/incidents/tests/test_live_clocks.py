"""Issue 13.2: SLA clocks that move. Time used, time left and the due time are computed for "now".

The reported case: a 24/7 clock showed 0/60′ fifteen minutes after the
report; another stayed at 3164/240′ for 25 minutes while its label said
overdue — the pages read the seconds stored at the last change. Now the
list, the incident page, its refreshing fragment and the API add the time
since, on the clock's calendar, without any event on the incident.
"""

from django.urls import reverse

from diemcau.incidents.models import IncidentEvent
from diemcau.incidents.tests.conftest import local


def _used_cell(html, target):
    row = html[html.index(f'data-target="{target}"'):]
    cell = row[row.index('class="clock-used"') + len('class="clock-used">'):]
    return cell[:cell.index("</td>")]


def test_the_incident_page_shows_the_time_used_now_without_any_event(province, report, at, client_for):
    # Critical (24/7): respond within 60 min. Reported Saturday 7 March 22:00.
    incident = report(province.site_a, province.tech, local(2026, 3, 7, 22, 0), severity="critical")
    client = client_for(province.staff)
    with at(local(2026, 3, 7, 22, 15)):
        html = client.get(incident.get_absolute_url()).content.decode()
    # The system gave 0/60′ (seconds stored at the report). It must give 15/60′, 45′ left.
    assert _used_cell(html, "respond").startswith("15/60′") and "còn 45′" in _used_cell(html, "respond")
    with at(local(2026, 3, 7, 23, 25)):
        fragment = client.get(reverse("incidents:clocks", args=[incident.pk])).content.decode()
    # 85 min used of 60: 25′ late, shown overdue although no scan has run.
    assert _used_cell(fragment, "respond").startswith("85/60′") and "quá hạn 25′" in _used_cell(fragment, "respond")
    assert 'data-target="respond" data-state="overdue"' in fragment
    assert 'id="next-target" hx-swap-oob="true"' in fragment and "Trễ hạn:" in fragment
    assert IncidentEvent.objects.filter(incident=incident).count() == 1


def test_the_list_shows_the_next_target_moving_on_working_hours(province, report, at, client_for):
    # Normal, Monday 9 March 08:00: acknowledge within 60 working minutes.
    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    client = client_for(province.head)
    seen = {}
    for moment in (local(2026, 3, 9, 8, 15), local(2026, 3, 9, 8, 40), local(2026, 3, 9, 9, 25)):
        with at(moment):
            response = client.get(reverse("incidents:list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="incident-rows")
        [row] = response.context["page"].object_list
        seen[moment.strftime("%H:%M")] = (row.next_clock.live.used_minutes, row.next_clock.live.left_minutes)
        html = response.content.decode()
        assert html.startswith('<tbody id="incident-rows" hx-get=')
    assert seen == {"08:15": (15, 45), "08:40": (40, 20), "09:25": (85, -25)}
    assert "đã dùng 85/60′" in html and "quá hạn 25′" in html and 'class="table-danger"' in html
    # Lunch does not count: 08:00–11:30 is 210 min at 12:30 and still at 13:30; 240 at 14:00.
    for moment, used in ((local(2026, 3, 9, 12, 30), 210), (local(2026, 3, 9, 13, 30), 210),
                         (local(2026, 3, 9, 14, 0), 240)):
        with at(moment):
            response = client.get(reverse("incidents:list"))
        assert response.context["page"].object_list[0].next_clock.live.used_minutes == used
    assert IncidentEvent.objects.filter(incident=incident).count() == 1


def test_the_api_shows_open_clocks_as_they_stand(province, report, at, client):
    from diemcau.accounts.models import ApiToken

    incident = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    _, key = ApiToken.issue(user=province.staff, name="noc")
    with at(local(2026, 3, 9, 8, 40)):
        body = client.get(f"/api/v1/incidents/{incident.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
        listed = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    clocks = {c["target"]: c for c in body["clocks"]}
    assert (clocks["acknowledge"]["used_minutes"], clocks["acknowledge"]["left_minutes"]) == (40, 20)
    assert clocks["acknowledge"]["state"] == "running" and clocks["resolve"]["target_minutes"] == 960
    assert listed["items"][0]["clocks"] == body["clocks"]


def test_pages_with_clocks_read_a_fixed_number_of_queries(province, report, client_for):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from diemcau.accounts.models import ApiToken

    _, key = ApiToken.issue(user=province.staff, name="noc")
    client = client_for(province.staff)

    def counts():
        incident = report(province.site_a, province.tech, local(2026, 3, 20, 9, 0))
        connection.queries_log.clear()      # a full log (9 000 queries) would count nothing
        with CaptureQueriesContext(connection) as fragment:
            client.get(reverse("incidents:clocks", args=[incident.pk]))
        Client().get("/api/v1/incidents/?limit=50", HTTP_AUTHORIZATION=f"Bearer {key}")   # token bookkeeping
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as api:
            Client().get("/api/v1/incidents/?limit=50", HTTP_AUTHORIZATION=f"Bearer {key}")
        return len(fragment), len(api)

    few = counts()
    for day in range(2, 20):
        report(province.site_a, province.tech, local(2026, 3, day, 9, 0))
    many = counts()
    # The same with 2 incidents or 20: clocks prefetched, one read of the calendar.
    assert few == many and many[0] <= 7 and many[1] <= 10, many
