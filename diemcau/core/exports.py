"""Every spreadsheet and CSV file the application writes goes through here.

Two promises, for every export of every app:

- **No live formula from data.** A text that starts with ``=`` (a room named
  ``=HYPERLINK("http://…")`` by a commune user) is written to .xlsx as a
  string cell (``data_type="s"``), never as a formula; in .csv every text cell
  that a spreadsheet would read as a formula (``= + - @``, tab, carriage
  return, after any leading spaces) gets a leading ``'``, as OWASP's
  CSV-injection guidance says. Characters XML cannot hold are dropped.
- **A table people can use.** A bold header row that stays in view (frozen),
  an autofilter over the table, column widths from the content, numbers as
  numbers (VND with thousands separators as a number format, not text), dates
  and times as Excel dates in the province's time zone, yes/no as words.

Use it through:

- ``export_response(fmt, filename, columns, rows, sheet_title=…, request=…)``
  for a list page's ``?export=xlsx|csv`` (streams; columns are
  ``core.listing.Column`` or anything with ``header``, ``value`` and an
  optional ``kind``);
- ``Workbook`` and ``workbook_response`` for a report of several tables
  (``Workbook().table(title, columns, rows)`` per sheet);
- ``put(sheet, row, column, value)`` when a workbook is built cell by cell
  (the import templates, with their drop-downs and notes).
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.dispatch import Signal
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from diemcau.core import replica

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column kinds: how a column's values are shown in Excel (they stay numbers or dates).
TEXT = "text"            # always a string, even "0912…" or "=1+1"
VND = "vnd"              # money in đồng: whole number with thousands separators
NUMBER = "number"        # any number as it is
DECIMAL = "decimal"      # two decimals (speeds in Mbps)
PERCENT = "percent"      # a percentage figure such as 97.5 (the header says %)
DATE = "date"
DATETIME = "datetime"

FORMATS = {
    VND: "#,##0",
    DECIMAL: "#,##0.00",
    PERCENT: "0.0",
    DATE: "dd/mm/yyyy",
    DATETIME: "dd/mm/yyyy hh:mm",
}
EXCEL_TEXT_LIMIT = 32767  # characters in one cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTH_SAMPLE = 200  # rows read ahead to size the columns
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_HEADER_FONT = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class ExportColumn:
    """A column of a report table: its header and how its values are shown."""

    header: str
    kind: str = ""


# Values ---------------------------------------------------------------------------

def clean_text(value) -> str:
    """A string Excel can hold: no control characters XML refuses, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:EXCEL_TEXT_LIMIT]


