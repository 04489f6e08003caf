"""Who sees and works which incident: every role, every page and API call."""

import pytest
from django.urls import reverse

from diemcau.accounts.models import ApiToken
from diemcau.incidents import services
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "other_tech", "other_head", "vnpt_user",
         "viettel_user"]


@pytest.fixture
def incidents(province, report):
    """a: commune A's own incident; net: routed to VNPT; b: commune B's, held by Viettel before."""
    a = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0))
    net = report(province.site_a, province.tech, local(2026, 3, 9, 8, 5), symptoms=["disconnect"],
                 suspected_cause=term("cause", "network"))
    b = report(province.site_b, province.other_tech, local(2026, 3, 9, 8, 10), symptoms=["video_lag"],
               suspected_cause=term("cause", "network"))
    services.incident_reassign(b, user=province.staff, holder=province.commune_b, reason="Lỗi thiết bị tại chỗ")
    return {"a": a, "net": net, "b": b}


# Who sees which incident: True = visible.
VISIBLE = {
    "admin": {"a", "net", "b"}, "staff": {"a", "net", "b"}, "leader": {"a", "net", "b"},
    "auditor": {"a", "net", "b"}, "head": {"a", "net"}, "tech": {"a", "net"},
    "other_tech": {"b"}, "other_head": {"b"},
    "vnpt_user": {"net"},           # routed to VNPT; never site A's own incident although VNPT serves site A
    "viettel_user": {"b"},          # held before, handed back to the commune: still visible
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_incidents_in_list_detail_and_api(role, province, incidents, client_for):
    user = getattr(province, role)
    client = client_for(user)
    listing = client.get(reverse("incidents:list")).content.decode()
    _, key = ApiToken.issue(user=user, name="t")
    api = client_for(user)
    api_items = api.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {key}").json()["items"]
    for name, incident in incidents.items():
        expected = name in VISIBLE[role]
        assert (incident.code in listing) == expected, (role, name)
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == (200 if expected else 404)
        assert client.get(reverse("incidents:clocks", args=[incident.pk])).status_code == (200 if expected else 404)
        assert (incident.pk in {i["id"] for i in api_items}) == expected
        status = api.get(f"/api/v1/incidents/{incident.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        assert status == (200 if expected else 404), (role, name)


def test_a_guessed_id_of_another_units_incident_is_404_for_every_action(province, incidents, client_for):
    client = client_for(province.other_tech)
    for action in ("acknowledge", "respond", "resolve", "triage", "comment", "close"):
        url = reverse("incidents:action", args=[incidents["a"].pk, action])
        assert client.post(url, {"note": "x"}).status_code == 404


# Who may take which step on commune A's own incident (held by commune A).
WORKERS = {"admin", "staff", "head", "tech"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_and_the_department_acknowledge(role, province, incidents, client_for):
    user = getattr(province, role)
    response = client_for(user).post(reverse("incidents:action", args=[incidents["a"].pk, "acknowledge"]))
    incident = incidents["a"]
    incident.refresh_from_db()
    if role in WORKERS:
        assert response.status_code == 302 and incident.acknowledged_at is not None
    else:
        assert response.status_code in (403, 404) and incident.acknowledged_at is None


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_and_the_department_wait_for_a_third_party(role, province, incidents, client_for):
    response = client_for(getattr(province, role)).post(
        reverse("incidents:action", args=[incidents["a"].pk, "third_party"]),
        {"party-party": province.vnpt.pk, "party-note": "Chờ VNPT đo tuyến"})
    incident = incidents["a"]
    incident.refresh_from_db()
    if role in WORKERS:
        assert response.status_code == 302 and incident.status == "third_party"
    else:
        assert response.status_code in (403, 404) and incident.status == "new"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_department_closes_an_open_report_as_a_duplicate(role, province, incidents, client_for):
    # "net" and "a" are both at site A.
    response = client_for(getattr(province, role)).post(
        reverse("incidents:action", args=[incidents["net"].pk, "close"]),
        {"close-duplicate_of": incidents["a"].code})
    incident = incidents["net"]
    incident.refresh_from_db()
    if role in {"admin", "staff"}:
        assert response.status_code == 302 and incident.duplicate_of == incidents["a"]
    else:
        assert response.status_code in (403, 404) and incident.duplicate_of is None


@pytest.mark.parametrize("role", ROLES)
def test_a_holder_lowering_severity_through_the_api_gets_a_json_error(role, province, incidents, client_for):
    user = getattr(province, role)
    _, key = ApiToken.issue(user=user, name="t")
    response = client_for(user).post(f"/api/v1/incidents/{incidents['net'].pk}/triage", {"severity": "low"},
                                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    if role in {"admin", "staff"}:
        assert response.status_code == 200 and response.json()["severity"] == "low"
    elif role == "vnpt_user":           # the holder: may not make it less urgent
        assert response.status_code == 422 and "severity" in response.json()["errors"]
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_and_the_department_work_through_the_api(role, province, incidents, client_for):
    user = getattr(province, role)
    _, key = ApiToken.issue(user=user, name="t")
    response = client_for(user).post(f"/api/v1/incidents/{incidents['net'].pk}/acknowledge", {},
                                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    expected = 200 if role in {"admin", "staff", "vnpt_user"} else (403 if role in VISIBLE and "net" in VISIBLE[role] else 404)
    assert response.status_code == expected, role


@pytest.mark.parametrize("role", ROLES)
def test_report_page_is_open_to_those_who_report(role, province, client_for):
    response = client_for(getattr(province, role)).get(reverse("incidents:report"))
    assert response.status_code == (403 if role in {"leader", "auditor"} else 200)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_for_every_role(role, province, incidents, client_for, django_assert_max_num_queries):
    client = client_for(getattr(province, role))
    for name in ("incidents:list", "incidents:sla_report", "incidents:repeats", "incidents:guides",
                 "incidents:settings", "inventory:overview"):
        with django_assert_max_num_queries(30):
            assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("inventory:site", args=[province.site_a.pk])).status_code in (200, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_dost_admin_changes_the_rules(role, province, client_for):
    client = client_for(getattr(province, role))
    expected = 200 if role == "admin" else 403
    for name in ("incidents:policy_add", "incidents:calendar_add", "incidents:webhook_add"):
        assert client.get(reverse(name)).status_code == expected
    from diemcau.incidents.models import SymptomGuide

    guide = SymptomGuide.objects.first()
    assert client.get(reverse("incidents:guide_edit", args=[guide.pk])).status_code == expected
    from diemcau.incidents.models import CalendarDay, SlaPolicy

    day = CalendarDay.objects.create(date="2026-09-03", kind="holiday", name="Nghỉ bù")
    policy = SlaPolicy.objects.get(severity="normal", operator=None)
    assert client.post(reverse("incidents:policy_edit", args=[policy.pk]), {
        "severity": "normal", "acknowledge_minutes": 5, "respond_minutes": 240, "resolve_minutes": 960,
        "warn_percent": 75, "apply_to_open": "on", "reason": "thử"}).status_code == (302 if role == "admin" else 403)
    assert client.post(reverse("incidents:calendar_delete", args=[day.pk])).status_code == (
        302 if role == "admin" else 403)
    policy.refresh_from_db()
    assert (policy.acknowledge_minutes == 5) == (role == "admin")
    assert CalendarDay.objects.filter(pk=day.pk).exists() == (role != "admin")


def test_saving_a_rule_goes_back_only_to_a_page_of_this_site(province, client_for):
    client = client_for(province.admin)
    data = {"name": "Trung tâm giám sát", "url": "https://noc.example/hook", "secret": "s3cret", "is_active": "on"}
    inside = client.post("/incidents/settings/webhooks/new/?next=/incidents/guides/", data)
    assert inside.status_code == 302 and inside["Location"] == "/incidents/guides/"
    for outside in ("https://evil.example/phish", "//evil.example/", "javascript:alert(1)"):
        response = client.post(f"/incidents/settings/webhooks/new/?next={outside}", data)
        assert response.status_code == 302 and response["Location"] == "/incidents/settings/", outside
