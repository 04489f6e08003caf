"""Every API error is JSON with a documented status: 403 for what one may see but not change, 422 for bad input."""

import json

import pytest
from django.test import Client

from diemcau.accounts.models import ApiToken
from diemcau.testing import make_device, term

API = "/api/v1"


def api_client(user) -> Client:
    _token, key = ApiToken.issue(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def send(client: Client, method: str, url: str, body=None):
    return getattr(client, method)(API + url, data=json.dumps(body) if body is not None else None,
                                   content_type="application/json")


def assert_json_error(response, status: int):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def objects(province):
    device = make_device(province.site_a, serial="API-1")
    link = province.site_a.links.get(provider=province.vnpt)
    return {"site": province.site_a, "device": device, "link": link}


def _changes(objects):
    site, device, link = objects["site"], objects["device"], objects["link"]
    return [
        ("patch", f"/sites/{site.pk}", {"room": "P2"}),
        ("delete", f"/sites/{site.pk}", None),
        ("patch", f"/devices/{device.pk}", {"model": "X"}),
        ("delete", f"/devices/{device.pk}", None),
        ("post", "/devices", {"site": site.code, "group": "camera"}),
        ("patch", f"/links/{link.pk}", {"circuit_id": "C-9"}),
        ("delete", f"/links/{link.pk}", None),
    ]


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_readers_changing_what_they_see_get_403_json(province, objects, role):
    client = api_client(getattr(province, role))
    for method, url, body in _changes(objects):
        assert_json_error(send(client, method, url, body), 403)
    assert_json_error(send(client, "post", f"/sites/{objects['site'].pk}/links",
                           {"kind": "tslcd", "medium": "fibre"}), 403)


def test_an_operator_changing_a_site_it_serves_gets_403_json(province, objects):
    client = api_client(province.vnpt_user)
    site, device = objects["site"], objects["device"]
    for method, url, body in [("patch", f"/sites/{site.pk}", {"room": "P2"}), ("delete", f"/sites/{site.pk}", None),
                              ("patch", f"/devices/{device.pk}", {"model": "X"}),
                              ("delete", f"/devices/{device.pk}", None)]:
        assert_json_error(send(client, method, url, body), 403)
    assert send(client, "patch", f"/links/{objects['link'].pk}", {"circuit_id": "C-9"}).status_code == 200


@pytest.mark.parametrize("url, body", [
    ("/sites/{site}", {"room": None}),
    ("/sites/{site}", {"ups_model": None}),
    ("/sites/{site}", {"name": None}),
    ("/devices/{device}", {"audio_codecs": None}),
    ("/devices/{device}", {"protocols": None}),
    ("/devices/{device}", {"video_codecs": None}),
    ("/devices/{device}", {"model": None}),
    ("/links/{link}", {"circuit_id": None}),
])
def test_null_in_a_field_that_cannot_be_empty_is_422(province, objects, url, body):
    client = api_client(province.admin)
    url = url.format(site=objects["site"].pk, device=objects["device"].pk, link=objects["link"].pk)
    error = assert_json_error(send(client, "patch", url, body), 422)
    field = next(iter(body))
    assert any(key.endswith(field) for key in error["errors"])


def test_creating_without_a_required_field_is_422_naming_it(province):
    client = api_client(province.admin)
    error = assert_json_error(send(client, "post", "/sites", {"organization": "X-14", "code": "X-14-99"}), 422)
    assert any(key.endswith("name") for key in error["errors"])


LISTS = ["/sites", "/devices", "/links", "/organizations", "/incidents/", "/standards/verdicts", "/meetings/",
         "/meetings/duty", "/meetings/backup-plans", "/meetings/training"]


def test_every_paged_list_of_the_api_is_checked_below():
    from diemcau.api import api

    paths = api.get_openapi_schema()["paths"]
    paged = {path.removeprefix("/api/v1") for path, operations in paths.items()
             if any(p["name"] == "limit" for p in operations.get("get", {}).get("parameters", []))}
    assert paged == set(LISTS)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("param", ["offset", "limit"])
def test_paging_numbers_beyond_64_bits_are_422_on_every_list(province, url, param):
    client = api_client(province.admin)
    assert_json_error(client.get(API + url, {param: str(2**64 + 1)}), 422)
    assert_json_error(client.get(API + url, {param: "-1"}), 422)
    assert client.get(API + url, {"limit": "5", "offset": "0"}).status_code == 200


@pytest.mark.parametrize("symptoms", [[""], [], ["   "[:0]]])
def test_an_empty_symptom_is_422(province, symptoms):
    client = api_client(province.tech)
    body = {"site": province.site_a.code, "symptoms": symptoms}
    assert_json_error(send(client, "post", "/incidents/", body), 422)


def test_an_unknown_symptom_is_422(province):
    client = api_client(province.tech)
    assert term("symptom", "audio_loss")
    assert_json_error(send(client, "post", "/incidents/", {"site": province.site_a.code, "symptoms": ["nope"]}), 422)


def test_what_django_answers_itself_under_the_api_is_json(province):
    client = api_client(province.admin)
    assert_json_error(client.get(API + "/sites/abc"), 404)
    assert_json_error(client.get(API + "/no-such-thing"), 404)
    wrong_method = client.put(API + "/sites", data="{}", content_type="application/json")
    assert_json_error(wrong_method, 405)
    assert "GET" in wrong_method["Allow"]
    assert_json_error(client.post(API + "/sites", data="{not json", content_type="application/json"), 400)
    assert_json_error(Client().get(API + "/sites"), 401)


def test_the_openapi_document_lists_the_errors_and_the_required_fields(province):
    document = api_client(province.admin).get(API + "/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "404", "422"} <= set(operation["responses"]), (method, path)
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    schemas = document["components"]["schemas"]
    assert set(schemas["SiteCreate"]["required"]) == {"organization", "code", "name"}
    assert set(schemas["DeviceCreate"]["required"]) == {"site", "group"}
    assert set(schemas["LinkCreate"]["required"]) == {"kind", "medium"}
    assert schemas["SiteIn"]["properties"]["room"]["type"] == "string"  # not nullable
    assert schemas["Error"]["required"] == ["detail"]


@pytest.mark.parametrize("path", ["/incidents/-1/%0A", "/meetings/-1/sites/%0A/marks", "/sites/%0A"])
def test_a_path_no_pattern_can_match_is_json_without_any_page_or_static_file(path, province, settings, tmp_path):
    """Schemathesis sends newlines in path parameters; a server whose static files are not collected
    (CI, a fresh checkout with DEBUG off) must still answer the API's JSON 404, not fail on the HTML page."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path  # no staticfiles.json: the HTML 404 page could not be rendered
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    client = api_client(province.admin)
    assert_json_error(client.get(API + path), 404)
    assert_json_error(client.post(API + path, data="{}", content_type="application/json"), 404)


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("get", "/meetings/?status=a%00b", None, "status"),
    ("get", "/meetings/backup-plans?site=%C2%A3%00", None, "site"),
    ("get", "/incidents/?site=X%00", None, "site"),
    ("post", "/meetings/", {"title": "Họp", "host_site": "X-14-01\u0000"}, "payload.host_site"),
    ("post", "/sites", {"code": "A", "name": ["ok", "b\u0000"]}, "payload.name.1"),
])
def test_a_nul_character_in_a_query_or_body_is_422_naming_the_field(method, url, body, field, province):
    """PostgreSQL text cannot hold NUL: it is refused before any filter or save reaches the database."""
    response = send(api_client(province.admin), method, url, body)
    errors = assert_json_error(response, 422)["errors"]
    assert field in errors and "NUL" in errors[field][0]


def test_an_escaped_backslash_before_u0000_is_no_nul(province):
    response = send(api_client(province.admin), "get", "/meetings/?status=" + "%5Cu0000")
    assert response.status_code == 200
