"""The Excel template a unit fills in to import its inventory.

Built from the same column specs the importer reads (``import_format.SHEETS``),
so the two cannot drift apart. Dropdowns come from the ``Term`` table and
the organisations; the example rows have codes starting with ``VIDU-`` and
are skipped on import. With ``filled=True`` the sheets hold the user's
current inventory instead of examples: edit and import it back, and only
what was changed is recorded.
"""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from diemcau.core.exports import TEXT, put
from diemcau.inventory import access
from diemcau.inventory.choices import Resolution, Taxonomy
from diemcau.inventory.import_format import (
    CONTACT_ROLE_LABELS,
    CONTACTS,
    DEVICES,
    EXAMPLE_PREFIX,
    LINK_ROLE_LABELS,
    LINKS,
    MEDIUM_LABELS,
    SHEETS,
    SITES,
    YES_NO,
)
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term

LISTS_TITLE = "Danh mục"
GUIDE_TITLE = "Hướng dẫn"
DATA_ROWS = 5000  # dropdowns and text formats cover this many rows

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="9C2A00")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def _hints() -> dict:
    return {
        "organization": _("Organisation code from the 'Danh mục' sheet. May be left empty by a unit's own staff."),
        "code": _("Unique site code, e.g. X-14-01. Used to find the site again on the next import."),
        "is_hub": _("Có (yes) only for the province's main conference room."),
        "has_ups": _("Có / Không; leave empty if not known."),
        "group": _("Choose from the list."),
        "serial": _("Serial number on the label; unique in the province. Used to find the device again."),
        "year": _("Year the device was put into service, e.g. 2019."),
        "condition": _("Choose from the list; empty means not assessed."),
        "quantity": _("For identical items without serial (e.g. 6 microphones). Empty means 1."),
        "protocols": _("Separate several values with commas, e.g. SIP, H.323."),
        "video_codecs": _("Separate several values with commas, e.g. H.264, H.265."),
        "audio_codecs": _("Separate several values with commas, e.g. G.711, G.722, Opus."),
        "role": _("Choose from the list. A site has at most one primary."),
        "provider": _("Operator code from the 'Danh mục' sheet (e.g. VNPT-CB)."),
        "down_mbps": _("Contracted speed in Mbps; use a dot or a comma for decimals."),
        "phone": _("Mobile or desk phone, 8 to 15 digits."),
    }


def _lists(user) -> dict[str, tuple[str, list, list]]:
    """List name -> (title, values, descriptions) for the 'Danh mục' sheet."""
    terms = {}
    for term in Term.objects.filter(is_active=True, taxonomy__in=[
            Taxonomy.DEVICE_GROUP, Taxonomy.DEVICE_CONDITION, Taxonomy.LINK_KIND]):
        terms.setdefault(term.taxonomy, []).append(term)
    orgs = list(access.organizations_where_user_adds_sites(user).order_by("code")) if user else list(
        Organization.objects.units().filter(is_active=True).order_by("code"))
    operators = list(Organization.objects.operators().filter(is_active=True).order_by("code"))
    return {
        "organizations": ("Mã đơn vị", [o.code for o in orgs], [o.name for o in orgs]),
        "operators": ("Nhà cung cấp", [o.code for o in operators], [o.name for o in operators]),
        "device_group": ("Nhóm thiết bị", [t.name_vi for t in terms.get(Taxonomy.DEVICE_GROUP, [])], []),
        "device_condition": ("Tình trạng", [t.name_vi for t in terms.get(Taxonomy.DEVICE_CONDITION, [])], []),
        "link_kind": ("Loại đường truyền", [t.name_vi for t in terms.get(Taxonomy.LINK_KIND, [])], []),
        "link_role": ("Vai trò đường truyền", list(LINK_ROLE_LABELS.values()), []),
        "medium": ("Cách kết nối", list(MEDIUM_LABELS.values()), []),
        "contact_role": ("Vai trò cán bộ", list(CONTACT_ROLE_LABELS.values()), []),
        "yes_no": ("Có/Không", list(YES_NO.values()), []),
        "resolution": ("Độ phân giải", list(Resolution.values), []),
    }