def csv_text(value) -> str:
    """A text cell a spreadsheet will not run: OWASP's neutralisation (a leading ``'``)."""
    text = str(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def plain(value, kind: str = ""):
    """A Python value as a spreadsheet value: numbers, naive local datetimes, dates or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(_("yes")) if value else str(_("no"))
    if isinstance(value, Promise):
        return str(value)
    if kind == TEXT:
        return str(value) if not isinstance(value, list | tuple | set) else ", ".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return value.date() if kind == DATE else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _number_format(value, kind: str) -> str | None:
    if isinstance(value, dt.datetime):
        return FORMATS[DATE if kind == DATE else DATETIME]
    if isinstance(value, dt.date):
        return FORMATS[DATE]
    if isinstance(value, int | float | Decimal) and kind in FORMATS:
        return FORMATS[kind]
    return None


def put(sheet, row: int, column: int, value, kind: str = ""):
    """Write one cell of a (not write-only) sheet safely; returns the cell."""
    value = plain(value, kind)
    cell = sheet.cell(row=row, column=column)
    _fill(cell, value, kind)
    return cell


def _fill(cell, value, kind: str):
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return
    cell.value = value
    number_format = _number_format(value, kind)
    if number_format:
        cell.number_format = number_format


def put_table(sheet, columns: list, rows: Iterable, *, first_row: int = 1) -> int:
    """Write a table into a (not write-only) sheet: bold frozen header, safe cells, widths, autofilter.

    For workbooks built cell by cell (templates with drop-downs and notes);
    returns the number of the last row written.
    """
    kinds = [_kind(c) for c in columns]
    widths = [min(len(str(c.header)), 24) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = put(sheet, first_row, index, str(column.header))
        cell.font = _HEADER_FONT
        cell.alignment = _HEADER_ALIGNMENT
    last = first_row
    for last, values in enumerate(rows, start=first_row + 1):  # noqa: B007 - the last row is the result
        for index, (value, kind) in enumerate(zip(values, kinds, strict=False), start=1):
            cell = put(sheet, last, index, value, kind)
            if len(widths) >= index:
                widths[index - 1] = max(widths[index - 1], _display_length(cell.value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width + 2))
    sheet.freeze_panes = f"A{first_row + 1}"
    sheet.auto_filter.ref = f"A{first_row}:{get_column_letter(max(len(columns), 1))}{last}"
    return last


def _display_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, int | float | Decimal):
        return len(f"{value:,.2f}") if isinstance(value, float | Decimal) else len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _kind(column) -> str:
    return getattr(column, "kind", "") or ""


# Workbooks ---------------------------------------------------------------------------

class Workbook:
    """A streamed .xlsx of one or more tables, each on its own sheet."""

    def __init__(self):
        self.book = _OpenpyxlWorkbook(write_only=True)
        self.rows = 0

    def table(self, title: str, columns: list, rows: Iterable, *, caption: str = "") -> int:
        """Add a sheet: an optional caption line, the bold frozen header, the rows; returns the row count.

        ``rows`` holds lists of values in column order, or objects read by
        each column's ``value`` callable.
        """
        sheet = self.book.create_sheet(title=clean_text(title)[:31] or "-")
        rows = iter(rows)
        sample = list(islice(rows, _WIDTH_SAMPLE))
        kinds = [_kind(c) for c in columns]
        readers = [getattr(c, "value", None) for c in columns]

        def values(row):
            if readers and all(callable(r) for r in readers):
                raw = [r(row) for r in readers]
            else:
                raw = list(row)
            return [plain(v, k) for v, k in zip(raw, kinds, strict=False)]

        sample = [values(row) for row in sample]
        header_row = 2 if caption else 1
        for index, column in enumerate(columns, start=1):
            header = str(column.header)
            width = max([min(len(header), 24)] + [_display_length(r[index - 1]) for r in sample if len(r) >= index])
            sheet.column_dimensions[get_column_letter(index)].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width + 2))
        sheet.freeze_panes = f"A{header_row + 1}"
        if caption:
            cell = WriteOnlyCell(sheet)
            _fill(cell, plain(caption), "")
            cell.font = _HEADER_FONT
            sheet.append([cell])
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet)
            _fill(cell, str(column.header), "")
            cell.font = _HEADER_FONT
            cell.alignment = _HEADER_ALIGNMENT
            header.append(cell)
        sheet.append(header)
        count = 0
        for row_values in _chain(sample, (values(row) for row in rows)):
            cells = []
            for value, kind in zip(row_values, kinds, strict=False):
                cell = WriteOnlyCell(sheet)
                _fill(cell, value, kind)
                cells.append(cell)
            sheet.append(cells)
            count += 1
        last = get_column_letter(max(len(columns), 1))
        sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
        self.rows += count
        return count

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _chain(first: list, rest: Iterable):
    yield from first
    yield from rest


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def workbook_response(content: bytes, filename: str, *, request=None, what=None, rows: int | None = None) -> HttpResponse:
    """An .xlsx download named ``filename`` (give it without the extension).

    With ``request`` the download is recorded in the audit log as an export
    of ``what`` (its name; the filename when not given) with ``rows`` rows
    (when the caller knows them).
    """
    if request is not None:
        _record(request, what or filename, filename, "xlsx", rows)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}.xlsx"'
    return response


def _record(request, what, list_code: str, fmt: str, rows: int | None):
    _record_export(request, what, list_code, fmt, rows, None)


# Sent once per recorded download; the audit app writes it to the log (core imports nothing above it).
# Keyword arguments: request, what, list_code, fmt, rows (None when not known), filters (None: read them
# from the request), complete (False when a streamed download stopped before its last row).
exported = Signal()

_NOT_FILTERS = {"export", "page", "sort", "csrfmiddlewaretoken"}


def request_filters(request) -> dict:
    """The filters of a list request (its query string without export, page and sort), as stored details."""
    if request is None:
        return {}
    filters = {}
    for key in request.GET:
        if key in _NOT_FILTERS:
            continue
        values = [v for v in request.GET.getlist(key) if v != ""]
        if values:
            filters[key] = values[0] if len(values) == 1 else values
    return filters


def _record_export(request, what, list_code: str, fmt: str, rows: int | None, filters, *, complete: bool = True):
    exported.send(sender=None, request=request, what=what, list_code=str(list_code), fmt=fmt, rows=rows,
                  filters=filters, complete=complete)


def _safe_filename(name: str) -> str:
    return re.sub(r'[\\/"\r\n]', "-", str(name))


def export_response(fmt: str, filename: str, columns: list, rows: Iterable, sheet_title: str = "Data", *,
                    request=None, what=None):
    """A list's rows as .xlsx (one table) or .csv (UTF-8 with BOM so Excel reads Vietnamese).

    ``request`` names who exported: each export is then recorded in the audit
    log (who, which list, its filters, the format and the number of rows).
    The .xlsx is recorded once written; the streamed .csv when its last row
    has gone out (or when the download stopped: ``complete`` is then false).
    ``what`` names the list in the log (the sheet's title when not given).
    """
    name = f"{_safe_filename(filename)}-{_stamp()}"
    # The rows are read from the replica when one serves this request (core.replica), as they are written.
    alias = replica.read_alias(request) if request is not None else replica.current()
    if fmt == "csv":
        if request is not None:
            lines = _recorded(columns, rows, request, what or sheet_title, filename)
        else:
            lines = _csv_lines(columns, rows)
        lines = replica.iterate_reading_from(alias, lines)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    book = Workbook()
    with replica.reading_from(alias):
        book.table(sheet_title, columns, rows)
    content = book.to_bytes()
    if request is not None:
        _record(request, what or sheet_title, filename, "xlsx", book.rows)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _recorded(columns, rows, request, what, list_code):
    """The CSV's chunks as they go out; the audit row is written when the stream ends, however it ends."""
    counted = [0]
    complete = False
    try:
        yield from _csv_lines(columns, rows, counted)
        complete = True
    finally:
        _record_export(request, what, list_code, "csv", counted[0], request_filters(request), complete=complete)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return csv_text(value)


def _csv_lines(columns: list, rows: Iterable, counted: list | None = None):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([csv_text(c.header) for c in columns])
    kinds = [_kind(c) for c in columns]
    for index, row in enumerate(rows):
        writer.writerow([_csv_value(plain(c.value(row), k)) for c, k in zip(columns, kinds, strict=True)])
        if counted is not None:
            counted[0] = index + 1
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
