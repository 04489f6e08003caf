"""Access for every role, on every page and API call: a commune never sees another commune's
assessment; an operator sees only what concerns its links; the department sees and decides everything."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diemcau.reviews import services
from diemcau.reviews.models import Evidence, Proposal
from diemcau.reviews.tests.conftest import complete, purchase, term

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(campaign, task_a, task_b, province):
    """Commune A started with a link proposal and a microphone purchase (each with a photo); commune B started."""
    complete(task_a, province.tech)
    complete(task_b, province.other_tech)
    site_a = task_a.assessments.get(site=province.site_a)
    link = services.proposal_save(Proposal(assessment=site_a, group=term("device_group", "network"),
                                           action=term("action", "link"), description="Nâng băng thông lên 20 Mbps",
                                           cost_vnd=3_000_000), user=province.tech)
    mic = purchase(site_a, province.tech, group="microphone")
    net_photo = services.evidence_add(site_a, user=province.tech, group=term("device_group", "network"),
                                      photo=SimpleUploadedFile("modem.png", PNG, "image/png"))
    mic_photo = services.evidence_add(site_a, user=province.tech, group=term("device_group", "microphone"),
                                      photo=SimpleUploadedFile("mic.png", PNG, "image/png"))
    return {"campaign": campaign, "task": task_a, "task_b": task_b, "site_a": site_a,
            "site_a2": task_a.assessments.get(site=province.site_a2),
            "site_b": task_b.assessments.get(site=province.site_b), "link": link, "mic": mic,
            "net_photo": net_photo, "mic_photo": mic_photo}


ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "other_tech", "vnpt_user", "viettel_user"]

# (url name, object key, method, expected status per role, in ROLES order)
MATRIX = [
    ("campaigns", None, "get", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("campaign_new", None, "get", [200, 403, 403, 403, 403, 403, 403, 403, 403]),
    ("campaign", "campaign", "get", [200, 200, 200, 200, 302, 302, 302, 302, 302]),
    ("aggregate", "campaign", "get", [200, 200, 200, 200, 403, 403, 403, 403, 403]),
    ("compare", "campaign", "get", [200, 200, 200, 200, 403, 403, 403, 403, 403]),
    ("link_items", "campaign", "get", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("campaign_close", "campaign", "post", [302, 403, 403, 403, 403, 403, 403, 403, 403]),
    ("task", "task", "get", [200, 200, 200, 200, 200, 200, 404, 404, 404]),
    ("assessment", "site_a", "get", [200, 200, 200, 200, 200, 200, 404, 200, 200]),
    ("assessment", "site_a2", "get", [200, 200, 200, 200, 200, 200, 404, 404, 404]),
    ("assessment", "site_b", "get", [200, 200, 200, 200, 404, 404, 200, 404, 200]),
    ("assessment", "site_a", "post", [403, 403, 403, 403, 302, 302, 404, 403, 403]),
    ("proposal_new", "site_a", "get", [403, 403, 403, 403, 200, 200, 404, 403, 403]),
    ("proposal_edit", "link", "get", [403, 403, 403, 403, 200, 200, 404, 403, 403]),
    ("proposal_edit", "mic", "get", [403, 403, 403, 403, 200, 200, 404, 404, 404]),
    ("evidence_photo", "net_photo", "get", [200, 200, 200, 200, 200, 200, 404, 200, 200]),
    ("evidence_photo", "mic_photo", "get", [200, 200, 200, 200, 200, 200, 404, 404, 404]),
    ("task_start", "task", "post", [403, 403, 403, 403, 302, 302, 404, 404, 404]),
    ("task_submit", "task", "post", [403, 403, 403, 403, 302, 403, 404, 404, 404]),
    ("task_review", "task", "post", [302, 302, 403, 403, 403, 403, 404, 404, 404]),
    ("evidence_add", "site_a", "post", [403, 403, 403, 403, 302, 302, 404, 403, 403]),
    # The head removes it first, so the site contact then finds nothing (see the test below).
    ("evidence_delete", "mic_photo", "post", [403, 403, 403, 403, 302, 404, 404, 404, 404]),
    ("proposal_delete", "mic", "post", [403, 403, 403, 403, 302, 404, 404, 404, 404]),
]


@pytest.mark.parametrize("name,key,method,expected", MATRIX, ids=[f"{m[0]}-{m[1]}-{m[2]}" for m in MATRIX])
def test_every_role_on_every_page(world, province, client_for, name, key, method, expected):
    for role, status in zip(ROLES, expected, strict=True):
        user = getattr(province, role)
        args = [world[key].pk] if key else []
        url = reverse(f"reviews:{name}", args=args)
        response = getattr(client_for(user), method)(url)
        assert response.status_code == status, f"{role} {method} {url}: {response.status_code} != {status}"


def test_an_operator_reads_only_the_link_items_of_an_assessment(world, province, client_for):
    page = client_for(province.vnpt_user).get(reverse("reviews:assessment", args=[world["site_a"].pk])).content.decode()
    assert "Nâng băng thông lên 20 Mbps" in page
    assert "Mua micro cổ ngỗng" not in page
    assert 'id="known-verdict"' not in page  # the site's verdict and compliance are the unit's business
    staff = client_for(province.staff).get(reverse("reviews:assessment", args=[world["site_a"].pk])).content.decode()
    assert 'id="known-verdict"' in staff
    assert f"proposal-{world['link'].pk}" in page
    assert reverse("reviews:evidence_photo", args=[world["mic_photo"].pk]) not in page


def test_a_commune_never_sees_another_communes_assessment(world, province, client_for):
    other = client_for(province.other_tech)
    page = other.get(reverse("reviews:campaigns")).content.decode()
    assert "Thông Nông" not in page
    mine = other.get(reverse("reviews:campaign", args=[world["campaign"].pk]))
    assert mine.url == reverse("reviews:task", args=[world["task_b"].pk])
    api = other.get(f"/api/v1/reviews/assessments/{world['site_a'].pk}")
    assert api.status_code == 404
    proposals = other.get(f"/api/v1/reviews/campaigns/{world['campaign'].pk}/proposals").json()
    assert proposals and {p["site"] for p in proposals} == {"X-20-01"}


API_MATRIX = [
    ("campaigns", lambda w: "/api/v1/reviews/campaigns", [200] * 9),
    ("tasks", lambda w: f"/api/v1/reviews/campaigns/{w['campaign'].pk}/tasks", [200] * 9),
    ("proposals", lambda w: f"/api/v1/reviews/campaigns/{w['campaign'].pk}/proposals", [200] * 9),
    ("aggregate", lambda w: f"/api/v1/reviews/campaigns/{w['campaign'].pk}/aggregate",
     [200, 200, 200, 200, 403, 403, 403, 403, 403]),
    ("assessment", lambda w: f"/api/v1/reviews/assessments/{w['site_a'].pk}",
     [200, 200, 200, 200, 200, 200, 404, 200, 200]),
    ("assessment_b", lambda w: f"/api/v1/reviews/assessments/{w['site_b'].pk}",
     [200, 200, 200, 200, 404, 404, 200, 404, 200]),
]


@pytest.mark.parametrize("name,url,expected", API_MATRIX, ids=[m[0] for m in API_MATRIX])
def test_every_role_on_every_api_call(world, province, client_for, name, url, expected):
    for role, status in zip(ROLES, expected, strict=True):
        response = client_for(getattr(province, role)).get(url(world))
        assert response.status_code == status, f"{role} {url(world)}: {response.status_code}"


def test_what_each_role_gets_from_the_api(world, province, client_for):
    base = f"/api/v1/reviews/campaigns/{world['campaign'].pk}"
    assert len(client_for(province.staff).get(base + "/tasks").json()) == 3
    assert [t["organization_code"] for t in client_for(province.head).get(base + "/tasks").json()] == ["X-14"]
    assert client_for(province.vnpt_user).get(base + "/tasks").json() == []
    operator = client_for(province.vnpt_user).get(base + "/proposals").json()
    assert [p["id"] for p in operator] == [world["link"].pk]
    assessment = client_for(province.vnpt_user).get(f"/api/v1/reviews/assessments/{world['site_a'].pk}").json()
    assert {g["group"] for g in assessment["groups"]} <= {"network"}
    assert assessment["summary"] == ""
    full = client_for(province.staff).get(f"/api/v1/reviews/assessments/{world['site_a'].pk}").json()
    assert {p["id"] for p in full["proposals"]} == {world["link"].pk, world["mic"].pk}


def test_photos_are_never_under_a_public_url(world, province, client_for):
    evidence = Evidence.objects.get(pk=world["mic_photo"].pk)
    page = client_for(province.tech).get(reverse("reviews:assessment", args=[world["site_a"].pk])).content.decode()
    assert evidence.photo.url not in page
    response = client_for(province.tech).get(reverse("reviews:evidence_photo", args=[evidence.pk]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "mic" not in evidence.photo.name  # the uploaded name is not kept


def test_the_site_contact_removes_a_proposal_and_a_photo(world, province, client_for):
    tech = client_for(province.tech)
    assert tech.post(reverse("reviews:proposal_delete", args=[world["mic"].pk])).status_code == 302
    assert tech.post(reverse("reviews:evidence_delete", args=[world["mic_photo"].pk])).status_code == 302
    assert not Proposal.objects.filter(pk=world["mic"].pk).exists()
    assert not Evidence.objects.filter(pk=world["mic_photo"].pk).exists()
