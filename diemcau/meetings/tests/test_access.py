"""Who sees and does what: every role, every page and API call of the meetings app."""

import pytest
from django.urls import reverse

from diemcau.accounts.models import ApiToken
from diemcau.meetings import services
from diemcau.meetings.models import CheckMark, RollCallMark
from diemcau.meetings.tests.conftest import local

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "other_tech", "other_head", "vnpt_user",
         "viettel_user"]
PROVINCE = {"admin", "staff", "leader", "auditor"}
CHECK_TIME = local(2026, 3, 10, 7, 0)
MEETING_TIME = local(2026, 3, 10, 9, 30)

# Board rows each role sees on the DOST meeting (host: the department's site).
ROWS = {**{r: {"X-14-01", "X-14-02", "X-20-01", "SYT-01"} for r in PROVINCE},
        "head": {"X-14-01", "X-14-02"}, "tech": {"X-14-01", "X-14-02"},
        "other_tech": {"X-20-01"}, "other_head": {"X-20-01"},
        "vnpt_user": {"X-14-01", "SYT-01"}, "viettel_user": {"X-14-01", "X-20-01"}}
# Commune B's own meeting among its own sites: who sees it.
SEES_OWN_B = PROVINCE | {"other_tech", "other_head", "viettel_user"}


@pytest.fixture
def meetings(province, schedule, at):
    dost = schedule(local(2026, 3, 10, 9, 0))
    with at(local(2026, 3, 5, 9, 0)):
        own_b = services.meeting_schedule(
            user=province.other_head, title="Họp nội bộ xã Hà Quảng", organizer=province.commune_b,
            host_site=province.site_b, sites=[province.site_b], starts_at=local(2026, 3, 10, 14, 0),
            ends_at=local(2026, 3, 10, 15, 0), level="unit", importance="normal")[0]
    return {"dost": dost, "own_b": own_b}