def _write_lists(workbook, lists) -> dict[str, str]:
    sheet = workbook.create_sheet(LISTS_TITLE)
    ranges, col = {}, 1
    for name, (title, values, descriptions) in lists.items():
        letter = get_column_letter(col)
        put(sheet, 1, col, title).font = Font(bold=True)
        sheet.column_dimensions[letter].width = 30 if not descriptions else 16
        for index, value in enumerate(values, start=2):
            put(sheet, index, col, value)
        ranges[name] = f"'{LISTS_TITLE}'!${letter}$2:${letter}${max(len(values), 1) + 1}"
        if descriptions:
            col += 1
            put(sheet, 1, col, "Tên").font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(col)].width = 40
            for index, value in enumerate(descriptions, start=2):
                put(sheet, index, col, value)
        col += 2
    sheet.freeze_panes = "A2"
    return ranges


def _write_guide(workbook, example_org: str):
    sheet = workbook.active
    sheet.title = GUIDE_TITLE
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 12
    sheet.column_dimensions["D"].width = 70
    lines = [
        _("Inventory import template — Điểm Cầu"),
        "",
        _("1. Fill in the sheets 'Điểm cầu' (sites), 'Thiết bị' (devices), 'Đường truyền' (links) and "
          "'Cán bộ kỹ thuật' (technical contacts). A sheet you do not need may stay empty or be deleted."),
        _("2. Columns with a red header and * are required. Keep the header row as it is; do not rename sheets."),
        _("3. Grey rows with codes starting with %(prefix)s are examples: they are ignored. Delete them or "
          "write below them.") % {"prefix": EXAMPLE_PREFIX},
        _("4. Choose taxonomy values from the dropdowns; the codes and full lists are in the sheet 'Danh mục'."),
        _("5. Sites are found again by their code, devices by serial, links by circuit id (or site, role, "
          "provider and kind), contacts by site and phone: importing the same file twice changes nothing, "
          "and a changed cell changes only that field."),
        _("6. Upload the file on the import page. It is checked first and nothing is saved until you confirm; "
          "a file with any error saves nothing and lists every error by sheet, row and column."),
        _("7. Rows not in the file are not deleted: retire a site or device on its page."),
        _("Your organisation code: %(code)s") % {"code": example_org} if example_org else "",
        "",
    ]
    for index, line in enumerate(lines, start=1):
        put(sheet, index, 1, line)
    sheet["A1"].font = Font(bold=True, size=14)
    row = len(lines) + 1
    for col, title in enumerate([_("Sheet"), _("Column"), _("Required"), _("What to write")], start=1):
        put(sheet, row, col, title).font = Font(bold=True)
    hints = _hints()
    for spec in SHEETS:
        for column in spec.columns:
            row += 1
            put(sheet, row, 1, spec.title)
            put(sheet, row, 2, column.header)
            put(sheet, row, 3, "*" if column.required else "")
            cell = put(sheet, row, 4, str(hints.get(column.key, "")))
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _examples(org_code: str, operator_code: str, lists: dict) -> dict:
    first = lambda name, index=0: (lists[name][1][index:index + 1] or [""])[0]  # noqa: E731
    return {
        "sites": [[org_code, f"{EXAMPLE_PREFIX}01", "Hội trường UBND xã (ví dụ)", "Tầng 2", "Thôn Bản Chang",
                   "Không", 60, 4, "Có", "APC SRV3KI", 30,
                   "Họp bằng máy tính dự phòng qua 4G; gọi VNPT 0206 3800 126"]],
        "devices": [[f"{EXAMPLE_PREFIX}01", first("device_group"), "Poly", "Group 500", "VIDU-SN-0001",
                     "6.2.2", "", 2019, first("device_condition"), 1, "SIP, H.323", "H.264, H.265",
                     "G.711, G.722", "1080p", "10.10.1.20"],
                    [f"{EXAMPLE_PREFIX}01", first("device_group", 3), "Shure", "MX418", "", "", "", 2017,
                     first("device_condition"), 6]],
        "links": [[f"{EXAMPLE_PREFIX}01", LINK_ROLE_LABELS["primary"], operator_code, first("link_kind"),
                   MEDIUM_LABELS["fibre"], 10, 10, "TSLCD-CB-0001"]],
        "contacts": [[f"{EXAMPLE_PREFIX}01", CONTACT_ROLE_LABELS["primary"], "Nguyễn Văn A", "Chuyên viên",
                      "0912345678", "nva@example.gov.vn"]],
    }


