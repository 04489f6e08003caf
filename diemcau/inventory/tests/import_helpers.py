"""Builders of import workbooks for the import tests."""

import io

from openpyxl import Workbook

from diemcau.core.models import ChangeRecord
from diemcau.inventory.import_format import CONTACTS, DEVICES, LINKS, SITES
from diemcau.inventory.models import Contact, Device, Link, Organization, Site

HEADERS = {spec.key: [c.header for c in spec.columns] for spec in (SITES, DEVICES, LINKS, CONTACTS)}
TITLES = {spec.key: spec.title for spec in (SITES, DEVICES, LINKS, CONTACTS)}


def xlsx(sheets: dict) -> bytes:
    """``{"sites": [row, …]}`` with the template's headers, or ``{"Title": [[header…], row…]}`` verbatim."""
    workbook = Workbook(write_only=True)
    for key, rows in sheets.items():
        if key in HEADERS:
            sheet = workbook.create_sheet(TITLES[key])
            sheet.append(HEADERS[key])
        else:
            sheet = workbook.create_sheet(key)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def site_row(code="X-14-09", org="X-14", name="Phòng họp thôn Bản Chang", **extra):
    row = [org, code, name, "Tầng 1", "Thôn Bản Chang", "Không", 30, 2, "Có", "APC 1000", 20, "Dùng 4G"]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


def device_row(site="X-14-09", serial="SN-NEW-1", group="terminal", **extra):
    row = [site, group, "Yealink", "MeetingBar A20", serial, "1.2", "", 2022, "Tốt", 1, "SIP", "H.264",
           "G.722, Opus", "1080p", "10.0.0.5"]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


def link_row(site="X-14-09", role="Chính", provider="VNPT-CB", kind="tslcd", **extra):
    row = [site, role, provider, kind, "Cáp quang", 20, "20,5", "CB-TSLCD-9"]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


def contact_row(site="X-14-09", role="Đầu mối chính", name="Lê Thị B", phone="0987654321", **extra):
    row = [site, role, name, "Văn thư", phone, "ltb@example.gov.vn"]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


def good_file() -> bytes:
    return xlsx({
        "sites": [site_row()],
        "devices": [device_row(), device_row(serial="", group="microphone", c2="Shure", c3="MX418", c9=6),
                    device_row(serial="", group="microphone", c2="Shure", c3="MX418", c9=2)],
        "links": [link_row(), link_row(role="Dự phòng", provider="VIETTEL-CB", kind="mobile", c4="Di động 4G/5G",
                                       c7="")],
        "contacts": [contact_row(), contact_row(role="Đầu mối phụ", name="Hoàng Văn C", phone="0211 3855 123")],
    })


def counts() -> dict:
    """Rows of every model an import may write."""
    return {model.__name__: model.objects.count()
            for model in (Organization, Site, Device, Link, Contact, ChangeRecord)}
