"""A bad import file changes nothing and names every error by sheet, row, column and reason."""

import io
import zipfile

import pytest
from django.utils import translation

from diemcau.inventory.importer import import_inventory
from diemcau.inventory.models import Site
from diemcau.inventory.tests.import_helpers import (
    contact_row,
    counts,
    device_row,
    good_file,
    link_row,
    site_row,
    xlsx,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused(data: bytes, user, **kwargs) -> list[str]:
    """Import ``data``; assert nothing was written; return the errors as the user reads them."""
    before = counts()
    result = import_inventory(data, user=user, **kwargs)
    assert not result.ok and not result.applied
    assert counts() == before
    return [str(e) for e in result.all_errors]


def test_missing_required_column(province):
    headers = ["Mã đơn vị", "Mã điểm cầu", "Phòng họp"]
    assert refused(xlsx({"Điểm cầu": [headers, ["X-14", "X-14-09", "P1"]]}), province.admin) == [
        "Sheet 'Điểm cầu', row 1, column — (Tên điểm cầu): The required column 'Tên điểm cầu' is missing.",
    ]


def test_unknown_organisation(province):
    assert refused(xlsx({"sites": [site_row(org="X-99")]}), province.admin) == [
        "Sheet 'Điểm cầu', row 2, column A (Mã đơn vị): Unknown organisation 'X-99'; use the organisation code "
        "from the list in the 'Danh mục' sheet.",
    ]


def test_bad_numbers_non_numeric_negative_fractional_and_out_of_range(province):
    rows = [site_row(c6="ba mươi"), site_row(code="X-14-10", c7=-2), site_row(code="X-14-11", c6=12.5),
            site_row(code="X-14-12", c6=5000)]
    links = [link_row(c5="nhanh")]
    assert refused(xlsx({"sites": rows, "links": links}), province.admin) == [
        "Sheet 'Điểm cầu', row 2, column G (Số chỗ ngồi): 'ba mươi' is not a number.",
        "Sheet 'Điểm cầu', row 3, column H (Số cuộc họp của tỉnh mỗi tháng): '-2' is negative; "
        "the number cannot be below zero.",
        "Sheet 'Điểm cầu', row 4, column G (Số chỗ ngồi): '12.5' is not a whole number.",
        "Sheet 'Điểm cầu', row 5, column G (Số chỗ ngồi): Ensure this value is less than or equal to 2000.",
        "Sheet 'Đường truyền', row 2, column F (Tốc độ tải xuống (Mbps)): 'nhanh' is not a number.",
    ]


def test_duplicate_serials_in_the_file_and_against_another_site(province):
    devices = [device_row(serial="SN-DUP"), device_row(serial="SN-DUP"), device_row(site="X-14-01", serial="SN-B-1")]
    assert refused(xlsx({"sites": [site_row()], "devices": devices}), province.admin) == [
        "Sheet 'Thiết bị', row 3, column E (Số serial): Serial SN-DUP also appears on row 2.",
        "Sheet 'Thiết bị', row 4, column E (Số serial): Serial SN-B-1 is already recorded at site X-20-01.",
    ]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    ("Mã điểm cầu,Tên điểm cầu\nX-14-09,Phòng họp\n".encode(),
     "This is a text (CSV) file, not an Excel workbook. Fill in the template downloaded from this page "
     "and upload it as .xlsx."),
    ("Mã điểm cầu\tTên\n".encode("utf-16"),
     "This is a UTF-16 text file, not an Excel workbook. Fill in the template downloaded from this page "
     "and upload it as .xlsx."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
     "This is an old Excel 97-2003 (.xls) file or a password-protected workbook. Open it in Excel, remove any "
     "password and save it as 'Excel Workbook (.xlsx)'."),
    (good_file()[:3000], "The file is damaged (the workbook cannot be read). Save it again from Excel."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "This file is not an Excel workbook (.xlsx)."),
], ids=["empty", "csv", "utf16", "xls", "truncated-zip", "picture"])
def test_wrong_file_types_and_encodings(province, data, message):
    assert refused(data, province.admin) == [f"Sheet '—': {message}"]


def test_a_zip_that_is_not_a_workbook(province):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(out.getvalue(), province.admin) == [
        "Sheet '—': This file is a zip archive or another Office document, not an Excel workbook (.xlsx)."]


