"""Import of a list of meetings from Excel, all or nothing, errors by row and column.

One row per meeting. ``diem_cau`` lists the participating site codes
(separated by commas), or ``tat_ca_xa_phuong`` for every commune and ward,
or ``loai:<kind>`` for every site of an organisation kind (``loai:department``);
these may be combined. Times are Hanoi time. Every row is checked first; one
error and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment

from diemcau.core.models import ChangeVia
from diemcau.inventory.models import Organization
from diemcau.meetings import access, services
from diemcau.meetings.choices import Importance, Level

COLUMNS = ["tieu_de", "cap", "quan_trong", "ngay", "bat_dau", "ket_thuc", "diem_cau_chu_tri", "diem_cau",
           "nen_tang", "cach_ket_noi", "ghi_chu"]
REQUIRED = ["tieu_de", "ngay", "bat_dau", "ket_thuc", "diem_cau_chu_tri", "diem_cau"]
LEVELS = {"tinh": Level.PROVINCIAL, "provincial": Level.PROVINCIAL, "so": Level.DEPARTMENT,
          "department": Level.DEPARTMENT, "don_vi": Level.UNIT, "unit": Level.UNIT}
YES = {"co", "có", "x", "1", "yes", "true"}
ALL_LOCAL = "tat_ca_xa_phuong"
MAX_ROWS = 2000


@dataclass
class MeetingImport:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (row, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _time(value):
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    text = str(value or "").strip().replace("h", ":")
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError


def _sites(text: str, visible, number: int, errors: list):
    codes, kinds, all_local = [], [], False
    for part in [p.strip() for p in str(text or "").replace(";", ",").split(",") if p.strip()]:
        if part.lower() == ALL_LOCAL:
            all_local = True
        elif part.lower().startswith("loai:"):
            kinds.append(part.split(":", 1)[1].strip())
        else:
            codes.append(part)
    found = {s.code: s for s in visible.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        errors.append((number, "diem_cau", _("no site with code %(codes)s that you may invite") % {
            "codes": ", ".join(missing)}))
    picked = services.sites_pick(kinds=kinds, sites=found.values(), all_local=all_local, within=visible)
    if not picked and not missing:
        errors.append((number, "diem_cau", _("no participating site")))
    return picked


def check_table(table: list[list], *, user) -> MeetingImport:
    from diemcau.standards.models import Platform

    result = MeetingImport()
    if not table:
        result.errors.append((1, "", _("The file is empty.")))
        return result
    header = [str(c or "").strip().lower() for c in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        result.errors.append((1, "", _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}))
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append((1, "", _("At most %(n)s rows per file.") % {"n": MAX_ROWS}))
        return result
    visible = access.schedule_sites(user)
    platforms = {p.code: p for p in Platform.objects.filter(is_active=True)}
    organizer = Organization.objects.get(pk=user.organization_id)
    for number, raw in enumerate(table[1:], start=2):
        if not raw or all(c in (None, "") for c in raw):
            continue
        row = dict(zip(header, list(raw) + [None] * (len(header) - len(raw)), strict=False))
        errors = []
        for column in REQUIRED:
            if row.get(column) in (None, ""):
                errors.append((number, column, _("this cell is required")))
        if errors:
            result.errors.extend(errors)
            continue
        try:
            day = _date(row["ngay"])
        except ValueError:
            errors.append((number, "ngay", _("write the date as dd/mm/yyyy")))
        try:
            start, end = _time(row["bat_dau"]), _time(row["ket_thuc"])
        except ValueError:
            errors.append((number, "bat_dau", _("write the time as HH:MM")))
        level = LEVELS.get(str(row.get("cap") or "tinh").strip().lower())
        if level is None:
            errors.append((number, "cap", _("one of tinh, so, don_vi")))
        host = visible.filter(code=str(row["diem_cau_chu_tri"]).strip()).first()
        if host is None:
            errors.append((number, "diem_cau_chu_tri", _("no site with code “%(code)s” that you may invite") % {
                "code": row["diem_cau_chu_tri"]}))
        platform = None
        if row.get("nen_tang") not in (None, ""):
            platform = platforms.get(str(row["nen_tang"]).strip())
            if platform is None:
                errors.append((number, "nen_tang", _("no platform with code “%(code)s”") % {"code": row["nen_tang"]}))
        sites = _sites(row["diem_cau"], visible, number, errors)
        if errors:
            result.errors.extend(errors)
            continue
        starts = timezone.make_aware(dt.datetime.combine(day, start))
        ends = timezone.make_aware(dt.datetime.combine(day, end))
        if ends <= starts:
            ends += dt.timedelta(days=1)
        important = str(row.get("quan_trong") or "").strip().lower() in YES
        result.rows.append((number, {
            "title": str(row["tieu_de"]).strip()[:300], "organizer": organizer, "host_site": host, "sites": sites,
            "starts_at": starts, "ends_at": ends, "level": level, "platform": platform,
            "importance": Importance.IMPORTANT if important else Importance.NORMAL,
            "dial_in": str(row.get("cach_ket_noi") or ""), "notes": str(row.get("ghi_chu") or "")}))
    if not result.rows and not result.errors:
        result.errors.append((2, "", _("The file has no rows.")))
    return result


def import_meetings(upload, *, user) -> MeetingImport:
    """Check the file; schedule every meeting only when no row has an error."""
    from diemcau.standards.importer import read_table

    try:
        table = read_table(upload)
    except Exception:
        result = MeetingImport()
        result.errors.append((1, "", _("The file is not an Excel (.xlsx) or CSV file that can be read.")))
        return result
    checked = check_table(table, user=user)
    if not checked.ok:
        return checked
    try:
        with transaction.atomic():
            for number, fields in checked.rows:
                try:
                    services.meeting_schedule(user=user, via=ChangeVia.IMPORT, **fields)
                except ValidationError as exc:
                    for name, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [
                            ("", exc.messages)]:
                        checked.errors.append((number, name if name != "__all__" else "", " ".join(messages)))
            if checked.errors:
                raise _Rollback
    except _Rollback:
        pass
    return checked


class _Rollback(Exception):
    pass


def template_xlsx() -> bytes:
    from diemcau.core.exports import ExportColumn, put_table

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "cuoc-hop"
    notes = [_("Title"), _("Level: tinh, so or don_vi"), _("Important: co or empty"), _("Date dd/mm/yyyy"),
             _("Start HH:MM (Hanoi time)"), _("End HH:MM"), _("Host site code"),
             _("Site codes separated by commas; tat_ca_xa_phuong; loai:department"), _("Platform code"),
             _("How to join"), _("Notes")]
    example = ["Giao ban trực tuyến tuần", "tinh", "co", "06/04/2026", "07:30", "09:00", "VP-UBND-01", ALL_LOCAL,
               "", "Phòng họp 01, mã 123456", ""]
    put_table(sheet, [ExportColumn(c) for c in COLUMNS], [example])
    for cell, note in zip(sheet[1], notes, strict=True):
        cell.comment = Comment(str(note), "Điểm Cầu")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
