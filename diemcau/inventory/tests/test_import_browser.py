"""In Chromium on a phone: a site technician checks an import file, sees its errors, fixes it and confirms."""

import pytest

from diemcau.inventory.models import Device, Site
from diemcau.inventory.tests.import_helpers import device_row, good_file, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_site_tech_imports_a_file_from_a_phone(province, page_for, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx({"devices": [device_row(site="X-14-01", serial="SN-B-1")]}))
    good = tmp_path / "good.xlsx"
    good.write_bytes(good_file())
    page = page_for(province.tech, phone=True)
    page.goto("/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-form button[type=submit]")
    errors = page.inner_text("#import-errors")
    assert "SN-B-1" in errors and "X-20-01" in errors and "E" in errors
    assert page.locator("#import-confirm").count() == 0
    # The error table scrolls sideways inside its box, not the whole page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.click("#import-again")
    page.set_input_files("#id_file", str(good))
    page.click("#import-form button[type=submit]")
    assert not Site.objects.filter(code="X-14-09").exists()
    page.click("#import-confirm")
    page.wait_for_selector("#import-summary-state.alert-success")
    assert Device.objects.filter(site__code="X-14-09").count() == 3