def _api(client_for, user):
    _, key = ApiToken.issue(user=user, name="t")
    client = client_for(user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_meetings_and_board_rows_in_pages_and_api(role, province, meetings, client_for,
                                                                             at):
    user = getattr(province, role)
    client, api = client_for(user), _api(client_for, user)
    dost, own_b = meetings["dost"], meetings["own_b"]
    with at(CHECK_TIME):
        listing = client.get(reverse("meetings:list")).content.decode()
        assert dost.title in listing
        assert (own_b.title in listing) == (role in SEES_OWN_B)
        assert client.get(reverse("meetings:detail", args=[own_b.pk])).status_code == (
            200 if role in SEES_OWN_B else 404)
        ids = {m["id"] for m in api.get("/api/v1/meetings/").json()["items"]}
        assert ids == ({dost.pk, own_b.pk} if role in SEES_OWN_B else {dost.pk})
        assert api.get(f"/api/v1/meetings/{own_b.pk}").status_code == (200 if role in SEES_OWN_B else 404)
        board = client.get(reverse("meetings:board", args=[dost.pk])).content.decode()
        for code in ("X-14-01", "X-14-02", "X-20-01", "SYT-01"):
            assert (f'id="site-{code}"' in board) == (code in ROWS[role]), (role, code)
        rows = api.get(f"/api/v1/meetings/{dost.pk}/board").json()
        assert {r["site"] for r in rows} == ROWS[role]
        report = client.get(reverse("meetings:report", args=[dost.pk]))
        assert report.status_code == 200
        assert {r["site"] for r in api.get(f"/api/v1/meetings/{dost.pk}/report").json()["sites"]} == ROWS[role]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_rules_say(role, province, meetings, client_for, at):
    user = getattr(province, role)
    client = client_for(user)
    dost = meetings["dost"]
    schedules = role in {"admin", "staff", "head", "tech", "other_tech", "other_head"}
    sees_a = role not in {"other_tech", "other_head"}
    expected = {
        reverse("meetings:list"): 200,
        reverse("meetings:my_checks"): 200,
        reverse("meetings:create"): 200 if schedules else 403,
        reverse("meetings:import"): 200 if schedules else 403,
        reverse("meetings:detail", args=[dost.pk]): 200,
        reverse("meetings:edit", args=[dost.pk]): 200 if role in {"admin", "staff"} else 403,
        reverse("meetings:board", args=[dost.pk]): 200,
        reverse("meetings:board_live", args=[dost.pk]): 200,
        reverse("meetings:check", args=[dost.pk, province.site_a.pk]): 200 if sees_a else 404,
        reverse("meetings:report", args=[dost.pk]): 200,
        reverse("meetings:duty"): 200,
        reverse("meetings:backups"): 200,
        reverse("meetings:backup_site", args=[province.site_a.pk]): 200 if sees_a else 404,
        reverse("meetings:training"): 200,
        reverse("meetings:training_flags"): 200 if role in PROVINCE | {"head", "other_head"} else 403,
        reverse("meetings:calendar"): 200,
    }
    with at(CHECK_TIME):
        for url, status in expected.items():
            assert client.get(url).status_code == status, (role, url)


MARKERS = {"head", "tech"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_sites_own_unit_marks_its_check_in_pages_and_api(role, province, meetings, client_for, at):
    user = getattr(province, role)
    dost = meetings["dost"]
    with at(CHECK_TIME):
        page = client_for(user).post(reverse("meetings:mark", args=[dost.pk, province.site_a.pk]),
                                     {"item": "call", "outcome": "pass"})
        api = _api(client_for, user).post(f"/api/v1/meetings/{dost.pk}/sites/X-14-01/marks",
                                          {"item": "audio_in", "outcome": "pass"}, content_type="application/json")
    marks = set(CheckMark.objects.filter(participation__site=province.site_a).values_list("item", flat=True))
    if role in MARKERS:
        assert page.status_code == 302 and api.status_code == 201 and marks == {"call", "audio_in"}
    else:
        expected = 404 if role in {"other_tech", "other_head"} else 403
        assert (page.status_code, api.status_code) == (expected, expected), role
        assert api.json()["detail"]
        assert not marks


ROLL_CALLERS = {"admin", "staff"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_host_side_takes_the_roll_call(role, province, meetings, client_for, at):
    user = getattr(province, role)
    dost = meetings["dost"]
    with at(MEETING_TIME):
        page = client_for(user).post(reverse("meetings:rollcall", args=[dost.pk, province.site_a.pk]),
                                     {"status": "present"})
        api = _api(client_for, user).post(f"/api/v1/meetings/{dost.pk}/sites/X-14-01/rollcall",
                                          {"status": "present"}, content_type="application/json")
    count = RollCallMark.objects.filter(participation__site=province.site_a).count()
    if role in ROLL_CALLERS:
        assert page.status_code == 302 and api.status_code == 201 and count == 2
    else:
        assert page.status_code == 403 and api.status_code == 403 and count == 0


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organiser_changes_or_cancels_a_meeting(role, province, meetings, client_for, at):
    user = getattr(province, role)
    own_b = meetings["own_b"]
    with at(CHECK_TIME):
        response = client_for(user).post(reverse("meetings:cancel", args=[own_b.pk]), {"reason": "Trùng lịch"})
        api = _api(client_for, user).patch(f"/api/v1/meetings/{own_b.pk}", {"title": "Đổi tên"},
                                           content_type="application/json")
    own_b.refresh_from_db()
    if role in {"admin", "staff", "other_head", "other_tech"}:
        assert response.status_code == 302 and own_b.is_cancelled
        assert api.status_code == 422  # cancelled first: no change any more
    elif role in SEES_OWN_B:
        assert (response.status_code, api.status_code) == (403, 403) and not own_b.is_cancelled
    else:
        assert (response.status_code, api.status_code) == (404, 404) and not own_b.is_cancelled


@pytest.mark.parametrize("role", ROLES)
def test_scheduling_through_the_api_follows_the_same_rules(role, province, meetings, client_for, at):
    user = getattr(province, role)
    payload = {"title": "Họp thử", "host_site": "X-20-01", "sites": ["X-20-01"], "level": "unit",
               "starts_at": "2026-03-20T08:00:00+07:00", "ends_at": "2026-03-20T09:00:00+07:00"}
    with at(CHECK_TIME):
        response = _api(client_for, user).post("/api/v1/meetings/", payload, content_type="application/json")
    if role in {"admin", "staff", "other_tech", "other_head"}:
        assert response.status_code == 201, response.content
    elif role in {"head", "tech"}:
        assert response.status_code == 422 and "X-20-01" in response.json()["detail"]  # not their own site
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("query", ["until=0.5", "since=1700000000", "until=abc", "since=20260320", "until=-1"])
def test_a_time_in_the_list_query_must_be_an_iso_date_and_time(query, province, meetings, client_for):
    response = _api(client_for, province.staff).get(f"/api/v1/meetings/?{query}")
    name = query.split("=")[0]
    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    assert name in response.json()["errors"] and "ISO 8601" in response.json()["detail"]


def test_an_iso_time_in_the_list_query_filters(province, meetings, client_for):
    api = _api(client_for, province.staff)
    everything = api.get("/api/v1/meetings/?since=2000-01-01T00:00:00Z").json()["count"]
    assert everything == len(api.get("/api/v1/meetings/").json()["items"]) > 0
    assert api.get("/api/v1/meetings/?until=2000-01-01T00:00:00%2B07:00").json()["count"] == 0
    assert api.get("/api/v1/meetings/duty?at=12").status_code == 422
    # ISO 8601 allows offsets PostgreSQL does not (up to ±23:59); the instant is read in UTC.
    assert api.get("/api/v1/meetings/?until=2000-01-01T05:10:13%2B16:42").json()["count"] == 0
    far = api.get("/api/v1/meetings/?until=0001-01-01T00:00:00%2B10:00")  # before year 1 in UTC
    assert far.status_code == 422 and "until" in far.json()["errors"]
    assert api.get("/api/v1/meetings/?since=9999-12-31T23:00:00-05:00").status_code == 422


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_number_is_no_time_in_a_meetings_body(field, province, meetings, client_for, at):
    payload = {"title": "Họp thử", "host_site": "X-20-01", "sites": ["X-20-01"], "level": "unit",
               "starts_at": "2026-03-20T08:00:00+07:00", "ends_at": "2026-03-20T09:00:00+07:00", field: 1774000000}
    with at(CHECK_TIME):
        response = _api(client_for, province.staff).post("/api/v1/meetings/", payload, content_type="application/json")
    assert response.status_code == 422 and f"payload.{field}" in response.json()["errors"]
