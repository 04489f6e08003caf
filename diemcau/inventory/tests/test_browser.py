"""In Chromium: a site technician edits a device and sees it in the history; a leader sees the overview."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_site_tech_edits_a_device_and_sees_the_change_in_the_history(province, page_for):
    page = page_for(province.tech, phone=True)
    page.goto(f"/sites/{province.site_a.pk}/")
    assert "Hội trường UBND xã Thông Nông" in page.content()
    page.get_by_role("button", name=re.compile(r"^Thiết bị")).click()  # folded on a phone
    page.click("text=Group 500")
    page.click("a[href$='/edit/']")
    page.fill("#id_firmware", "6.2.3-build77")
    page.select_option("#id_condition", label="Xuống cấp, hoạt động không ổn định")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/devices/{province.site_a.devices.get(serial='SN-A-1').pk}/")
    history = page.inner_text("#history")
    assert "6.2.3-build77" in history
    assert "Tech" in history
    page.goto(f"/sites/{province.site_a.pk}/")
    assert "6.2.3-build77" in page.inner_text("#history")


def test_form_errors_are_shown_next_to_the_field(province, page_for):
    page = page_for(province.tech)
    page.goto(f"/sites/{province.site_a.pk}/devices/new/")
    page.select_option("#id_group", label="Camera")
    page.fill("#id_serial", "SN-B-1")
    page.fill("#id_year", "2099")
    page.click("button[type=submit]")
    assert "X-20-01" in page.inner_text("#field-serial")
    assert page.locator("#id_year.is-invalid").count() == 1


def test_leader_sees_the_overview(province, page_for):
    page = page_for(province.leader)
    page.goto("/")
    text = page.inner_text("main")
    assert "4" in page.inner_text(".stat >> nth=0")
    assert "UBND xã" not in text or "Hội trường UBND xã Hà Quảng" in text
    assert page.locator("a[href='/sites/?gap=no_contact']").count() == 1
