"""Evidence (type and size checked, stored privately) and what reviews draw on the site page and overview."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diemcau.reviews import services
from diemcau.reviews.tests.conftest import complete, term

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


@pytest.fixture
def assessment(task_a, province):
    services.task_start(task_a, user=province.tech)
    return task_a.assessments.get(site=province.site_a)


def test_a_photo_is_stored_under_media_with_a_new_name(assessment, province, settings):
    evidence = services.evidence_add(assessment, user=province.tech, note="Micro rè",
                                     photo=SimpleUploadedFile("../../etc/passwd.jpg", JPEG, "image/jpeg"),
                                     group=term("device_group", "microphone"))
    assert evidence.photo.name.startswith(f"reviews/{assessment.task.campaign_id}/")
    assert evidence.photo.name.endswith(".jpg") and "passwd" not in evidence.photo.name
    assert evidence.photo.path.startswith(str(settings.MEDIA_ROOT))
    assert evidence.content_type == "image/jpeg" and evidence.size == len(JPEG)


def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(assessment, province):
    with pytest.raises(ValidationError) as error:
        services.evidence_add(assessment, user=province.tech,
                              photo=SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 not an image", "image/jpeg"))
    assert "photo" in error.value.message_dict


def test_a_photo_over_the_limit_is_refused(assessment, province, settings):
    settings.UPLOAD_PHOTO_MAX_BYTES = 50
    with pytest.raises(ValidationError):
        services.evidence_add(assessment, user=province.tech, photo=SimpleUploadedFile("a.jpg", JPEG, "image/jpeg"))


def test_evidence_needs_a_note_or_a_photo(assessment, province):
    with pytest.raises(ValidationError):
        services.evidence_add(assessment, user=province.tech, note="  ")


def test_uploading_through_the_page(assessment, province, client_for):
    client = client_for(province.tech)
    response = client.post(reverse("reviews:evidence_add", args=[assessment.pk]), {
        "group": term("device_group", "terminal").pk, "note": "Ảnh mặt sau codec",
        "photo": SimpleUploadedFile("codec.jpg", JPEG, "image/jpeg"),
    })
    assert response.status_code == 302
    evidence = assessment.evidence.get()
    assert evidence.group.code == "terminal"
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert reverse("reviews:evidence_photo", args=[evidence.pk]) in page


def test_the_site_page_shows_the_latest_assessment(task_a, province, client_for):
    complete(task_a, province.tech)
    page = client_for(province.tech).get(reverse("inventory:site", args=[province.site_a.pk])).content.decode()
    assert 'id="review-panel"' in page and "Rà soát 2026" in page
    other = client_for(province.staff).get(reverse("inventory:site", args=[province.site_dept.pk])).content.decode()
    assert 'id="review-panel"' not in other


def test_the_overview_shows_progress_and_late_units(campaign, province, client_for):
    campaign.deadline = campaign.created_at  # already past
    campaign.save(update_fields=["deadline"])
    page = client_for(province.leader).get(reverse("inventory:overview")).content.decode()
    assert 'id="review-overview"' in page and "UBND xã Hà Quảng" in page
    mine = client_for(province.tech).get(reverse("inventory:overview")).content.decode()
    assert 'id="review-overview"' in mine and "UBND xã Hà Quảng" not in mine
    assert 'id="review-overview"' not in client_for(province.vnpt_user).get(reverse("inventory:overview")).content.decode()
