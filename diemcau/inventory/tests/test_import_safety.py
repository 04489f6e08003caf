"""No silent data loss and no decompression bomb: formulas, hidden data, repeated sheets, NFC, size limits."""

import io
import unicodedata
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from diemcau.inventory.importer import import_inventory
from diemcau.inventory.models import Contact, Site
from diemcau.inventory.tests.import_helpers import (
    HEADERS,
    TITLES,
    contact_row,
    counts,
    device_row,
    site_row,
    xlsx,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused(data: bytes, user, **kwargs) -> list[str]:
    before = counts()
    result = import_inventory(data, user=user, **kwargs)
    assert not result.ok and not result.applied
    assert counts() == before
    return [str(e) for e in result.all_errors]


def book(sheets: dict, *, hide=None) -> Workbook:
    """A normal (not write-only) workbook: formulas, hidden rows, columns and sheets can be set on it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for key, rows in sheets.items():
        sheet = workbook.create_sheet(TITLES.get(key, key))
        if key in HEADERS:
            sheet.append(HEADERS[key])
        for row in rows:
            sheet.append(row)
    return workbook


def saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Formulas ------------------------------------------------------------------------------------

def test_a_formula_in_an_optional_cell_is_an_error_not_an_empty_value(province):
    site = province.site_a
    site.room, site.seats = "Phòng 201", 40
    site.save(update_fields=["room", "seats"])
    row = site_row(code=site.code, org=site.organization.code, name=site.name, c3='=CONCAT("P", 201)', c6="=20*2")
    errors = refused(saved(book({"sites": [row]})), province.admin)
    assert errors == [
        "Sheet 'Điểm cầu', row 2, column D (Phòng họp): The cell holds a formula; paste the values instead "
        "(=CONCAT(\"P\", 201)).",
        "Sheet 'Điểm cầu', row 2, column G (Số chỗ ngồi): The cell holds a formula; paste the values instead "
        "(=20*2).",
    ]
    site.refresh_from_db()
    assert (site.room, site.seats) == ("Phòng 201", 40)


def test_a_formula_in_a_required_cell_says_formula_not_required(province):
    errors = refused(saved(book({"sites": [site_row(c2="=B2")]})), province.admin)
    assert errors == ["Sheet 'Điểm cầu', row 2, column C (Tên điểm cầu): The cell holds a formula; paste the "
                      "values instead (=B2)."]


def test_the_formula_message_reads_in_vietnamese(province):
    with translation.override("vi"):
        result = import_inventory(saved(book({"sites": [site_row(c3="=1+1")]})), user=province.admin)
        message = str(result.errors[0])
    assert "ô chứa công thức; hãy dán giá trị" in message.lower()
    assert "Điểm cầu" in message and "dòng 2" in message and "cột D" in message


def test_a_room_named_like_a_formula_survives_export_and_reimport(province, client_for):
    site = province.site_a
    site.room, site.backup_plan = "=1+1", "Gọi VNPT 0206 3800 126"
    site.save(update_fields=["room", "backup_plan"])
    filled = client_for(province.admin).get(reverse("inventory:import_template"), {"filled": "1"}).content
    result = import_inventory(filled, user=province.admin)
    assert result.ok, [str(e) for e in result.all_errors]
    assert result.total["updated"] == 0
    site.refresh_from_db()
    assert (site.room, site.backup_plan) == ("=1+1", "Gọi VNPT 0206 3800 126")


# Hidden data, repeated sheets, unknown sheets ----------------------------------------------------

@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_data_sheet_is_refused(province, state):
    workbook = book({"sites": [site_row()], "devices": [device_row()]})
    workbook["Thiết bị"].sheet_state = state
    assert refused(saved(workbook), province.admin) == [
        "Sheet 'Thiết bị': This sheet is hidden, so its data cannot be checked by the person sending it. Unhide it "
        "(right-click a sheet tab, Unhide) or delete it."]


def test_a_hidden_row_with_data_is_refused(province):
    workbook = book({"sites": [site_row(), site_row(code="X-14-10")]})
    workbook["Điểm cầu"].row_dimensions[3].hidden = True
    assert refused(saved(workbook), province.admin) == [
        "Sheet 'Điểm cầu', row 3, column — (—): This row is hidden, so its data cannot be checked by the person "
        "sending it. Unhide the rows (select the rows around it, right-click, Unhide) or delete it."]


def test_a_hidden_column_of_the_template_is_refused(province):
    workbook = book({"sites": [site_row()]})
    workbook["Điểm cầu"].column_dimensions["D"].hidden = True
    errors = refused(saved(workbook), province.admin)
    assert errors == ["Sheet 'Điểm cầu', row 1, column D (Phòng họp): This column is hidden, so its data cannot be "
                      "checked by the person sending it. Unhide it (select the columns around it, right-click, "
                      "Unhide)."]


def test_a_second_sheet_answering_to_the_same_name_is_an_error(province):
    workbook = book({"sites": [site_row()], "Sites": [HEADERS["sites"], site_row(code="X-14-11")]})
    assert refused(saved(workbook), province.admin) == [
        "Sheet 'Sites': This sheet is a second 'Điểm cầu' sheet (the sheet 'Điểm cầu' is one too): keep the data "
        "in one of them and delete the other."]


def test_a_sheet_that_is_not_in_the_template_is_reported(province):
    result = import_inventory(xlsx({"sites": [site_row()], "Ghi chép": [["ghi chú riêng"]]}), user=province.admin,
                              dry_run=True)
    assert result.ok
    assert result.notices == ["Sheet 'Ghi chép' is not a sheet of the template: it was not read."]


# Every error at once, one spelling of each letter --------------------------------------------------

def test_rows_of_a_site_with_an_error_are_checked_too(province):
    # The site row breaks a rule of the model (a UPS runtime without a UPS): its devices and contacts are
    # still checked, so the next upload is the last.
    data = xlsx({"sites": [site_row(c8="Không", c10=20)],
                 "devices": [device_row(c14="10.0.0.300")],
                 "contacts": [contact_row(phone="09123")]})
    assert refused(data, province.admin) == [
        "Sheet 'Điểm cầu', row 2, column K (Thời gian lưu điện UPS (phút)): A runtime is given but the site is "
        "marked as having no UPS.",
        "Sheet 'Thiết bị', row 2, column O (Địa chỉ IP quản lý): Enter a valid IPv4 or IPv6 address.",
        "Sheet 'Cán bộ kỹ thuật', row 2, column E (Điện thoại): A phone number has 8 to 15 digits.",
    ]


def test_the_same_text_in_nfd_is_not_an_update(province):
    site = province.site_a
    data = xlsx({"sites": [site_row(code=site.code, org=site.organization.code, name=site.name)],
                 "contacts": [contact_row(site=site.code, role="Đầu mối phụ", name="Nguyễn Thị Hường")]})
    assert import_inventory(data, user=province.admin).applied
    decomposed = xlsx({"sites": [site_row(code=site.code, org=site.organization.code,
                                          name=unicodedata.normalize("NFD", site.name),
                                          c3=unicodedata.normalize("NFD", "Tầng 1"))],
                       "contacts": [contact_row(site=site.code, role="Đầu mối phụ",
                                                 name=unicodedata.normalize("NFD", "Nguyễn Thị Hường"))]})
    result = import_inventory(decomposed, user=province.admin)
    assert result.applied and result.total == {"unchanged": 2}
    assert Contact.objects.get(site=site, phone="0987654321").full_name == unicodedata.normalize(
        "NFC", "Nguyễn Thị Hường")


def test_new_text_in_nfd_is_stored_composed(province):
    name = unicodedata.normalize("NFD", "Hội trường Ủy ban")
    assert import_inventory(xlsx({"sites": [site_row(name=name)]}), user=province.admin).applied
    assert Site.objects.get(code="X-14-09").name == unicodedata.normalize("NFC", name)


# Decompression limits ---------------------------------------------------------------------------

def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name else source.read(item.filename))
        if name not in source.namelist():
            target.writestr(name, content)
    return out.getvalue()


def test_a_shared_strings_bomb_is_refused_before_it_is_parsed(province):
    strings = b"<si><t>x</t></si>" * 2_200_000  # 37 MB of tiny strings: a few hundred KB zipped
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           b'2006/main" count="2200000" uniqueCount="2200000">' + strings + b"</sst>")
    data = _replace_part(xlsx({"sites": [site_row()]}), "xl/sharedStrings.xml", sst)
    assert len(data) < 1_000_000
    errors = refused(data, province.admin)
    assert len(errors) == 1 and "xl/sharedStrings.xml" in errors[0] and "the largest accepted is 32.0" in errors[0]


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(province, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 200_000
    rows = [device_row(serial=f"SN-{i}") for i in range(2000)]
    errors = refused(xlsx({"sites": [site_row()], "devices": rows}), province.admin)
    assert len(errors) == 1 and errors[0].startswith("Sheet '—': The workbook unpacks to ")


def test_a_sheet_declaring_more_rows_than_the_limit_is_refused_before_reading(province, settings):
    settings.IMPORT_MAX_ROWS = 50
    workbook = book({"sites": [site_row()]})
    workbook["Điểm cầu"]["A1000"] = "x"  # the declared dimension becomes A1:L1000
    errors = refused(saved(workbook), province.admin)
    assert errors == ["Sheet '—': Sheet 'Điểm cầu' declares 1.000 rows; at most 50 data rows are accepted in one "
                      "file. Delete the empty rows below the data, or split the file."]


def test_a_cell_far_to_the_right_is_refused_by_the_declared_columns(province):
    workbook = book({"sites": [site_row()]})
    workbook["Điểm cầu"]["XFD2"] = "lạc chỗ"
    errors = refused(saved(workbook), province.admin)
    assert errors == ["Sheet '—': Sheet 'Điểm cầu' declares 16384 columns; at most 64 are accepted. Delete the "
                      "columns to the right of the data."]


def test_rows_beyond_the_limit_are_refused_when_no_size_is_declared(province, settings):
    settings.IMPORT_MAX_ROWS = 20
    data = xlsx({"sites": [site_row()], "devices": [device_row(serial=f"SN-{i}") for i in range(30)]})
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    assert refused(data, province.admin) == [
        "Sheet '—': The file has more than 20 data rows; split it into several files."]


def test_the_limits_are_stated_on_the_import_page(province, client_for):
    html = client_for(province.admin).get(reverse("inventory:import")).content.decode()
    assert "100.000" in html


def test_an_exported_template_round_trips_through_the_safe_reader(province, client_for):
    filled = client_for(province.admin).get(reverse("inventory:import_template"), {"filled": "1"}).content
    assert load_workbook(io.BytesIO(filled))  # a real workbook
    result = import_inventory(filled, user=province.admin, dry_run=True)
    assert result.ok and result.total["created"] == 0