def test_garbled_text_from_wrong_encodings(province):
    rows = [site_row(name="Hội trường UBND xã ThÃ´ng NÃ´ng"), site_row(code="X-14-10", name="Héi tr­êng x· Th«ng N«ng")]
    assert refused(xlsx({"sites": rows}), province.admin) == [
        "Sheet 'Điểm cầu', row 2, column C (Tên điểm cầu): The text 'Hội trường UBND xã ThÃ´ng NÃ´ng' is garbled: "
        "UTF-8 text was read with a wrong encoding. Retype it in Unicode.",
        "Sheet 'Điểm cầu', row 3, column C (Tên điểm cầu): The text 'Héi tr\xadêng x· Th«ng N«ng' looks typed in the "
        "old TCVN3 (ABC) font encoding; convert it to Unicode (for example with Unikey's converter).",
    ]


def test_an_empty_sheet_and_a_file_with_only_headers(province):
    assert refused(xlsx({"sites": [], "Thiết bị": []}), province.admin) == [
        "Sheet 'Thiết bị': The sheet is empty: it has no header row and no data. Delete the sheet or fill it in.",
    ]
    assert refused(xlsx({"sites": [], "devices": []}), province.admin) == [
        "Sheet '—': The file has headers but no data rows: nothing to import.",
    ]
    assert refused(xlsx({"Sheet1": [["a", "b"], [1, 2]]}), province.admin) == [
        "Sheet '—': No sheet of the template was found. The workbook must have at least one of the sheets: "
        "Điểm cầu, Thiết bị, Đường truyền, Cán bộ kỹ thuật. Download the template from this page.",
    ]


def test_rows_are_numbered_as_excel_shows_them_below_title_and_blank_rows(province):
    from diemcau.inventory.tests.import_helpers import HEADERS

    sheet = [["DANH SÁCH THIẾT BỊ XÃ THÔNG NÔNG"], [], HEADERS["devices"], [], device_row(site="X-14-01", c7=1890)]
    assert refused(xlsx({"Thiết bị": sheet}), province.tech) == [
        "Sheet 'Thiết bị', row 5, column H (Năm đưa vào sử dụng): Ensure this value is greater than or equal to 1990.",
    ]


def test_unknown_taxonomy_values(province):
    devices = [device_row(group="Máy fax", c8="Khá", c10="SIP, Zoom", c13="8K")]
    links = [link_row(c3="vệ tinh", c4="cáp đồng trục")]
    assert refused(xlsx({"sites": [site_row()], "devices": devices, "links": links}), province.admin) == [
        "Sheet 'Thiết bị', row 2, column B (Nhóm thiết bị): 'Máy fax' is not a known value; choose one of: "
        "Thiết bị đầu cuối (codec), Máy tính và phần mềm họp, Camera, Micro, Loa, Bộ xử lý âm thanh, bàn trộn, "
        "Màn hình, máy chiếu, Bộ điều khiển, Thiết bị mạng (switch, router, modem), Nguồn điện, UPS, ổn áp, "
        "Cáp, phụ kiện, Phần mềm, bản quyền.",
        "Sheet 'Thiết bị', row 2, column I (Tình trạng): 'Khá' is not a known value; choose one of: Tốt, "
        "Xuống cấp, hoạt động không ổn định, Hỏng, Chưa đánh giá.",
        "Sheet 'Thiết bị', row 2, column K (Giao thức): Unknown value(s): Zoom. Allowed: SIP, H.323, WebRTC, "
        "H.320, Proprietary.",
        "Sheet 'Thiết bị', row 2, column N (Độ phân giải tối đa): '8K' is not one of: 480p, 720p, 1080p, 2160p.",
        "Sheet 'Đường truyền', row 2, column D (Loại đường truyền): 'vệ tinh' is not a known value; choose one "
        "of: Mạng truyền số liệu chuyên dùng, Kênh thuê riêng, Internet cáp quang, Di động 4G/5G, Khác.",
        "Sheet 'Đường truyền', row 2, column E (Cách kết nối): 'cáp đồng trục' is not one of: Cáp quang, "
        "Cáp mạng (Ethernet), Wi-Fi, Di động 4G/5G.",
    ]


def test_bad_phone_email_and_ip(province):
    contacts = [contact_row(phone="09123"), contact_row(role="Đầu mối phụ", phone="0988 111 222", c5="không có")]
    devices = [device_row(c14="10.0.0.300")]
    assert refused(xlsx({"sites": [site_row()], "devices": devices, "contacts": contacts}), province.admin) == [
        "Sheet 'Thiết bị', row 2, column O (Địa chỉ IP quản lý): Enter a valid IPv4 or IPv6 address.",
        "Sheet 'Cán bộ kỹ thuật', row 2, column E (Điện thoại): A phone number has 8 to 15 digits.",
        "Sheet 'Cán bộ kỹ thuật', row 3, column F (Email): Enter a valid email address.",
    ]


