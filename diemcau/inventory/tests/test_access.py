"""Every inventory page and API call × every role, including guessed ids of other organisations."""

import json

import pytest

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "other_tech", "vnpt_user", "viettel_user"]


def _user(province, name):
    return getattr(province, name)


def _site_a_primary(p):
    return p.site_a.links.get(role="primary")


def _site_a_backup(p):
    return p.site_a.links.get(role="backup")


# (description, url builder, {role: expected status}); roles not listed expect the default.
PAGES = [
    ("overview", lambda p: "/", {}),
    ("site list", lambda p: "/sites/", {}),
    ("device list", lambda p: "/devices/", {}),
    ("link list", lambda p: "/links/", {}),
    ("organisation list", lambda p: "/organizations/", {}),
    ("site list export", lambda p: "/sites/?export=xlsx", {}),
    ("device list export", lambda p: "/devices/?export=csv", {}),
    ("own commune's site", lambda p: f"/sites/{p.site_a.pk}/", {"other_tech": 404}),
    ("other commune's site", lambda p: f"/sites/{p.site_b.pk}/", {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("department site", lambda p: f"/sites/{p.site_dept.pk}/",
     {"head": 404, "tech": 404, "other_tech": 404, "viettel_user": 404}),
    ("site edit", lambda p: f"/sites/{p.site_a.pk}/edit/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("site add", lambda p: "/sites/new/",
     {"leader": 403, "auditor": 403, "vnpt_user": 403, "viettel_user": 403}),
    ("device page", lambda p: f"/devices/{p.site_b.devices.first().pk}/",
     {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("device edit", lambda p: f"/devices/{p.site_a.devices.first().pk}/edit/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("device add", lambda p: f"/sites/{p.site_a.pk}/devices/new/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("VNPT link edit", lambda p: f"/links/{_site_a_primary(p).pk}/edit/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "viettel_user": 403}),
    ("Viettel link edit", lambda p: f"/links/{_site_a_backup(p).pk}/edit/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403}),
    ("link add", lambda p: f"/sites/{p.site_a.pk}/links/new/",
     {"leader": 403, "auditor": 403, "other_tech": 404}),
    ("contact add", lambda p: f"/sites/{p.site_a.pk}/contacts/new/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("contact edit", lambda p: f"/contacts/{p.site_a.contacts.first().pk}/edit/",
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("other commune organisation", lambda p: f"/organizations/{p.commune_b.pk}/",
     {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("user admin", lambda p: "/accounts/users/", {r: 403 for r in ROLES if r != "admin"}),
    ("user edit", lambda p: f"/accounts/users/{p.tech.pk}/", {r: 403 for r in ROLES if r != "admin"}),
    ("profile", lambda p: "/accounts/profile/", {}),
    ("notices", lambda p: "/notices/", {}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_each_role_gets_the_right_answer_from_each_page(province, client_for, role, name, url, expected):
    response = client_for(_user(province, role)).get(url(province))
    assert response.status_code == expected.get(role, 200), f"{role} on {name}"


def test_anonymous_users_are_sent_to_sign_in(province, client):
    for url in ["/", "/sites/", f"/sites/{province.site_a.pk}/", "/devices/", "/accounts/users/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "expected_codes"),
    [
        ("admin", {"X-14-01", "X-14-02", "X-20-01", "SYT-01"}),
        ("leader", {"X-14-01", "X-14-02", "X-20-01", "SYT-01"}),
        ("auditor", {"X-14-01", "X-14-02", "X-20-01", "SYT-01"}),
        ("tech", {"X-14-01", "X-14-02"}),
        ("head", {"X-14-01", "X-14-02"}),
        ("other_tech", {"X-20-01"}),
        ("vnpt_user", {"X-14-01", "SYT-01"}),
        ("viettel_user", {"X-14-01", "X-20-01"}),
    ],
)
def test_lists_and_exports_show_only_visible_sites(province, client_for, role, expected_codes):
    client = client_for(_user(province, role))
    page = client.get("/sites/")
    assert {s.code for s in page.context["page"].object_list} == expected_codes
    csv_text = b"".join(client.get("/sites/?export=csv").streaming_content).decode("utf-8-sig")
    exported = {line.split(",")[0] for line in csv_text.splitlines()[1:]}
    assert exported == expected_codes
    api = client.get("/api/v1/sites").json()
    assert {s["code"] for s in api["items"]} == expected_codes


def test_unit_user_cannot_post_changes_to_another_communes_site(province, client_for):
    client = client_for(province.tech)
    response = client.post(f"/sites/{province.site_b.pk}/retire/")
    assert response.status_code == 404
    province.site_b.refresh_from_db()
    assert province.site_b.retired_at is None


def test_leader_cannot_retire_a_site_they_can_see(province, client_for):
    response = client_for(province.leader).post(f"/sites/{province.site_a.pk}/retire/")
    assert response.status_code == 403


def test_operator_edits_its_own_link_but_not_the_other_operators(province, client_for):
    primary, backup = _site_a_primary(province), _site_a_backup(province)
    client = client_for(province.vnpt_user)
    data = {"role": "primary", "provider": province.vnpt.pk, "kind": primary.kind.pk, "medium": "fibre",
            "down_mbps": "40", "up_mbps": "40", "circuit_id": "TSL-1", "notes": ""}
    assert client.post(f"/links/{primary.pk}/edit/", data).status_code == 302
    primary.refresh_from_db()
    assert primary.down_mbps == 40
    assert client.post(f"/links/{backup.pk}/edit/", data).status_code == 403


# API -------------------------------------------------------------------------------------

API_CALLS = [
    ("GET", lambda p: f"/api/v1/sites/{p.site_a.pk}", None, {"other_tech": 404}),
    ("GET", lambda p: f"/api/v1/sites/{p.site_b.pk}", None, {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("PATCH", lambda p: f"/api/v1/sites/{p.site_a.pk}", {"room": "Tầng 2"},
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("GET", lambda p: f"/api/v1/devices/{p.site_b.devices.first().pk}", None, {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("PATCH", lambda p: f"/api/v1/devices/{p.site_a.devices.first().pk}", {"firmware": "7.0"},
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
    ("PATCH", lambda p: f"/api/v1/links/{_site_a_primary(p).pk}", {"down_mbps": "30"},
     {"leader": 403, "auditor": 403, "other_tech": 404, "viettel_user": 403}),
    ("GET", lambda p: f"/api/v1/links/{p.site_b.links.first().pk}", None, {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("GET", lambda p: f"/api/v1/organizations/{p.commune_b.pk}", None, {"head": 404, "tech": 404, "vnpt_user": 404}),
    ("DELETE", lambda p: f"/api/v1/devices/{p.site_a.devices.first().pk}", None,
     {"leader": 403, "auditor": 403, "other_tech": 404, "vnpt_user": 403, "viettel_user": 403}),
]
OK = {"GET": 200, "PATCH": 200, "DELETE": 204}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "body", "expected"), API_CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(API_CALLS)])
def test_each_role_gets_the_right_answer_from_each_api_call(province, role, method, url, body, expected):
    from django.test import Client

    from diemcau.accounts.models import ApiToken

    _token, key = ApiToken.issue(user=_user(province, role), name="test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.generic(method, url(province), json.dumps(body) if body else "", content_type="application/json")
    assert response.status_code == expected.get(role, OK[method]), (role, response.content)


def test_api_refuses_a_wrong_or_revoked_token(province):
    from django.test import Client
    from django.utils import timezone

    from diemcau.accounts.models import ApiToken

    assert Client(HTTP_AUTHORIZATION="Bearer dc_wrong").get("/api/v1/sites").status_code == 401
    token, key = ApiToken.issue(user=province.admin, name="t")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/sites").status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/sites").status_code == 401


def test_api_validation_errors_are_keyed_by_field(province, client_for):
    response = client_for(province.admin).post(
        "/api/v1/devices", json.dumps({"site": "X-14-01", "group": "camera", "serial": "SN-B-1"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "serial" in response.json()["errors"]
    assert "X-20-01" in response.json()["errors"]["serial"][0]


def test_openapi_document_is_served(province, client_for):
    client = client_for(province.leader)
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sites" in schema["paths"]


def test_a_unit_adds_and_edits_a_contact_and_goes_back_to_the_sites_contacts(province, client_for):
    client = client_for(province.tech)
    data = {"role": "deputy", "full_name": "Lò Văn Pản", "position": "Văn thư", "phone": "0987654321", "email": ""}
    response = client.post(f"/sites/{province.site_a.pk}/contacts/new/", data)
    assert response.status_code == 302 and response["Location"].endswith(f"/sites/{province.site_a.pk}/#contacts")
    contact = province.site_a.contacts.get(full_name="Lò Văn Pản")
    page = client.get(f"/contacts/{contact.pk}/edit/")
    assert page.context["object"] == contact and page.context["history"] is not None
    assert client.get(f"/sites/{province.site_a.pk}/contacts/new/").context["history"] is None
    client.post(f"/contacts/{contact.pk}/edit/", {**data, "phone": "0911222333"})
    contact.refresh_from_db()
    assert contact.phone == "0911222333"
    assert client.post(f"/sites/{province.site_b.pk}/contacts/new/", data).status_code == 404
