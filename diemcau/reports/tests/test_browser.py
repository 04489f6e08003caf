"""A unit head edits and issues the unit report on a phone (390 px wide), in Chromium."""

import pytest

from diemcau.reports.models import IssuedDocument
from diemcau.testing import shot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_head_edits_and_issues_the_report_on_a_phone(page_for, accepted, province):
    page = page_for(province.head, phone=True)
    page.goto("/reports/")
    page.click("#my-reports a")
    page.wait_for_selector("#draft-form")
    page.fill("#id_part_assessment", "Các điểm cầu cơ bản đáp ứng; micro hội trường cần thay dây.")
    page.click("#save-draft")
    page.wait_for_selector(".alert-success")
    assert page.input_value("#id_part_assessment").startswith("Các điểm cầu cơ bản đáp ứng")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    page.screenshot(path=shot_path("reports", "phone-draft.png"), full_page=True)
    page.fill("#id_signer_name", "Nông Văn Hùng")
    page.click("#issue")
    page.wait_for_selector("#issued .issued-row")
    text = page.inner_text("#issued")
    assert "01/BC-UBND" in text and "Nông Văn Hùng" in text
    page.screenshot(path=shot_path("reports", "phone-issued.png"), full_page=True)
    issued = IssuedDocument.objects.get()
    assert issued.signer == province.head and issued.texts["assessment"].startswith("Các điểm cầu")
