"""The standard is versioned data: drafts, publishing, import, and results per version."""

import pytest
from django.core.exceptions import ValidationError

from diemcau.standards.models import Requirement, SiteCompliance, SiteVerdict, Standard
from diemcau.standards.services import (
    recompute_sites,
    requirement_save,
    standard_import,
    standard_new_draft,
    standard_publish,
)


def test_the_shipped_standard_is_in_force(standard):
    assert Standard.objects.current() == standard
    assert standard.version == "2026.1"
    assert standard.requirements.count() == 16
    assert standard.requirements.get(code="BKP-LINK").severity == "warn"


def test_results_judged_against_v1_stay_visible_after_v2(province, standard, client_for, django_capture_on_commit_callbacks):
    recompute_sites()
    v1_result = SiteCompliance.objects.get(site=province.site_a, standard=standard)
    draft = standard_new_draft(user=province.admin, version="2026.2")
    ups = draft.requirements.get(code="PWR-UPS")
    ups.rule = {"ups_runtime_min": {"fail_below": 45, "warn_below": 60}}
    requirement_save(ups)
    with django_capture_on_commit_callbacks(execute=True):
        standard_publish(draft, user=province.admin)  # recomputes everything once committed

    standard.refresh_from_db()
    assert standard.status == "superseded"
    assert Standard.objects.current() == draft
    assert SiteCompliance.objects.get(pk=v1_result.pk).results["PWR-UPS"]["status"] == "pass"
    v2_result = SiteCompliance.objects.get(site=province.site_a, standard=draft)
    assert v2_result.results["PWR-UPS"]["status"] == "fail"
    assert SiteVerdict.objects.get(site=province.site_a, is_current=True).standard == draft

    page = client_for(province.tech).get(f"/standards/sites/{province.site_a.pk}/?standard={standard.pk}")
    assert page.status_code == 200
    assert "2026.1" in page.content.decode()
    assert page.context["chosen_compliance"] == v1_result
    site_page = client_for(province.tech).get(province.site_a.get_absolute_url()).content.decode()
    assert "2026.2" in site_page and f"?standard={standard.pk}" in site_page


def test_a_published_version_cannot_be_edited(province, standard):
    requirement = standard.requirements.first()
    with pytest.raises(ValidationError):
        requirement_save(requirement)
    with pytest.raises(ValidationError):
        standard_publish(standard, user=province.admin)


def test_a_draft_without_requirements_cannot_be_published(province, standard):
    draft = standard_new_draft(user=province.admin, version="2026.9")
    draft.requirements.all().delete()
    with pytest.raises(ValidationError):
        standard_publish(draft, user=province.admin)
    assert Standard.objects.current() == standard


def test_a_new_requirement_of_an_existing_type_needs_no_code(province, standard, django_capture_on_commit_callbacks):
    draft = standard_new_draft(user=province.admin, version="2026.3")
    requirement_save(Requirement(
        standard=draft, code="AUD-MIC2", category="audio", text="Ít nhất hai micro tốt",
        rule={"device_group_good": "microphone", "min_count": 2},
    ))
    with django_capture_on_commit_callbacks(execute=True):
        standard_publish(draft, user=province.admin)
    result = SiteCompliance.objects.get(site=province.site_a, standard=draft)
    assert result.results["AUD-MIC2"]["status"] == "fail"  # one good microphone


IMPORT_OK = """
name: Yêu cầu thử
version: "2027.1"
requirements:
  - {code: NET-BW, category: network, vi: "Băng thông", rule: {primary_link_mbps: {fail_below: 2}}}
"""
IMPORT_BAD = """
name: Yêu cầu thử
version: "2027.2"
requirements:
  - {code: NET-BW, category: network, vi: "Băng thông", rule: {primary_link_mbps: {fail_below: 2}}}
  - {code: NET-X, category: network, vi: "Lạ", rule: {teleport_ms: {fail_above: 1}}}
"""


def test_an_imported_standard_becomes_a_draft(province, standard):
    draft = standard_import(IMPORT_OK, user=province.admin)
    assert draft.status == "draft"
    assert list(draft.requirements.values_list("code", flat=True)) == ["NET-BW"]


def test_an_unknown_rule_type_rejects_the_import_with_a_clear_error(province, standard):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        standard_import(IMPORT_BAD, user=province.admin)
    message = " ".join(caught.value.messages)
    assert "NET-X" in message and "Unknown rule type teleport_ms" in message
    assert not Standard.objects.filter(version="2027.2").exists()


def test_the_admin_edits_and_publishes_through_the_pages(province, standard, client_for, django_capture_on_commit_callbacks):
    admin = client_for(province.admin)
    response = admin.post("/standards/versions/new/", {"version": "2026.5"})
    draft = Standard.objects.get(version="2026.5")
    assert response.url == draft.get_absolute_url()
    bw = draft.requirements.get(code="NET-BW")
    form = admin.get(f"/standards/requirements/{bw.pk}/edit/").context["form"]
    assert form.initial["fail_level"] == 1.2 and form.initial["warn_level"] == 2.0
    base = {"code": "NET-BW", "category": "network", "text": bw.text, "severity": "fail", "position": bw.position,
            "rule": form.initial["rule"], "source": ""}
    response = admin.post(f"/standards/requirements/{bw.pk}/edit/", {**base, "fail_level": "0.5", "warn_level": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    bw.refresh_from_db()
    assert bw.rule == {"primary_link_mbps": {"fail_below": 0.5, "warn_below": 1.0, "recommended": 4.0}}
    detail = admin.get(draft.get_absolute_url())
    changed = next(r for r in detail.context["requirements"] if r.code == "NET-BW")
    assert changed.change["old_rule"] == "{primary_link_mbps: {fail_below: 1.2, warn_below: 2.0, recommended: 4.0}}"
    assert all(r.change is None for r in detail.context["requirements"] if r.code != "NET-BW")
    base["rule"] = admin.get(f"/standards/requirements/{bw.pk}/edit/").context["form"].initial["rule"]
    bad = admin.post(f"/standards/requirements/{bw.pk}/edit/", {**base, "fail_level": "2", "warn_level": "1"})
    assert bad.status_code == 200 and bad.context["form"].errors["fail_level"]
    by_text = admin.post(f"/standards/requirements/{bw.pk}/edit/", {
        **base, "rule": "{primary_link_mbps: {fail_below: 0.6, warn_below: 1.0}}", "fail_level": "0.5", "warn_level": "1"})
    assert by_text.status_code == 302
    bw.refresh_from_db()
    assert bw.rule == {"primary_link_mbps": {"fail_below": 0.6, "warn_below": 1.0}}  # the rule text, levels untouched
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/standards/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert SiteCompliance.objects.filter(standard=draft).count() == 4
    upload = admin.post("/standards/versions/import/", {"file": _file(IMPORT_BAD)})
    assert upload.status_code == 200 and "teleport_ms" in upload.content.decode()


def _file(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("standard.yaml", text.encode(), content_type="application/x-yaml")
