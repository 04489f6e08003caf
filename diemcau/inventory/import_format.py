"""The import workbook's format: sheets, columns, cell parsers, what a run reports.

Shared by the importer (``import_read`` reads the file with these specs,
``import_apply`` matches and writes) and the template builder (writing), so
the template a unit downloads is always the file the importer reads.
"""

import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

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
from diemcau.inventory.models import Organization, Term
from diemcau.lib.text import fold

# Rows whose site code starts with this are the template's examples: skipped.
EXAMPLE_PREFIX = "VIDU-"
ERRORS_SHOWN = 200
HEADER_SEARCH_ROWS = 10  # the header row is looked for among the first rows of a sheet

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
    notices: list = field(default_factory=list)       # what was not read, and why (sheets not in the template)
    rows: int = 0
    applied: bool = False
    errors_not_kept: int = 0   # beyond the ones a stored result keeps (it keeps those the page shows)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def all_errors(self) -> list:
        return self.file_errors + self.errors

    @property
    def error_count(self) -> int:
        return len(self.all_errors) + self.errors_not_kept

    @property
    def shown_errors(self) -> list:
        return self.all_errors[:ERRORS_SHOWN]

    @property
    def total(self) -> Counter:
        total = Counter()
        for counter in self.counts.values():
            total.update(counter)
        return total

    def to_dict(self) -> dict:
        """What the worker stores for the page (the errors and changes the page shows, not more)."""
        return {
            "errors": [asdict(e) for e in self.errors[:ERRORS_SHOWN]], "error_count": len(self.errors),
            "file_errors": [asdict(e) for e in self.file_errors],
            "counts": {title: dict(counter) for title, counter in self.counts.items()},
            "changes": [asdict(c) for c in self.changes], "notices": list(self.notices),
            "rows": self.rows, "applied": self.applied,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        result = cls(
            errors=[RowError(**e) for e in data.get("errors", [])],
            file_errors=[RowError(**e) for e in data.get("file_errors", [])],
            counts={title: Counter(c) for title, c in data.get("counts", {}).items()},
            changes=[Change(**c) for c in data.get("changes", [])], notices=data.get("notices", []),
            rows=data.get("rows", 0), applied=data.get("applied", False),
        )
        result.errors_not_kept = data.get("error_count", 0) - len(result.errors)
        return result


class ImportContext:
    """What one run knows while reading and applying: who imports, the lookups cells resolve to, the result.

    ``user`` is ``None`` for the server's own command line without ``--user``
    (the whole province); ``organization`` restricts the rows to one unit.
    """

    def __init__(self, *, user=None, organization=None, progress=None):
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
        # The command line without --user may import for the whole province.
        self.allowed_org_ids = None if user is None else set(
            access.organizations_where_user_adds_sites(user).values_list("pk", flat=True))

    @property
    def organization_optional(self) -> bool:
        """A unit's own staff, or a run for one organisation, may leave the organisation column out."""
        return self.organization is not None or bool(self.user and self.user.is_unit_user)

    def error(self, title: str, row: int | None, letter: str | None, header: str | None, message) -> None:
        self.result.errors.append(RowError(title, row, letter or "—", header or "—", str(message)))

    def file_error(self, message) -> None:
        self.result.file_errors.append(RowError("—", None, "—", "—", str(message)))


# Cell parsers ----------------------------------------------------------------

def _text(ctx, raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = " ".join(str(raw).split()) if not isinstance(raw, str) else raw.strip()
    # One spelling of each letter: "ộ" typed as o + two marks (NFD) is the same text, not an update.
    text = unicodedata.normalize("NFC", text)
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


def _long_text(ctx, raw) -> str:
    if isinstance(raw, str):
        _text(ctx, raw.replace("\n", " "))
        return unicodedata.normalize("NFC", raw.strip())
    return _text(ctx, raw)


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


def _whole(ctx, raw) -> int | None:
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


def _mbps(ctx, raw) -> Decimal | None:
    value = _number(raw)
    if value is not None and value < 0:
        raise CellError(_("'%(value)s' is negative; the number cannot be below zero.") % {"value": raw})
    if value is not None and value > 100000:
        raise CellError(_("%(value)s is out of range.") % {"value": raw})
    return value.quantize(Decimal("0.01")) if value is not None else None


def _ip(ctx, raw) -> str | None:
    return _text(ctx, raw) or None


def _phone(ctx, raw) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # Excel turned 0912345678 into the number 912345678: give the zero back.
        digits = str(int(raw))
        return "0" + digits if len(digits) == 9 else digits
    return _text(ctx, raw)


def _choice(labels: dict, *, list_name: str):
    lookup = {}
    for value, label in labels.items():
        lookup[fold(label)] = value
        lookup[fold(str(value))] = value
        for alias in _EXTRA_ALIASES.get(value, []):
            lookup[alias] = value

    def parse(ctx, raw):
        text = _text(ctx, raw)
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
    def parse(ctx, raw):
        text = _text(ctx, raw)
        if not text:
            return None
        term = ctx.terms[taxonomy].get(fold(text))
        if term is None:
            raise CellError(_("'%(value)s' is not a known value; choose one of: %(allowed)s.") % {
                "value": text, "allowed": ", ".join(t.name_vi for t in ctx.term_list[taxonomy])})
        return term
    return parse


def _codes(allowed: list[str]):
    canonical = {re.sub(r"[^0-9a-z]", "", v.lower()): v for v in allowed}

    def parse(ctx, raw):
        text = _text(ctx, raw)
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


def _resolution(ctx, raw) -> str:
    text = _text(ctx, raw)
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


def _organization(ctx, raw):
    text = _text(ctx, raw)
    if not text:
        return None
    org = ctx.organizations.get(fold(text))
    if org is None:
        raise CellError(_("Unknown organisation '%(value)s'; use the organisation code from the list "
                          "in the 'Danh mục' sheet.") % {"value": text})
    return org


def _operator(ctx, raw):
    org = _organization(ctx, raw)
    if org is not None and org.kind.code != ORG_KIND_OPERATOR:
        raise CellError(_("'%(value)s' is not a telecom operator.") % {"value": org.code})
    return org


def _site_code(ctx, raw) -> str:
    return _text(ctx, raw).upper()


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


def header_key(text) -> str:
    """How a header cell is compared with the template's (no accents, case or required-star)."""
    return fold(str(text or "").replace("(*)", "").replace("*", ""))


def phone_key(phone: str) -> str:
    """The digits of a phone number: how contacts are matched."""
    return "".join(ch for ch in phone if ch.isdigit())


# The kind of file ---------------------------------------------------------------

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
            # No testzip(): it would inflate every part before the size limits are checked (lib.spreadsheet).
    except (zipfile.BadZipFile, EOFError, ValueError):
        return _("The file is damaged (the workbook cannot be read). Save it again from Excel.")
    return None
