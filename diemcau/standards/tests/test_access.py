"""Every role against every page and API endpoint of the standards app."""

import json

import pytest

from diemcau.standards.models import ConfigProfile, Platform
from diemcau.standards.services import standard_new_draft

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "vnpt_user", "other_tech"]
EDITORS = {"admin"}
SETTINGS_RECORDERS = {"admin", "staff", "head", "tech"}
SEES_SITE_A = {"admin", "staff", "leader", "auditor", "head", "tech", "vnpt_user"}
SEES_DRAFTS = {"admin", "staff"}


@pytest.fixture
def world(province, standard):
    draft = standard_new_draft(user=province.admin, version="2026.2")
    platform = Platform.objects.create(name="MCU", code="mcu", reference=True, protocols=["SIP"])
    profile = ConfigProfile.objects.create(name="Chuẩn", code="chuan", is_default=True, settings={"protocol": "SIP"})
    return {"p": province, "standard": standard, "draft": draft, "platform": platform, "profile": profile,
            "requirement": draft.requirements.first()}


def expect(code_if_allowed, allowed, role, denied=403):
    return code_if_allowed if role in allowed else denied


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_province_views(world, client_for, role):
    client = client_for(getattr(world["p"], role))
    for url in ["/standards/", "/standards/matrix/", "/standards/matrix/?export=xlsx", "/standards/versions/",
                f"/standards/versions/{world['standard'].pk}/", f"/standards/versions/{world['standard'].pk}/export.yaml",
                "/standards/platforms/", "/standards/profiles/"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_seen_by_the_dost_only(world, client_for, role):
    response = client_for(getattr(world["p"], role)).get(f"/standards/versions/{world['draft'].pk}/")
    assert response.status_code == expect(200, SEES_DRAFTS, role, denied=404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_dost_admin_edits_standards_platforms_and_profiles(world, client_for, role):
    client = client_for(getattr(world["p"], role))
    draft, req = world["draft"], world["requirement"]
    gets = [
        "/standards/versions/import/", "/standards/platforms/new/", f"/standards/platforms/{world['platform'].pk}/edit/",
        "/standards/profiles/new/", f"/standards/profiles/{world['profile'].pk}/edit/",
    ]
    for url in gets:
        assert client.get(url).status_code == expect(200, EDITORS, role), url
    draft_urls = [f"/standards/versions/{draft.pk}/edit/", f"/standards/versions/{draft.pk}/requirements/new/",
                  f"/standards/requirements/{req.pk}/edit/"]
    for url in draft_urls:
        # Drafts are invisible (404) to those outside the DOST; visible but read-only (403) to dost_staff.
        assert client.get(url).status_code == expect(200, EDITORS, role, denied=403 if role in SEES_DRAFTS else 404), url
    assert client.post("/standards/versions/new/", {"version": "x"}).status_code == expect(302, EDITORS, role)
    publish = client.post(f"/standards/versions/{draft.pk}/publish/")
    assert publish.status_code == expect(302, EDITORS, role, denied=403 if role in SEES_DRAFTS else 404)
    draft.refresh_from_db()
    assert draft.is_draft == (role not in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_site_results_follow_the_site(world, client_for, role):
    client = client_for(getattr(world["p"], role))
    site = world["p"].site_a
    assert client.get(f"/standards/sites/{site.pk}/").status_code == expect(200, SEES_SITE_A, role, denied=404)
    settings_status = client.get(f"/standards/sites/{site.pk}/settings/").status_code
    assert settings_status == (200 if role in SETTINGS_RECORDERS else 403 if role in SEES_SITE_A else 404)
    recompute = client.post(f"/standards/sites/{site.pk}/recompute/").status_code
    assert recompute == (302 if role in SETTINGS_RECORDERS else 403 if role in SEES_SITE_A else 404)
    page = client.get(site.get_absolute_url())
    if role in SEES_SITE_A:
        assert 'id="verdict"' in page.content.decode()
        assert ("Record actual settings" in page.content.decode() or "Ghi cấu hình thực tế" in page.content.decode()) == (role in SETTINGS_RECORDERS)
    else:
        assert page.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_api_applies_the_same_rules(world, client_for, role):
    client = client_for(getattr(world["p"], role))
    site = world["p"].site_a
    for url in [f"/api/v1/standards/sites/{site.pk}/verdict", f"/api/v1/standards/sites/{site.pk}/compliance",
                f"/api/v1/standards/sites/{site.pk}/compatibility", f"/api/v1/standards/sites/{site.pk}/settings"]:
        assert client.get(url).status_code == expect(200, SEES_SITE_A, role, denied=404), url
    put = client.put(f"/api/v1/standards/sites/{site.pk}/settings", json.dumps({"values": {"protocol": "H.323"}}),
                     content_type="application/json")
    assert put.status_code == (200 if role in SETTINGS_RECORDERS else 403 if role in SEES_SITE_A else 404)
    for url in ["/api/v1/standards/versions", "/api/v1/standards/versions/current", "/api/v1/standards/platforms",
                "/api/v1/standards/verdicts"]:
        assert client.get(url).status_code == 200, url
    draft = client.get(f"/api/v1/standards/versions/{world['draft'].pk}")
    assert draft.status_code == expect(200, SEES_DRAFTS, role, denied=404)


def test_the_verdict_list_is_scoped_to_visible_sites(world, client_for):
    from diemcau.standards.services import recompute_sites

    recompute_sites()
    p = world["p"]
    codes = {row["site"] for row in client_for(p.other_tech).get("/api/v1/standards/verdicts").json()["items"]}
    assert codes == {p.site_b.code}
    assert len(client_for(p.leader).get("/api/v1/standards/verdicts").json()["items"]) == 4


def test_anonymous_users_are_sent_to_sign_in(world, client):
    assert client.get("/standards/").status_code == 302
    assert client.get("/api/v1/standards/verdicts").status_code == 401


def test_the_api_is_documented(world, client_for):
    paths = client_for(world["p"].admin).get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/standards/sites/{pk}/verdict" in paths and "/api/v1/standards/verdicts" in paths
