"""Who sees and does what in the reports app, for every role, on every page and API call."""

import pytest
from django.urls import reverse

from diemcau.accounts.choices import Role
from diemcau.reports import services
from diemcau.reports.choices import DocKind

ALL_ROLES = [Role.DOST_ADMIN, Role.DOST_STAFF, Role.LEADER, Role.AUDITOR, Role.UNIT_HEAD, Role.SITE_TECH, Role.OPERATOR]
PROVINCE = {Role.DOST_ADMIN, Role.DOST_STAFF, Role.LEADER, Role.AUDITOR}


@pytest.fixture
def world(accepted, province):
    report = services.document_for(kind=DocKind.UNIT_REPORT, organization=province.commune_a, campaign=accepted)
    other = services.document_for(kind=DocKind.UNIT_REPORT, organization=province.commune_b, campaign=accepted)
    plan = services.document_for(kind=DocKind.PLAN, organization=province.dost, campaign=accepted)
    issued = services.document_issue(report, user=province.head, position="Chủ tịch")
    roadmap = services.roadmap_build(campaign=accepted, title="Lộ trình", phases=[{"budget": 200_000_000}],
                                     user=province.admin)
    services.roadmap_adopt(roadmap, user=province.admin)
    return {"report": report, "other": other, "plan": plan, "issued": issued, "roadmap": roadmap}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reaches_the_reports_page_tasks_and_guides(client_for, province, world, role):
    client = client_for(province.users_by_role()[role])
    for name in ("reports:index", "reports:works", "reports:guides"):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
def test_units_see_only_their_report_and_the_province_sees_all(client_for, province, world, role):
    client = client_for(province.users_by_role()[role])
    own = client.get(reverse("reports:document", args=[world["report"].pk])).status_code
    other = client.get(reverse("reports:document", args=[world["other"].pk])).status_code
    plan = client.get(reverse("reports:document", args=[world["plan"].pk])).status_code
    download = client.get(reverse("reports:download", args=[world["issued"].pk, "docx"])).status_code
    preview = client.get(reverse("reports:preview", args=[world["report"].pk])).status_code
    if role in PROVINCE:
        assert (own, other, plan, download, preview) == (200, 200, 200, 200, 200)
    elif role in (Role.UNIT_HEAD, Role.SITE_TECH):
        assert (own, other, plan, download, preview) == (200, 404, 404, 200, 200)
    else:
        assert (own, other, plan, download, preview) == (404, 404, 404, 404, 404)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_unit_edits_and_only_its_head_issues_its_report(client_for, province, world, role):
    client = client_for(province.users_by_role()[role])
    report = world["report"]
    draft = client.post(reverse("reports:document", args=[report.pk]),
                        {"excerpt": report.excerpt, "part_opening": "x"}).status_code
    issue = client.post(reverse("reports:issue", args=[report.pk]), {"position": "Chủ tịch"}).status_code
    expected_draft = 302 if role in (Role.UNIT_HEAD, Role.SITE_TECH) else 404 if role == Role.OPERATOR else 403
    expected_issue = 302 if role == Role.UNIT_HEAD else 404 if role == Role.OPERATOR else 403
    assert (draft, issue) == (expected_draft, expected_issue)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_department_drafts_and_its_administrator_issues_the_province_documents(client_for, province, world,
                                                                                    accepted, role):
    client = client_for(province.users_by_role()[role])
    start = client.post(reverse("reports:province_document", args=[accepted.pk, "assessment"])).status_code
    issue = client.post(reverse("reports:issue", args=[world["plan"].pk]), {"position": "Phó Giám đốc"}).status_code
    if role in (Role.DOST_ADMIN, Role.DOST_STAFF):
        assert start == 302
    elif role == Role.OPERATOR:
        assert start in (403, 404)
    else:
        assert start == 403
    assert issue == (302 if role == Role.DOST_ADMIN else 403 if role in PROVINCE else 404)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roadmaps_are_for_the_province_and_tasks_for_who_does_them(client_for, province, world, role):
    from diemcau.reports.models import Work

    client = client_for(province.users_by_role()[role])
    roadmap = client.get(reverse("reports:roadmap", args=[world["roadmap"].pk])).status_code
    slider = client.get(reverse("reports:slider", args=[world["roadmap"].pk]) + "?budget=100000000").status_code
    assert (roadmap, slider) == ((200, 200) if role in PROVINCE else (404, 404))
    link_work = Work.objects.get(item__proposal__action__code="link")
    codec_work = Work.objects.filter(item__proposal__group__code="microphone").first()
    link_page = client.get(reverse("reports:work", args=[link_work.pk])).status_code
    mic_page = client.get(reverse("reports:work", args=[codec_work.pk])).status_code
    if role in PROVINCE or role in (Role.UNIT_HEAD, Role.SITE_TECH):
        assert (link_page, mic_page) == (200, 200)
    else:  # VNPT provides site A's primary link: it sees the link work, not the microphone
        assert (link_page, mic_page) == (200, 404)
    update = client.post(reverse("reports:work", args=[link_work.pk]), {"status": "in_progress"}).status_code
    # The link work is owned by the operator that provides the site's primary link.
    assert update == (302 if role in (Role.DOST_ADMIN, Role.DOST_STAFF, Role.OPERATOR) else 403)


def test_another_operator_sees_no_task_of_sites_it_does_not_serve(client_for, province, world):
    from diemcau.reports.models import Work

    link_work = Work.objects.get(item__proposal__action__code="link")
    viettel = client_for(province.viettel_user)  # Viettel gives site A only its backup link
    assert viettel.get(reverse("reports:work", args=[link_work.pk])).status_code in (200, 404)
    other = client_for(province.other_tech)
    assert other.get(reverse("reports:work", args=[link_work.pk])).status_code == 404


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_api_applies_the_same_rules(client_for, province, world, role):
    client = client_for(province.users_by_role()[role])
    listed = client.get("/api/v1/reports/documents").json()
    ids = {d["id"] for d in listed}
    if role in PROVINCE:
        assert {world["report"].pk, world["other"].pk, world["plan"].pk} <= ids
    elif role in (Role.UNIT_HEAD, Role.SITE_TECH):
        assert ids == {world["report"].pk}
    else:
        assert ids == set()
    detail = client.get(f"/api/v1/reports/documents/{world['other'].pk}")
    assert detail.status_code == (200 if role in PROVINCE else 404)
    assert detail["Content-Type"].startswith("application/json")
    roadmap = client.get(f"/api/v1/reports/roadmaps/{world['roadmap'].pk}/slider?budget=0")
    assert roadmap.status_code == (200 if role in PROVINCE else 404)
    issue = client.post(f"/api/v1/reports/documents/{world['report'].pk}/issue",
                        {"position": "Chủ tịch"}, content_type="application/json")
    assert issue.status_code == (201 if role == Role.UNIT_HEAD else 404 if role not in PROVINCE | {Role.SITE_TECH}
                                 else 403)
