"""Import of many sites' actual settings from one Excel or CSV file, all or nothing.

The first column is the site code, the others are setting keys (the template
has them); an empty cell means “not recorded”. Every row and cell is checked
first; one error and nothing is saved, with the errors listed by row and
column. The user must be allowed to change every site in the file.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from diemcau.core.exports import ExportColumn, put_table
from diemcau.inventory import access as inventory_access
from diemcau.lib.spreadsheet import Refused, open_book
from diemcau.standards.choices import SettingsSource
from diemcau.standards.drift import FIELDS_BY_KEY, SETTING_FIELDS, normalise
from diemcau.standards.models import ConfigProfile, SiteSettings

SITE_COLUMN = "site_code"
PROFILE_COLUMN = "profile"
MAX_ROWS = 20_000


@dataclass
class SettingsImport:
    rows: list = field(default_factory=list)  # (site, profile or None, values)
    errors: list = field(default_factory=list)  # (row number, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def read_table(upload) -> list[list]:
    """Rows of the first sheet of an .xlsx, or of a UTF-8 .csv, as lists of cells."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    # Within the upload limits, streamed, and never a formula's cached value (lib.spreadsheet).
    with open_book(data) as book:
        if not book.sheets:
            return []
        sheet = book.sheets[0]
        table = []
        for row in book.rows(sheet):
            for index, cell in row.cells.items():
                if cell.kind:
                    raise Refused(_("Row %(row)s, column %(column)s: the cell holds a formula or an error; paste "
                                    "the values instead.") % {"row": row.number, "column": get_column_letter(index + 1)})
            width = max(row.cells, default=-1) + 1
            table.extend([[]] * (row.number - 1 - len(table)))  # rows the file leaves out are empty
            table.append([row.value(i) for i in range(width)])
        return table


def _check_cell(setting, value):
    """(normalised value, error or None) of one cell."""
    if value in (None, ""):
        return None, None
    if setting.kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        try:
            return int(str(value).strip()), None
        except ValueError:
            return None, _("a whole number is expected")
    if setting.kind == "bool":
        parsed = normalise(setting, value)
        return (parsed, None) if parsed is not None else (None, _("write on/off (bật/tắt, có/không)"))
    if setting.kind == "choice":
        text = str(value).strip()
        match = next((c for c in setting.choices if c.casefold() == text.casefold()), None)
        return (match, None) if match else (None, _("one of %(values)s") % {"values": ", ".join(setting.choices)})
    return str(value).strip(), None


def check_settings_table(table: list[list], *, user) -> SettingsImport:
    result = SettingsImport()
    if not table:
        result.errors.append((1, "", _("The file is empty.")))
        return result
    header = [str(c or "").strip() for c in table[0]]
    if not header or header[0] != SITE_COLUMN:
        result.errors.append((1, "A", _("The first column must be %(name)s.") % {"name": SITE_COLUMN}))
        return result
    unknown = [h for h in header[1:] if h and h not in FIELDS_BY_KEY and h != PROFILE_COLUMN]
    if unknown:
        result.errors.append((1, "", _("Unknown column(s): %(cols)s.") % {"cols": ", ".join(unknown)}))
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append((1, "", _("At most %(n)s rows per file.") % {"n": MAX_ROWS}))
        return result
    codes = [str(r[0]).strip() for r in table[1:] if r and r[0] not in (None, "")]
    sites = {s.code: s for s in inventory_access.sites_for_user(user).filter(code__in=codes)}
    profiles = {p.code: p for p in ConfigProfile.objects.filter(is_active=True)}
    seen = set()
    for number, row in enumerate(table[1:], start=2):
        if not row or all(c in (None, "") for c in row):
            continue
        code = str(row[0] or "").strip()
        site = sites.get(code)
        if site is None:
            result.errors.append((number, SITE_COLUMN, _("no site with code “%(code)s” that you can see") % {"code": code}))
            continue
        if not inventory_access.can_change_site(user, site):
            result.errors.append((number, SITE_COLUMN, _("you may not change site %(code)s") % {"code": code}))
            continue
        if code in seen:
            result.errors.append((number, SITE_COLUMN, _("site %(code)s appears twice") % {"code": code}))
            continue
        seen.add(code)
        values, profile = {}, None
        for column, value in zip(header[1:], row[1:], strict=False):
            if column == PROFILE_COLUMN:
                if value not in (None, ""):
                    profile = profiles.get(str(value).strip())
                    if profile is None:
                        result.errors.append((number, column, _("no profile with code “%(code)s”") % {"code": value}))
                continue
            if not column:
                continue
            parsed, error = _check_cell(FIELDS_BY_KEY[column], value)
            if error:
                result.errors.append((number, column, error))
            elif parsed is not None:
                values[column] = parsed
        result.rows.append((site, profile, values))
    if not result.rows and not result.errors:
        result.errors.append((2, "", _("The file has no rows.")))
    return result


@transaction.atomic
def import_settings(upload, *, user) -> SettingsImport:
    """Check the file, and save every row only when there is no error; one recomputation."""
    from diemcau.standards.services import request_verdict_recompute, site_settings_save

    checked = check_settings_table(read_table(upload), user=user)
    if not checked.ok:
        return checked
    for site, profile, values in checked.rows:
        site_settings_save(site, values=values, profile=profile, user=user, source=SettingsSource.IMPORT, recompute=False)
    ids = [site.pk for site, _profile, _values in checked.rows]
    transaction.on_commit(lambda: request_verdict_recompute(ids))
    return checked


def settings_template(user) -> bytes:
    """An .xlsx with one row per site the user may change, filled with the recorded settings."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "cau-hinh"
    header = [SITE_COLUMN, PROFILE_COLUMN] + [f.key for f in SETTING_FIELDS]
    sites = [s for s in inventory_access.sites_for_user(user).order_by("code") if inventory_access.can_change_site(user, s)]
    records = {r.site_id: r for r in SiteSettings.objects.filter(site__in=sites).select_related("profile")}
    rows = []
    for site in sites:
        record = records.get(site.pk)
        values = record.values if record else {}
        rows.append([site.code, record.profile.code if record and record.profile else ""] + [
            values.get(f.key, "") for f in SETTING_FIELDS])
    put_table(sheet, [ExportColumn(h) for h in header], rows)
    # What each column means, as a note on its header (the header itself is the key the import reads).
    notes = [_("Site code"), _("Profile code (empty: default)")] + [
        f"{f.label}{f' ({f.unit})' if f.unit else ''}. {f.help}".strip(" .") for f in SETTING_FIELDS]
    for cell, note in zip(sheet[1], notes, strict=True):
        cell.comment = Comment(str(note), "Điểm Cầu")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
