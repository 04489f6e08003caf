"""Import of a unit's inventory from the Excel template: all or nothing.

The file has four data sheets (``Điểm cầu``, ``Thiết bị``, ``Đường truyền``,
``Cán bộ kỹ thuật``) whose header row names the columns. Sheet names and
headers are a file format, not page text: they stay Vietnamese whatever the
interface language, and the English aliases are accepted too.

How a run goes:

1. ``read_workbook`` refuses what is not an .xlsx workbook (a CSV, an old
   .xls, UTF-16 text, a damaged zip) with a message saying what the file is.
2. Every cell is parsed into a Python value; a bad cell is one error with
   sheet, row (as Excel numbers it), column letter, header and reason.
3. Rows are matched to what exists, so a re-import changes nothing:
   sites by code, devices by serial, links by circuit id or
   site + role + provider + kind, contacts by site + phone. A device without
   serial is matched by site + group + manufacturer + model and its order
   among such rows of the file (the 2nd identical row is the 2nd such device,
   oldest first). A column missing from the sheet leaves that field alone.
4. Inside one transaction every object is validated by the model's own
   ``full_clean()`` (the rules forms and the API use), saved and its history
   recorded with ``via=import``. If any error was found anywhere, or for a dry
   run, the transaction is rolled back: a bad file changes nothing, and the
   summary of a dry run is exactly what the real run will do.

The import never retires anything: rows missing from the file stay as they
are (a unit may send only its devices sheet).
"""

import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from diemcau.core.history import diff, record_change, snapshot
from diemcau.core.models import ChangeAction, ChangeVia
from diemcau.inventory import access
from diemcau.inventory.choices import (
    AUDIO_CODECS,
    ORG_KIND_OPERATOR,
    PROTOCOLS,
    VIDEO_CODECS,
    ContactRole,
    LinkMedium,
    LinkRole,
    Resolution,
    Taxonomy,
)
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term
from diemcau.lib.text import fold

# Rows whose site code starts with this are the template's examples: skipped.
EXAMPLE_PREFIX = "VIDU-"
ERRORS_SHOWN = 200
_HEADER_SEARCH_ROWS = 10

# Fixed Vietnamese labels of the technical choices (file format, like headers).
YES_NO = {True: "Có", False: "Không"}
LINK_ROLE_LABELS = {LinkRole.PRIMARY: "Chính", LinkRole.BACKUP: "Dự phòng"}
MEDIUM_LABELS = {
    LinkMedium.FIBRE: "Cáp quang", LinkMedium.COPPER: "Cáp mạng (Ethernet)",
    LinkMedium.WIFI: "Wi-Fi", LinkMedium.MOBILE: "Di động 4G/5G",
}
CONTACT_ROLE_LABELS = {ContactRole.PRIMARY: "Đầu mối chính", ContactRole.DEPUTY: "Đầu mối phụ"}
_EXTRA_ALIASES = {
    # value -> more spellings people type
    True: ["co", "yes", "y", "x", "1", "true", "c"], False: ["khong", "no", "n", "0", "false", "k"],
    LinkRole.PRIMARY: ["chinh", "primary", "chu dao"], LinkRole.BACKUP: ["du phong", "backup", "phu"],
    LinkMedium.FIBRE: ["fibre", "fiber", "quang", "cap quang"],
    LinkMedium.COPPER: ["copper", "ethernet", "lan", "cap dong", "cap mang", "day mang"],
    LinkMedium.WIFI: ["wifi", "wi-fi", "wireless", "khong day"],
    LinkMedium.MOBILE: ["mobile", "4g", "5g", "di dong", "3g"],
    ContactRole.PRIMARY: ["chinh", "primary", "dau moi"], ContactRole.DEPUTY: ["phu", "pho", "deputy", "du phong"],
}

# Characters of the old TCVN3 (ABC) font encoding that never occur in Unicode Vietnamese text.
_TCVN3_MARKS = set("¸µ¶·¹¨»¾¼½©ª«¬®Æ¤¥¦§£¢¡")
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf]|Æ[\u00a0-\u00bf]|á»|áº|â€")


class CellError(Exception):
    """A cell that cannot be read; the message says why."""


@dataclass(frozen=True)
class Column:
    key: str                    # model field, or a name the sheet handler reads
    header: str                 # Vietnamese header in the template
    parse: Callable             # (importer, raw value) -> python value, may raise CellError
    aliases: tuple = ()
    required: bool = False      # the cell must be filled; the column must exist
    choices: str = ""           # list name in the template's "Danh mục" sheet
    width: int = 16
    text: bool = False          # keep as text in Excel (phones, serials)


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: str
    aliases: tuple
    columns: tuple

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class RowError:
    sheet: str
    row: int | None
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("Sheet '%(sheet)s': %(message)s") % {"sheet": self.sheet, "message": self.message}
        return _("Sheet '%(sheet)s', row %(row)s, column %(column)s (%(header)s): %(message)s") % {
            "sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
            "message": self.message,
        }


@dataclass
class Change:
    sheet: str
    row: int
    label: str
    fields: dict