def export_value(column, obj):
    """The cell an object's field becomes in the template (what the importer reads back)."""
    key = column.key
    value = getattr(obj, key, None)
    if key == "site":
        return obj.site.code
    if key in ("organization", "provider"):
        return value.code if value is not None else None
    if key in ("group", "condition", "kind"):
        return value.name_vi
    if key in ("is_hub", "has_ups"):
        return YES_NO.get(value)
    if key == "role":
        return (LINK_ROLE_LABELS if isinstance(obj, Link) else CONTACT_ROLE_LABELS).get(value)
    if key == "medium":
        return MEDIUM_LABELS.get(value)
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, Decimal):
        return float(value)
    return value if value not in ("",) else None


def _current_rows(user) -> dict:
    sites = access.sites_for_user(user) if user else None
    if sites is not None and not user.edits_province:
        sites = sites.filter(organization__in=access.organizations_where_user_adds_sites(user))
    sites = (sites if sites is not None else Site.objects.active()).select_related("organization")
    rows = {"sites": [[export_value(c, s) for c in SITES.columns] for s in sites.order_by("code")]}
    querysets = {
        "devices": (DEVICES, Device.objects.active().filter(site__in=sites).select_related(
            "site", "group", "condition").order_by("site__code", "pk")),
        "links": (LINKS, Link.objects.active().filter(site__in=sites).select_related(
            "site", "provider", "kind").order_by("site__code", "pk")),
        "contacts": (CONTACTS, Contact.objects.active().filter(site__in=sites).select_related(
            "site").order_by("site__code", "pk")),
    }
    for key, (spec, qs) in querysets.items():
        rows[key] = [[export_value(c, obj) for c in spec.columns] for obj in qs]
    return rows


def build_template(user=None, *, filled: bool = False) -> bytes:
    """The .xlsx template for ``user`` (its organisation's codes); with ``filled``, their current data."""
    lists = _lists(user)
    org_code = user.organization.code if user is not None and user.is_unit_user and user.organization_id else ""
    workbook = Workbook()
    _write_guide(workbook, org_code)
    sheets = {spec.key: workbook.create_sheet(spec.title) for spec in SHEETS}
    ranges = _write_lists(workbook, lists)
    operator_code = (lists["operators"][1] or [""])[0]
    data = _current_rows(user) if filled else _examples(org_code or (lists["organizations"][1] or [""])[0],
                                                         operator_code, lists)
    hints = _hints()
    for spec in SHEETS:
        sheet = sheets[spec.key]
        sheet.freeze_panes = "A2"
        for col, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(col)
            # A unit's own staff may leave the organisation out: it can only be theirs.
            required = column.required or (column.key == "organization" and not org_code)
            cell = put(sheet, 1, col, column.header + (" *" if required else ""))
            cell.font = _HEADER_FONT
            cell.fill = _REQUIRED_FILL if required else _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if column.key in hints:
                cell.comment = Comment(str(hints[column.key]), "Điểm Cầu")
            sheet.column_dimensions[letter].width = column.width
            target = f"{letter}2:{letter}{DATA_ROWS + 1}"
            if column.choices:
                validation = DataValidation(type="list", formula1=ranges[column.choices], allow_blank=True,
                                            errorStyle="warning", showErrorMessage=True)
                validation.error = _("Choose a value from the list (see the sheet 'Danh mục').")
                sheet.add_data_validation(validation)
                validation.add(target)
            if column.text:  # keep leading zeros of phones and serials
                sheet.column_dimensions[letter].number_format = "@"
        sheet.row_dimensions[1].height = 32
        for index, values in enumerate(data[spec.key], start=2):
            for col, (value, column) in enumerate(zip(values, spec.columns, strict=False), start=1):
                cell = put(sheet, index, col, value, TEXT if column.text else "")
                if not filled:
                    cell.font = _EXAMPLE_FONT
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{len(data[spec.key]) + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