def test_two_primary_links_or_contacts_for_one_site(province):
    links = [link_row(), link_row(provider="VIETTEL-CB", kind="internet_ftth", c7="")]
    contacts = [contact_row(), contact_row(name="Trần C", phone="0977000111")]
    assert refused(xlsx({"sites": [site_row()], "links": links, "contacts": contacts}), province.admin) == [
        "Sheet 'Đường truyền', row 3, column B (Vai trò): Site X-14-09 has two primary links in this file "
        "(rows 2 and 3); make one of them a backup.",
        "Sheet 'Cán bộ kỹ thuật', row 3, column B (Vai trò): Site X-14-09 has two primary contacts in this file "
        "(rows 2 and 3); make one of them a deputy.",
    ]


def test_a_site_code_used_by_a_row_but_defined_nowhere(province):
    data = xlsx({"sites": [site_row()], "devices": [device_row(site="X-14-77")], "contacts": [contact_row(site="")]})
    assert refused(data, province.admin) == [
        "Sheet 'Thiết bị', row 2, column A (Mã điểm cầu): Site X-14-77 is neither in the sheet 'Điểm cầu' of this "
        "file nor among the sites you may change.",
        "Sheet 'Cán bộ kỹ thuật', row 2, column A (Mã điểm cầu): The site code is required.",
    ]


def test_a_bad_site_row_reports_once_and_its_devices_are_still_checked(province):
    data = xlsx({"sites": [site_row(name="")], "devices": [device_row(c7="năm ngoái"), device_row(serial="S2")]})
    assert refused(data, province.admin) == [
        "Sheet 'Điểm cầu', row 2, column C (Tên điểm cầu): This cell is required.",
        "Sheet 'Thiết bị', row 2, column H (Năm đưa vào sử dụng): 'năm ngoái' is not a number.",
    ]


def test_a_unit_user_cannot_take_over_or_reach_another_organisations_site(province):
    data = xlsx({"sites": [site_row(code="X-20-01")], "devices": [device_row(site="X-20-01")],
                 "contacts": [contact_row(site="SYT-01")]})
    assert refused(data, province.tech) == [
        "Sheet 'Điểm cầu', row 2, column B (Mã điểm cầu): Site code X-20-01 is already used by another "
        "organisation; choose another code.",
        "Sheet 'Cán bộ kỹ thuật', row 2, column A (Mã điểm cầu): Site SYT-01 is neither in the sheet 'Điểm cầu' of "
        "this file nor among the sites you may change.",
    ]


def test_a_retired_site_must_be_restored_before_it_is_imported(province):
    from django.utils import timezone

    Site.objects.filter(pk=province.site_a2.pk).update(retired_at=timezone.now())
    assert refused(xlsx({"sites": [site_row(code="X-14-02")]}), province.head) == [
        "Sheet 'Điểm cầu', row 2, column B (Mã điểm cầu): Site X-14-02 was retired; restore it on its page "
        "before importing it.",
    ]


def test_a_5000_row_file_with_one_mistake_near_the_end_writes_nothing(province):
    devices = [device_row(site="X-14-01", serial=f"BULK-{i:05d}", c14=None) for i in range(5000)]
    devices[4998][4] = "BULK-00007"
    assert refused(xlsx({"devices": devices}), province.tech) == [
        "Sheet 'Thiết bị', row 5000, column E (Số serial): Serial BULK-00007 also appears on row 9.",
    ]


def test_every_error_is_reported_not_only_the_first(province):
    devices = [device_row(site="X-14-01", serial=f"E-{i}", c7=1700 + i) for i in range(300)]
    before = counts()
    result = import_inventory(xlsx({"devices": devices}), user=province.admin)
    assert counts() == before
    assert len(result.all_errors) == 290  # years 1700 … 1989
    assert len(result.shown_errors) == 200  # the page shows the first ones and the count of all
    assert result.all_errors[0].message == "Ensure this value is greater than or equal to 1990."


def test_example_rows_of_the_template_are_ignored(province):
    data = xlsx({"sites": [site_row(code="VIDU-01")], "devices": [device_row(site="VIDU-01")]})
    assert refused(data, province.admin) == ["Sheet '—': The file has headers but no data rows: nothing to import."]


def test_an_export_of_the_site_list_is_refused_cleanly(province, client_for):
    export = client_for(province.admin).get("/sites/?export=xlsx").content
    errors = refused(export, province.admin)
    assert len(errors) == 1 and "No sheet of the template was found" in errors[0]


def test_errors_read_in_vietnamese_by_default(province):
    data = xlsx({"devices": [device_row(site="X-14-01", serial="SN-B-1")]})
    with translation.override("vi"):
        errors = refused(data, province.admin)
    assert errors == ["Sheet 'Thiết bị', dòng 2, cột E (Số serial): Số serial SN-B-1 đã có ở điểm cầu X-20-01."]