@dataclass
class ImportResult:
    """What an import found and did (or, for a dry run, would do)."""

    errors: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)   # the file itself: type, encoding, size
    counts: dict = field(default_factory=dict)        # sheet title -> Counter(created/updated/unchanged)
    changes: list = field(default_factory=list)       # updates, field by field (first ones)
    rows: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def all_errors(self) -> list:
        return self.file_errors + self.errors

    @property
    def shown_errors(self) -> list:
        return self.all_errors[:ERRORS_SHOWN]

    @property
    def total(self) -> Counter:
        total = Counter()
        for counter in self.counts.values():
            total.update(counter)
        return total


# Cell parsers ----------------------------------------------------------------

def _text(imp, raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = " ".join(str(raw).split()) if not isinstance(raw, str) else raw.strip()
    if "\ufffd" in text or any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise CellError(_("The text '%(text)s' contains unreadable characters; the file was saved with a wrong "
                          "encoding. Retype it or copy it from a Unicode source.") % {"text": text[:40]})
    if _MOJIBAKE.search(text):
        raise CellError(_("The text '%(text)s' is garbled: UTF-8 text was read with a wrong encoding. "
                          "Retype it in Unicode.") % {"text": text[:40]})
    marks = [ch for ch in text if ch in _TCVN3_MARKS]
    if (len(marks) >= 2 or set(marks) - set("®©·")) and any(ch.isalpha() for ch in text):
        raise CellError(_("The text '%(text)s' looks typed in the old TCVN3 (ABC) font encoding; convert it "
                          "to Unicode (for example with Unikey's converter).") % {"text": text[:40]})
    return text


def _long_text(imp, raw) -> str:
    if isinstance(raw, str):
        _text(imp, raw.replace("\n", " "))
        return raw.strip()
    return _text(imp, raw)


def _number(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise CellError(_("'%(value)s' is not a number.") % {"value": raw})
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # Vietnamese decimal comma: 12,5
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(_("'%(value)s' is not a number.") % {"value": str(raw).strip()[:40]}) from None
    if not value.is_finite():
        raise CellError(_("'%(value)s' is not a number.") % {"value": str(raw).strip()[:40]})
    return value


def _whole(imp, raw) -> int | None:
    value = _number(raw)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise CellError(_("'%(value)s' is not a whole number.") % {"value": raw})
    if value < 0:
        raise CellError(_("'%(value)s' is negative; the number cannot be below zero.") % {"value": raw})
    if value > 32767:
        raise CellError(_("%(value)s is out of range.") % {"value": raw})
    return int(value)


def _mbps(imp, raw) -> Decimal | None:
    value = _number(raw)
    if value is not None and value < 0:
        raise CellError(_("'%(value)s' is negative; the number cannot be below zero.") % {"value": raw})
    if value is not None and value > 100000:
        raise CellError(_("%(value)s is out of range.") % {"value": raw})
    return value.quantize(Decimal("0.01")) if value is not None else None


def _ip(imp, raw) -> str | None:
    return _text(imp, raw) or None


def _phone(imp, raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # Excel turned 0912345678 into the number 912345678: give the zero back.
        digits = str(int(raw))
        return "0" + digits if len(digits) == 9 else digits
    return _text(imp, raw)


def _choice(labels: dict, *, list_name: str):
    lookup = {}
    for value, label in labels.items():
        lookup[fold(label)] = value
        lookup[fold(str(value))] = value
        for alias in _EXTRA_ALIASES.get(value, []):
            lookup[alias] = value

    def parse(imp, raw):
        text = _text(imp, raw)
        if not text:
            return None
        key = fold(text)
        if key not in lookup:
            raise CellError(_("'%(value)s' is not one of: %(allowed)s.") % {
                "value": text, "allowed": ", ".join(labels.values())})
        return lookup[key]

    parse.list_name = list_name
    return parse


def _term(taxonomy: str):
    def parse(imp, raw):
        text = _text(imp, raw)
        if not text:
            return None
        term = imp.terms[taxonomy].get(fold(text))
        if term is None:
            raise CellError(_("'%(value)s' is not a known value; choose one of: %(allowed)s.") % {
                "value": text, "allowed": ", ".join(t.name_vi for t in imp.term_list[taxonomy])})
        return term
    return parse


def _codes(allowed: list[str]):
    canonical = {re.sub(r"[^0-9a-z]", "", v.lower()): v for v in allowed}

    def parse(imp, raw):
        text = _text(imp, raw)
        result, unknown = [], []
        for part in re.split(r"[,;/\n]+", text):
            part = part.strip()
            if not part:
                continue
            value = canonical.get(re.sub(r"[^0-9a-z]", "", part.lower()))
            if value is None:
                unknown.append(part)
            elif value not in result:
                result.append(value)
        if unknown:
            raise CellError(_("Unknown value(s): %(unknown)s. Allowed: %(allowed)s.") % {
                "unknown": ", ".join(unknown), "allowed": ", ".join(allowed)})
        return result
    return parse


def _resolution(imp, raw) -> str:
    text = _text(imp, raw)
    if not text:
        return ""
    key = re.sub(r"[^0-9a-z]", "", text.lower())
    aliases = {"4k": Resolution.UHD, "uhd": Resolution.UHD, "fullhd": Resolution.FHD, "fhd": Resolution.FHD,
               "hd": Resolution.HD, "sd": Resolution.SD}
    for value in Resolution.values:
        aliases[re.sub(r"[^0-9a-z]", "", value.lower())] = value
    if key not in aliases:
        raise CellError(_("'%(value)s' is not one of: %(allowed)s.") % {
            "value": text, "allowed": ", ".join(Resolution.values)})
    return aliases[key]


def _organization(imp, raw):
    text = _text(imp, raw)
    if not text:
        return None
    org = imp.organizations.get(fold(text))
    if org is None:
        raise CellError(_("Unknown organisation '%(value)s'; use the organisation code from the list "
                          "in the 'Danh mục' sheet.") % {"value": text})
    return org


def _operator(imp, raw):
    org = _organization(imp, raw)
    if org is not None and org.kind.code != ORG_KIND_OPERATOR:
        raise CellError(_("'%(value)s' is not a telecom operator.") % {"value": org.code})
    return org


def _site_code(imp, raw) -> str:
    return _text(imp, raw).upper()


# The file format -------------------------------------------------------------

SITES = SheetSpec("sites", "Điểm cầu", ("sites", "site", "diem cau"), (
    Column("organization", "Mã đơn vị", _organization, ("organization", "organisation", "don vi", "ma to chuc"),
           choices="organizations", width=14),
    Column("code", "Mã điểm cầu", _site_code, ("code", "site code", "ma"), required=True, width=14),
    Column("name", "Tên điểm cầu", _text, ("name", "ten"), required=True, width=34),
    Column("room", "Phòng họp", _text, ("room",), width=20),
    Column("address", "Địa chỉ", _text, ("address",), width=30),
    Column("is_hub", "Điểm cầu trung tâm tỉnh", _choice(YES_NO, list_name="yes_no"), ("hub", "is_hub"),
           choices="yes_no", width=12),
    Column("seats", "Số chỗ ngồi", _whole, ("seats",), width=10),
    Column("meetings_per_month", "Số cuộc họp của tỉnh mỗi tháng", _whole,
           ("meetings per month", "meetings_per_month"), width=14),
    Column("has_ups", "Có UPS", _choice(YES_NO, list_name="yes_no"), ("ups", "has_ups"), choices="yes_no", width=9),
    Column("ups_model", "Model UPS", _text, ("ups model", "ups_model"), width=18),
    Column("ups_runtime_min", "Thời gian lưu điện UPS (phút)", _whole,
           ("ups runtime", "ups_runtime_min", "thoi gian luu dien (phut)"), width=14),
    Column("backup_plan", "Phương án dự phòng", _long_text, ("backup plan", "backup_plan"), width=40),
    Column("notes", "Ghi chú", _long_text, ("notes",), width=30),
))

DEVICES = SheetSpec("devices", "Thiết bị", ("devices", "device", "thiet bi"), (
    Column("site", "Mã điểm cầu", _site_code, ("site", "site code"), required=True, width=14),
    Column("group", "Nhóm thiết bị", _term(Taxonomy.DEVICE_GROUP), ("group", "device group", "nhom"),
           required=True, choices="device_group", width=30),
    Column("manufacturer", "Hãng sản xuất", _text, ("manufacturer", "hang"), width=14),
    Column("model", "Model", _text, ("model", "kieu", "model thiet bi"), width=18),
    Column("serial", "Số serial", _text, ("serial", "serial number", "so seri", "s/n", "sn"), width=18, text=True),
    Column("firmware", "Phiên bản firmware/phần mềm", _text, ("firmware", "phien ban"), width=16),
    Column("software", "Phần mềm họp", _text, ("software", "meeting software"), width=16),
    Column("year", "Năm đưa vào sử dụng", _whole, ("year", "nam"), width=10),
    Column("condition", "Tình trạng", _term(Taxonomy.DEVICE_CONDITION), ("condition",),
           choices="device_condition", width=22),
    Column("quantity", "Số lượng", _whole, ("quantity", "sl"), width=8),
    Column("protocols", "Giao thức", _codes(PROTOCOLS), ("protocols",), width=16),
    Column("video_codecs", "Codec hình", _codes(VIDEO_CODECS), ("video codecs", "video_codecs"), width=16),
    Column("audio_codecs", "Codec tiếng", _codes(AUDIO_CODECS), ("audio codecs", "audio_codecs"), width=16),
    Column("max_resolution", "Độ phân giải tối đa", _resolution, ("max resolution", "max_resolution"),
           choices="resolution", width=12),
    Column("ip_address", "Địa chỉ IP quản lý", _ip, ("ip", "ip address", "ip_address", "dia chi ip"), width=16),
    Column("notes", "Ghi chú", _long_text, ("notes",), width=30),
))

LINKS = SheetSpec("links", "Đường truyền", ("links", "link", "duong truyen"), (
    Column("site", "Mã điểm cầu", _site_code, ("site", "site code"), required=True, width=14),
    Column("role", "Vai trò", _choice(LINK_ROLE_LABELS, list_name="link_role"), ("role",), required=True,
           choices="link_role", width=12),
    Column("provider", "Nhà cung cấp", _operator, ("provider", "operator", "nha mang"), choices="operators",
           width=14),
    Column("kind", "Loại đường truyền", _term(Taxonomy.LINK_KIND), ("kind", "link kind"), required=True,
           choices="link_kind", width=30),
    Column("medium", "Cách kết nối", _choice(MEDIUM_LABELS, list_name="medium"), ("medium", "ket noi"),
           required=True, choices="medium", width=18),
    Column("down_mbps", "Tốc độ tải xuống (Mbps)", _mbps, ("down", "down mbps", "download"), width=12),
    Column("up_mbps", "Tốc độ tải lên (Mbps)", _mbps, ("up", "up mbps", "upload"), width=12),
    Column("circuit_id", "Mã kênh/hợp đồng", _text, ("circuit id", "circuit_id", "ma kenh"), width=18, text=True),
    Column("notes", "Ghi chú", _long_text, ("notes",), width=30),
))

CONTACTS = SheetSpec("contacts", "Cán bộ kỹ thuật", ("contacts", "contact", "can bo", "can bo dau moi ky thuat"), (
    Column("site", "Mã điểm cầu", _site_code, ("site", "site code"), required=True, width=14),
    Column("role", "Vai trò", _choice(CONTACT_ROLE_LABELS, list_name="contact_role"), ("role",), required=True,
           choices="contact_role", width=14),
    Column("full_name", "Họ và tên", _text, ("name", "full name", "full_name", "ho ten"), required=True, width=24),
    Column("position", "Chức vụ", _text, ("position",), width=20),
    Column("phone", "Điện thoại", _phone, ("phone", "so dien thoai", "dt", "sdt"), required=True, width=14,
           text=True),
    Column("email", "Email", _text, ("email", "e-mail", "thu dien tu"), width=24),
))

SHEETS = (SITES, DEVICES, LINKS, CONTACTS)
_FK_FIELDS = ["site", "group", "condition", "kind", "provider", "organization"]


def _header_key(text) -> str:
    return fold(str(text or "").replace("(*)", "").replace("*", ""))


def _phone_key(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


# Reading the file ------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """Why these bytes are not an .xlsx workbook, or None when they may be one."""
    if not data:
        return _("The file is empty.")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return _("This is an old Excel 97-2003 (.xls) file or a password-protected workbook. Open it in Excel, "
                 "remove any password and save it as 'Excel Workbook (.xlsx)'.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _("This is a UTF-16 text file, not an Excel workbook. Fill in the template downloaded from this "
                 "page and upload it as .xlsx.")
    if data[:4] != b"PK\x03\x04":
        sample = data[:2048].lstrip(b"\xef\xbb\xbf")
        if b"\x00" not in sample and (b"," in sample or b";" in sample or b"\t" in sample or b"\n" in sample):
            return _("This is a text (CSV) file, not an Excel workbook. Fill in the template downloaded from "
                     "this page and upload it as .xlsx.")
        return _("This file is not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                return _("This file is a zip archive or another Office document, not an Excel workbook (.xlsx).")
            if archive.testzip() is not None:
                return _("The file is damaged (the workbook cannot be read). Save it again from Excel.")
    except (zipfile.BadZipFile, EOFError, ValueError):
        return _("The file is damaged (the workbook cannot be read). Save it again from Excel.")
    return None


@dataclass
class _Row:
    number: int
    values: dict        # column key -> parsed value (only columns present)
    letters: dict       # column key -> letter


@dataclass
class _Sheet:
    spec: SheetSpec
    title: str
    rows: list
    letters: dict


# The importer ----------------------------------------------------------------

class Importer:
    """One import run for one user (``None`` for the server's own command line)."""

    def __init__(self, *, user=None, organization: Organization | None = None, progress=None):
        self.user = user
        self.organization = organization
        self.progress = progress or (lambda done, total: None)
        self.result = ImportResult()
        self.terms, self.term_list = {}, {}
        for term in Term.objects.filter(is_active=True):
            lookup = self.terms.setdefault(term.taxonomy, {})
            for key in (term.code, term.name_vi, term.name_en):
                if key:
                    lookup.setdefault(fold(key), term)
            self.term_list.setdefault(term.taxonomy, []).append(term)
        self.organizations = {}
        for org in Organization.objects.filter(is_active=True).select_related("kind"):
            self.organizations[fold(org.code)] = org
            self.organizations.setdefault(fold(org.name), org)
        if user is not None:
            self.allowed_org_ids = set(access.organizations_where_user_adds_sites(user).values_list("pk", flat=True))
        else:
            self.allowed_org_ids = None  # the command line without --user: the whole province

    # errors ------------------------------------------------------------------

    def error(self, sheet: _Sheet | SheetSpec, row, key_or_letter, message, *, header=None):
        spec = sheet.spec if isinstance(sheet, _Sheet) else sheet
        title = sheet.title if isinstance(sheet, _Sheet) else sheet.title
        if header is None and key_or_letter:
            header = spec.column(key_or_letter).header
            letters = sheet.letters if isinstance(sheet, _Sheet) else {}
            letter = letters.get(key_or_letter, "—")
        else:
            letter = key_or_letter or "—"
        self.result.errors.append(RowError(title, row, letter, header or "—", str(message)))

    # reading -----------------------------------------------------------------

    def read(self, data: bytes) -> list[_Sheet]:
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for broken parts
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "The file is damaged (the workbook cannot be read). Save it again from Excel.")))
            return []
        by_name = {}
        for spec in SHEETS:
            for name in (spec.title, *spec.aliases):
                by_name[fold(name)] = spec
        sheets, seen = [], set()
        for worksheet in workbook.worksheets:
            spec = by_name.get(fold(worksheet.title))
            if spec is None or spec.key in seen:
                continue
            seen.add(spec.key)
            sheet = self._read_sheet(spec, worksheet)
            if sheet is not None:
                sheets.append(sheet)
        workbook.close()
        if not seen:
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "No sheet of the template was found. The workbook must have at least one of the sheets: "
                "%(sheets)s. Download the template from this page.") % {
                    "sheets": ", ".join(s.title for s in SHEETS)}))
        elif not self.result.errors and not any(s.rows for s in sheets):
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "The file has headers but no data rows: nothing to import.")))
        return sorted(sheets, key=lambda s: SHEETS.index(s.spec))

    def _read_sheet(self, spec: SheetSpec, worksheet) -> _Sheet | None:
        worksheet.reset_dimensions()  # some writers store a wrong size; read what is there
        rows = worksheet.iter_rows(values_only=True)
        header_keys = {}
        for column in spec.columns:
            for name in (column.header, column.key, *column.aliases):
                header_keys[_header_key(name)] = column
        header_row, positions = None, {}
        buffered = []
        for number, values in enumerate(rows, start=1):
            buffered.append(values)
            found = {i: header_keys[_header_key(v)] for i, v in enumerate(values or ()) if
                     _header_key(v) in header_keys}
            if len(found) >= 2 or (len(found) == 1 and len(spec.columns) == 1):
                header_row, positions = number, found
                break
            if number >= _HEADER_SEARCH_ROWS:
                break
        if header_row is None:
            if any(v not in (None, "") for values in buffered for v in (values or ())):
                self.error(spec, None, None, _(
                    "The header row was not found: the first rows must hold the column names of the template "
                    "(%(headers)s).") % {"headers": ", ".join(c.header for c in spec.columns)}, header="—")
            else:
                self.error(spec, None, None, _(
                    "The sheet is empty: it has no header row and no data. Delete the sheet or fill it in."),
                    header="—")
            return None
        letters, present = {}, {}
        for index, column in positions.items():
            if column.key in present:
                self.error(spec, header_row, get_column_letter(index + 1), _(
                    "Column '%(header)s' appears twice (also column %(other)s).") % {
                        "header": column.header, "other": letters[column.key]}, header=column.header)
                continue
            present[column.key] = index
            letters[column.key] = get_column_letter(index + 1)
        sheet = _Sheet(spec, worksheet.title, [], letters)
        for column in spec.columns:
            required = column.required or (column.key == "organization" and self.organization is None
                                           and not (self.user and self.user.is_unit_user))
            if required and column.key not in present:
                self.error(sheet, header_row, None, _("The required column '%(header)s' is missing.") % {
                    "header": column.header}, header=column.header)
        if any(c.required and c.key not in present for c in spec.columns):
            return sheet
        for number, values in enumerate(rows, start=header_row + 1):
            values = values or ()
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            parsed = {}
            for key, index in present.items():
                raw = values[index] if index < len(values) else None
                try:
                    parsed[key] = sheet.spec.column(key).parse(self, raw)
                except CellError as exc:
                    self.error(sheet, number, key, exc.args[0])
                    parsed[key] = _BAD
            code_key = "code" if spec is SITES else "site"
            if isinstance(parsed.get(code_key), str) and parsed[code_key].startswith(EXAMPLE_PREFIX):
                continue
            sheet.rows.append(_Row(number, parsed, letters))
            self.result.rows += 1
            if self.result.rows % 500 == 0:
                self.progress(self.result.rows, None)
        return sheet

    # matching and applying ---------------------------------------------------

    def run(self, data: bytes, *, dry_run: bool = False) -> ImportResult:
        problem = sniff(data)
        if problem:
            self.result.file_errors.append(RowError("—", None, "—", "—", problem))
            return self.result
        sheets = self.read(data)
        if self.result.file_errors:
            return self.result
        self.dry_run = dry_run
        self.total = sum(len(s.rows) for s in sheets)
        self.done = 0
        try:
            with transaction.atomic():
                self._apply(sheets)
                if self.result.errors or dry_run:
                    raise _Rollback
                self.result.applied = True
        except _Rollback:
            pass
        self.result.errors.sort(key=lambda e: (
            [s.title for s in SHEETS].index(e.sheet) if e.sheet in [s.title for s in SHEETS] else 9,
            e.row or 0, e.column))
        return self.result

    def _apply(self, sheets: list[_Sheet]):
        by_key = {s.spec.key: s for s in sheets}
        codes = {r.values.get("code") for r in by_key["sites"].rows} if "sites" in by_key else set()
        for s in sheets:
            if s.spec is not SITES:
                codes |= {r.values.get("site") for r in s.rows}
        codes.discard(None)
        codes.discard(_BAD)
        # Codes are compared in capitals: "x-14-01" in a file is the site X-14-01.
        self.db_sites = {s.code.upper(): s for s in Site.objects.annotate(upper_code=Upper("code")).filter(
            upper_code__in=codes).select_related("organization")}
        self.file_sites, self.failed_sites = {}, set()
        if "sites" in by_key:
            self._sites(by_key["sites"])
        if "devices" in by_key:
            self._devices(by_key["devices"])
        if "links" in by_key:
            self._links(by_key["links"])
        if "contacts" in by_key:
            self._contacts(by_key["contacts"])

    def _tick(self):
        self.done += 1
        if self.done % 250 == 0 or self.done == self.total:
            self.progress(self.done, self.total)

    def _count(self, sheet: _Sheet, status: str):
        self.result.counts.setdefault(sheet.title, Counter())[status] += 1

    def _assign(self, obj, row: _Row, keys):
        for key in keys:
            if key in row.values and row.values[key] is not _BAD:
                value = row.values[key]
                model_field = obj._meta.get_field(key)
                if value is None and not model_field.null and not model_field.is_relation:
                    value = model_field.get_default() if key in ("quantity", "is_hub") else ""
                setattr(obj, key, value)

    def _save(self, sheet: _Sheet, row: _Row, obj, *, before: dict | None, site_key: str, site: Site,
              deferred: list | None = None):
        """Validate with the model's own rules, then save and record history; or report why not.

        With ``deferred`` the write is only queued there: for rows nothing else depends on.
        """
        changes = diff(before, snapshot(obj)) if before is not None else None
        if before is not None and not changes:
            self._count(sheet, "unchanged")
            return
        # Foreign keys were resolved from loaded rows, and serials were checked for the whole file in
        # one query (``_devices``, same rule and message as Device.clean): skipping their per-row
        # queries is what keeps a 5,000-row file within seconds.
        exclude = [f for f in _FK_FIELDS if hasattr(obj, f + "_id")]
        serial = obj.serial if isinstance(obj, Device) else None
        if isinstance(obj, Device):
            exclude.append("serial")  # also skips the serial constraint, checked with the file
        try:
            if serial:
                Device._meta.get_field("serial").run_validators(serial)
                obj.serial = ""
            try:
                obj.full_clean(exclude=exclude)
            finally:
                if serial:
                    obj.serial = serial
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                exc = ValidationError({"serial": exc.messages})
            for name, messages in exc.message_dict.items():
                key = name if any(c.key == name for c in sheet.spec.columns) and name in row.letters else site_key
                for message in messages:
                    self.error(sheet, row.number, key, message)
            if isinstance(obj, Site):
                self.failed_sites.add(obj.code.upper())
            return
        self._count(sheet, "created" if before is None else "updated")
        if changes and len(self.result.changes) < ERRORS_SHOWN:
            labels = {str(obj._meta.get_field(name).verbose_name): pair for name, pair in changes.items()}
            self.result.changes.append(Change(sheet.title, row.number, str(obj), labels))
        if deferred is not None:
            deferred.append((sheet, row, obj, before, changes, site_key, site))
        else:
            self._write(sheet, row, obj, before, changes, site_key, site)

    def _write(self, sheet: _Sheet, row: _Row, obj, before, changes, site_key: str, site: Site):
        obj.updated_at = timezone.now()
        try:
            if before is None:
                obj.save()
            else:
                obj.save(update_fields=[f.name for f in obj._meta.concrete_fields if f.name in changes]
                         + ["updated_at"])
        except DatabaseError as exc:
            self.error(sheet, row.number, site_key, _("The database refused this row: %(reason)s") % {
                "reason": exc})
            raise _Rollback from exc
        if not self.dry_run and not self.result.errors:  # else all is rolled back: spare the history rows
            record_change(obj, user=self.user, before=before, via=ChangeVia.IMPORT, site=site,
                          action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE)

    def _may_change(self, site: Site) -> bool:
        return self.user is None or access.can_change_site(self.user, site)

    def _org_allowed(self, org: Organization) -> bool:
        if self.organization is not None and org.pk != self.organization.pk:
            return False
        return self.allowed_org_ids is None or org.pk in self.allowed_org_ids

    def _site_for(self, sheet: _Sheet, row: _Row) -> Site | None:
        """The site a device, link or contact row names, or None (with an error when it is the row's fault)."""
        code = row.values.get("site")
        if code is _BAD:
            return None
        if not code:
            self.error(sheet, row.number, "site", _("The site code is required."))
            return None
        if code in self.failed_sites:
            return None  # the site's own row already carries the error
        if code in self.file_sites:
            return self.file_sites[code]
        site = self.db_sites.get(code)
        if site is not None and site.retired_at is None and self._may_change(site) and (
                self.organization is None or site.organization_id == self.organization.pk):
            return site
        self.error(sheet, row.number, "site", _(
            "Site %(code)s is neither in the sheet 'Điểm cầu' of this file nor among the sites you may change.")
            % {"code": code})
        return None

    def _required(self, sheet: _Sheet, row: _Row, keys) -> bool:
        ok = True
        for key in keys:
            if key in row.values and row.values[key] in (None, "", []):
                self.error(sheet, row.number, key, _("This cell is required."))
                ok = False
            elif row.values.get(key) is _BAD:
                ok = False
        return ok

    # sheets ------------------------------------------------------------------

    def _sites(self, sheet: _Sheet):
        fields = [c.key for c in SITES.columns if c.key != "code"]
        first_row = {}
        for row in sheet.rows:
            self._tick()
            code = row.values.get("code")
            if code and code is not _BAD and code in first_row:
                self.error(sheet, row.number, "code", _("Site code %(code)s already appears on row %(row)s.") % {
                    "code": code, "row": first_row[code]})
                continue
            if code and code is not _BAD:
                first_row[code] = row.number
            org = row.values.get("organization")
            if org is None and "organization" in row.values or "organization" not in row.values:
                org = self.organization or (self.user.organization if self.user and self.user.is_unit_user
                                            else None)
                if org is None:
                    self.error(sheet, row.number, "organization", _("This cell is required."))
                    org = _BAD
                row.values["organization"] = org
            if not self._required(sheet, row, ["code", "name"]) or org is _BAD:
                if code and code is not _BAD:
                    self.failed_sites.add(code)
                continue
            if not self._org_allowed(org):
                self.error(sheet, row.number, "organization", _(
                    "You may import only the sites of your own organisation, not of %(org)s.") % {"org": org.code})
                self.failed_sites.add(code)
                continue
            site = self.db_sites.get(code)
            if site is not None and (not self._may_change(site) or site.retired_at is not None):
                message = (_("Site %(code)s was retired; restore it on its page before importing it.")
                           if site.retired_at is not None and self._may_change(site)
                           else _("Site code %(code)s is already used by another organisation; choose another code."))
                self.error(sheet, row.number, "code", message % {"code": code})
                self.failed_sites.add(code)
                continue
            before = snapshot(site) if site is not None else None
            if site is None:
                site = Site(code=code)
            self._assign(site, row, fields)
            self.file_sites[code] = site
            self._save(sheet, row, site, before=before, site_key="code", site=site)
            if site.pk is None:
                self.file_sites.pop(code, None)

    def _devices(self, sheet: _Sheet):
        serials = {r.values.get("serial") for r in sheet.rows} - {None, "", _BAD}
        by_serial = {d.serial: d for d in Device.objects.filter(serial__in=serials).select_related(
            "site", "group", "condition")}
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        unnamed = defaultdict(list)
        for device in Device.objects.active().filter(site_id__in=site_ids, serial="").select_related(
                "site", "group", "condition").order_by("pk"):
            unnamed[(device.site_id, device.group_id, fold(device.manufacturer), fold(device.model))].append(device)
        seen_serial, occurrences = {}, Counter()
        unknown = self.terms[Taxonomy.DEVICE_CONDITION].get("unknown")
        fields = [c.key for c in DEVICES.columns if c.key != "site"]
        deferred = []
        for row in sheet.rows:
            self._tick()
            serial = row.values.get("serial") or ""
            if serial and serial is not _BAD:
                if serial in seen_serial:
                    self.error(sheet, row.number, "serial", _("Serial %(serial)s also appears on row %(row)s.")
                               % {"serial": serial, "row": seen_serial[serial]})
                    continue
                seen_serial[serial] = row.number
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["group"]) or serial is _BAD:
                continue
            device = None
            if serial:
                device = by_serial.get(serial)
                if device is not None and (device.site_id != site.pk or device.retired_at is not None):
                    self.error(sheet, row.number, "serial", _(
                        "Serial %(serial)s is already recorded at site %(site)s.") % {
                            "serial": serial, "site": device.site.code})
                    continue
            elif site.pk:
                key = (site.pk, row.values["group"].pk, fold(row.values.get("manufacturer")),
                       fold(row.values.get("model")))
                index = occurrences[key]
                occurrences[key] += 1
                if index < len(unnamed[key]):
                    device = unnamed[key][index]
            before = snapshot(device) if device is not None else None
            if device is None:
                device = Device(site=site)
            self._assign(device, row, fields)
            if device.condition_id is None:
                device.condition = unknown
            device.site = site
            self._save(sheet, row, device, before=before, site_key="site", site=site, deferred=deferred)
        # Nothing depends on a device row, so devices are written only when the whole file is good.
        if not self.dry_run and not self.result.errors:
            for item in deferred:
                self._write(*item)

    def _links(self, sheet: _Sheet):
        existing = defaultdict(list)
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        for link in Link.objects.active().filter(site_id__in=site_ids).select_related(
                "site", "provider", "provider__kind", "kind").order_by("pk"):
            existing[link.site_id].append(link)
        plans, primary_row, seen = [], {}, {}
        fields = [c.key for c in LINKS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "kind", "medium"]):
                continue
            values = row.values
            if any(values.get(k) is _BAD for k in ("provider",)):
                continue
            if values["role"] == LinkRole.PRIMARY:
                if site.code in primary_row:
                    self.error(sheet, row.number, "role", _(
                        "Site %(code)s has two primary links in this file (rows %(first)s and %(row)s); "
                        "make one of them a backup.") % {"code": site.code, "first": primary_row[site.code],
                                                         "row": row.number})
                    continue
                primary_row[site.code] = row.number
            provider = values.get("provider")
            circuit = values.get("circuit_id") or ""
            key = (site.code, "circuit", circuit) if circuit else (
                site.code, values["role"], provider.pk if provider else None, values["kind"].pk)
            if key in seen:
                self.error(sheet, row.number, "site", _("This link repeats row %(row)s.") % {"row": seen[key]})
                continue
            seen[key] = row.number
            plans.append([row, None, site])
        # Three passes, strictest first, so a loose match never takes a link a stricter one names.
        for strictness in ("circuit", "role", "any"):
            for plan in plans:
                if plan[1] is None and plan[2].pk:
                    plan[1] = self._match_link(existing.get(plan[2].pk, []), plan[0].values, strictness)
        # Demotions to backup first, then promotions, then new links: a file may swap the primary.
        plans.sort(key=lambda p: (p[0].values["role"] == LinkRole.PRIMARY, p[1] is None, p[0].number))
        for row, link, site in plans:
            before = snapshot(link) if link is not None else None
            link = link or Link(site=site)
            self._assign(link, row, fields)
            link.site = site
            self._save(sheet, row, link, before=before, site_key="site", site=site)

    @staticmethod
    def _match_link(candidates: list, values: dict, strictness: str) -> Link | None:
        """A link of the site named by circuit id; else by role, provider and kind; else by provider and kind.

        The last pass lets a file swap the roles of a site's two links.
        """
        circuit = values.get("circuit_id") or ""
        provider_id = values["provider"].pk if values.get("provider") else None
        if strictness == "circuit":
            same = [c for c in candidates if circuit and c.circuit_id == circuit]
        else:
            same = [c for c in candidates if (c.provider_id, c.kind_id) == (provider_id, values["kind"].pk)
                    and (strictness == "any" or c.role == values["role"]) and (not circuit or not c.circuit_id)]
        if same:
            candidates.remove(same[0])
            return same[0]
        return None

    def _contacts(self, sheet: _Sheet):
        existing = {}
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        for contact in Contact.objects.active().filter(site_id__in=site_ids).select_related("site"):
            existing.setdefault((contact.site_id, _phone_key(contact.phone)), contact)
        plans, primary_row, seen = [], {}, {}
        fields = [c.key for c in CONTACTS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "full_name", "phone"]):
                continue
            phone = _phone_key(row.values["phone"])
            if (site.code, phone) in seen:
                self.error(sheet, row.number, "phone", _(
                    "Phone %(phone)s of site %(code)s also appears on row %(row)s.") % {
                        "phone": row.values["phone"], "code": site.code, "row": seen[(site.code, phone)]})
                continue
            seen[(site.code, phone)] = row.number
            if row.values["role"] == ContactRole.PRIMARY:
                if site.code in primary_row:
                    self.error(sheet, row.number, "role", _(
                        "Site %(code)s has two primary contacts in this file (rows %(first)s and %(row)s); "
                        "make one of them a deputy.") % {"code": site.code, "first": primary_row[site.code],
                                                         "row": row.number})
                    continue
                primary_row[site.code] = row.number
            plans.append((row, existing.get((site.pk, phone)) if site.pk else None, site))
        plans.sort(key=lambda p: (p[0].values["role"] == ContactRole.PRIMARY, p[1] is None, p[0].number))
        for row, contact, site in plans:
            before = snapshot(contact) if contact is not None else None
            contact = contact or Contact(site=site)
            self._assign(contact, row, fields)
            contact.site = site
            self._save(sheet, row, contact, before=before, site_key="site", site=site)


class _Rollback(Exception):
    pass


class _Bad:
    """Marks a cell that failed to parse (already reported)."""

    def __repr__(self):
        return "<bad cell>"


_BAD = _Bad()


def import_inventory(data: bytes, *, user=None, organization: Organization | None = None, dry_run: bool = False,
                     progress: Callable | None = None) -> ImportResult:
    """Import an inventory workbook, all or nothing; see the module docstring."""
    return Importer(user=user, organization=organization, progress=progress).run(data, dry_run=dry_run)


def can_import(user) -> bool:
    """Who may import: whoever may add sites to some organisation (DOST editors, unit users)."""
    return user.is_authenticated and access.organizations_where_user_adds_sites(user).exists()
