"""A unit's report: drafted from the facts, edited by the unit, issued once, frozen and downloadable."""

import hashlib
import io

import pytest
from django.urls import reverse
from docx import Document as Docx

from diemcau.reports import services
from diemcau.reports.choices import DocKind, PdfStatus
from diemcau.reports.models import Document, IssuedDocument


def texts_of(data: bytes) -> str:
    doc = Docx(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


@pytest.fixture
def report(accepted, province):
    return services.document_for(kind=DocKind.UNIT_REPORT, organization=province.commune_a, campaign=accepted)


def test_it_opens_one_draft_per_unit_and_campaign(client_for, province, accepted):
    client = client_for(province.head)
    first = client.get(reverse("reports:unit_report", args=[accepted.pk]))
    second = client_for(province.tech).get(reverse("reports:unit_report", args=[accepted.pk]))
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Document.objects.filter(kind=DocKind.UNIT_REPORT, organization=province.commune_a).count() == 1


def test_the_draft_states_the_facts(report, province):
    from diemcau.reports.documents import build

    text = texts_of(build(report).docx)
    assert "ỦY BAN NHÂN DÂN XÃ THÔNG NÔNG" in text
    assert "Hội trường UBND xã Thông Nông (X-14-01)" in text
    assert "Thay thiết bị đầu cuối Poly" in text and "120.000.000" in text
    assert "Thay dây micro" in text  # needs help now
    assert "Chuẩn hóa cấu hình" in text  # province-wide
    assert "Tổng kinh phí đề xuất đầu tư mới: 120.000.000 đồng." in text
    assert "Số: " in text and "/BC-UBND" in text


def test_the_head_edits_saves_and_issues_and_the_issued_file_never_changes(client_for, province, report):
    client = client_for(province.head)
    url = reverse("reports:document", args=[report.pk])
    response = client.post(url, {"excerpt": report.excerpt, "part_opening": "Căn cứ Kế hoạch số 12/KH-UBND.",
                                 "part_assessment": "Các điểm cầu cơ bản đáp ứng.", "part_proposals": "",
                                 "part_recipients": "Sở Khoa học và Công nghệ"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.texts["assessment"] == "Các điểm cầu cơ bản đáp ứng." and report.updated_by == province.head
    response = client.post(reverse("reports:issue", args=[report.pk]),
                           {"authority": "TM. Ủy ban nhân dân", "position": "Chủ tịch", "signer_name": "Nông Văn Hùng"})
    assert response.status_code == 302
    issued = IssuedDocument.objects.get(document=report)
    assert issued.number == 1 and issued.number_text == "01/BC-UBND"
    assert issued.signer == province.head and issued.signer_name == "Nông Văn Hùng"
    with issued.docx.open("rb") as handle:
        stored = handle.read()
    assert hashlib.sha256(stored).hexdigest() == issued.checksum and issued.verify()
    text = texts_of(stored)
    assert "Số: 01/BC-UBND" in text and "Các điểm cầu cơ bản đáp ứng." in text and "Nông Văn Hùng" in text
    assert "TM. ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text
    # Later edits and data changes do not touch the issued file.
    services.document_save_draft(report, user=province.head, texts={"assessment": "Đã sửa sau khi ban hành."})
    download = client.get(reverse("reports:download", args=[issued.pk, "docx"]))
    assert b"".join(download.streaming_content) == stored
    # A second issue is the next number.
    again = services.document_issue(report, user=province.head, position="Chủ tịch")
    assert again.number == 2 and again.number_text == "02/BC-UBND"
    assert issued.annex and again.annex


def test_the_worker_converts_the_issued_document_to_pdf(report, province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.document_issue(report, user=province.head, position="Chủ tịch")
    issued.refresh_from_db()
    assert issued.pdf_status == PdfStatus.DONE
    with issued.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    # Converting again is skipped: the claim is taken once.
    assert services.pdf_convert(issued.pk) == "skipped"


def test_without_libreoffice_the_page_says_so_and_still_gives_the_docx(settings, client_for, report, province):
    settings.SOFFICE_PATH = "/nonexistent/soffice"
    issued = services.document_issue(report, user=province.head, position="Chủ tịch")
    assert issued.pdf_status == PdfStatus.UNAVAILABLE
    page = client_for(province.head).get(reverse("reports:document", args=[report.pk])).content.decode()
    assert "LibreOffice" in page and reverse("reports:download", args=[issued.pk, "docx"]) in page


def test_a_position_is_required_to_issue(report, province):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.document_issue(report, user=province.head, position=" ")
    assert not IssuedDocument.objects.exists()
