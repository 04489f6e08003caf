"""Reading an inventory workbook into parsed rows, every problem reported at once.

The steps, in order:

1. ``sniff`` refuses what is not an .xlsx workbook (a CSV, an old .xls,
   UTF-16 text, another zip) with a message saying what the file is.
2. ``lib.spreadsheet.open_book`` checks the declared sizes against the limits
   before anything is parsed; rows are then streamed.
3. ``data_sheets`` finds the template's sheets by name or alias. A hidden or
   very hidden data sheet, or a second sheet answering to the same name
   (``Điểm cầu`` and ``Sites``), is an error; other sheets are not read and
   the result says so.
4. ``read_sheet`` finds the header row, then parses every row: a formula
   cell is an error naming sheet, row and column ("paste the values"), so
   is a hidden row with data or a hidden column of the template; text is
   NFC-normalised by the cell parsers.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from diemcau.inventory.import_format import (
    EXAMPLE_PREFIX,
    HEADER_SEARCH_ROWS,
    SHEETS,
    SITES,
    CellError,
    ImportContext,
    SheetSpec,
    header_key,
    sniff,
)
from diemcau.lib.spreadsheet import ERROR, FORMULA, Book, Refused, open_book
from diemcau.lib.text import fold


class Bad:
    """Marks a cell that failed to parse (already reported)."""

    def __repr__(self):
        return "<bad cell>"


BAD = Bad()


@dataclass
class ParsedRow:
    number: int
    values: dict        # column key -> parsed value (only columns present), BAD when the cell is wrong
    letters: dict       # column key -> letter


@dataclass
class ParsedSheet:
    spec: SheetSpec
    title: str
    rows: list
    letters: dict

    @property
    def parsers(self) -> dict:
        if not hasattr(self, "_parsers"):
            self._parsers = {c.key: c.parse for c in self.spec.columns}
        return self._parsers

    def error(self, ctx: ImportContext, row: int | None, key: str | None, message, *, header: str | None = None):
        """Report a problem in this sheet, at a column given by its key."""
        letter = self.letters.get(key) if key else None
        if header is None and key:
            header = self.spec.column(key).header
        ctx.error(self.title, row, letter, header, message)


def read_workbook(ctx: ImportContext, data: bytes) -> list[ParsedSheet]:
    """The template's sheets of ``data``, parsed; problems go to ``ctx.result``."""
    problem = sniff(data)
    if problem:
        ctx.file_error(problem)
        return []
    try:
        with open_book(data) as book:
            sheets = _read_sheets(ctx, book)
    except Refused as exc:
        ctx.file_error(exc.message)
        return []
    except Exception:  # a part that lies about its size or checksum surfaces only while it is read
        ctx.file_error(_("The file is damaged (the workbook cannot be read). Save it again from Excel."))
        return []
    return sheets


def _read_sheets(ctx: ImportContext, book: Book) -> list[ParsedSheet]:
    found = data_sheets(ctx, book)
    sheets = []
    for spec, sheet in found:
        parsed = read_sheet(ctx, book, spec, sheet)
        if parsed is not None:
            sheets.append(parsed)
    if not found and not ctx.result.errors:
        ctx.file_error(_(
            "No sheet of the template was found. The workbook must have at least one of the sheets: "
            "%(sheets)s. Download the template from this page.") % {"sheets": ", ".join(s.title for s in SHEETS)})
    elif found and not ctx.result.errors and not any(s.rows for s in sheets):
        ctx.file_error(_("The file has headers but no data rows: nothing to import."))
    return sorted(sheets, key=lambda s: SHEETS.index(s.spec))


def data_sheets(ctx: ImportContext, book: Book) -> list:
    """(spec, sheet) for each sheet of the template in the workbook; a hidden or repeated one is an error."""
    by_name = {fold(name): spec for spec in SHEETS for name in (spec.title, *spec.aliases)}
    chosen = {}
    for sheet in book.sheets:
        spec = by_name.get(fold(sheet.title))
        if spec is None:
            ctx.result.notices.append(_("Sheet '%(sheet)s' is not a sheet of the template: it was not read.")
                                      % {"sheet": sheet.title})
            continue
        if spec.key in chosen:
            ctx.error(sheet.title, None, None, None, _(
                "This sheet is a second '%(title)s' sheet (the sheet '%(other)s' is one too): keep the data in one "
                "of them and delete the other.") % {"title": spec.title, "other": chosen[spec.key].title})
            continue
        chosen[spec.key] = sheet
        if sheet.is_hidden:
            ctx.error(sheet.title, None, None, None, _(
                "This sheet is hidden, so its data cannot be checked by the person sending it. Unhide it "
                "(right-click a sheet tab, Unhide) or delete it."))
    return [(spec, chosen[spec.key]) for spec in SHEETS if spec.key in chosen and not chosen[spec.key].is_hidden]


def read_sheet(ctx: ImportContext, book: Book, spec: SheetSpec, sheet) -> ParsedSheet | None:
    rows = book.rows(sheet)
    header, positions, seen = _find_header(spec, rows)
    if header is None:
        if any(not row.is_empty for row in seen):
            message = _("The header row was not found: the first rows must hold the column names of the template "
                        "(%(headers)s).") % {"headers": ", ".join(c.header for c in spec.columns)}
        else:
            message = _("The sheet is empty: it has no header row and no data. Delete the sheet or fill it in.")
        ctx.error(sheet.title, None, None, None, message)
        return None
    parsed = ParsedSheet(spec, sheet.title, [], {})
    present = _map_columns(ctx, parsed, header, positions, sheet.hidden_columns)
    if any(c.required and c.key not in present for c in spec.columns):
        return parsed  # the missing column is reported; the rows cannot be read without it
    for row in rows:
        if row.is_empty:
            continue
        if row.hidden:
            ctx.error(sheet.title, row.number, None, None, _(
                "This row is hidden, so its data cannot be checked by the person sending it. Unhide the rows "
                "(select the rows around it, right-click, Unhide) or delete it."))
            continue
        values = _parse_row(ctx, parsed, row, present)
        code = values.get("code" if spec is SITES else "site")
        if isinstance(code, str) and code.startswith(EXAMPLE_PREFIX):
            continue
        parsed.rows.append(ParsedRow(row.number, values, parsed.letters))
        ctx.result.rows += 1
        if ctx.result.rows > book.limits.rows:
            raise Refused(_("The file has more than %(limit)s data rows; split it into several files.")
                          % {"limit": f"{book.limits.rows:,}".replace(",", ".")})
        if ctx.result.rows % 500 == 0:
            ctx.progress(ctx.result.rows, None)
    return parsed


def _find_header(spec: SheetSpec, rows):
    """(header row, {index: column}, rows looked at) — the first row naming at least two template columns."""
    names = {header_key(name): column for column in spec.columns
             for name in (column.header, column.key, *column.aliases)}
    seen = []
    for row in rows:
        seen.append(row)
        found = {index: names[header_key(cell.value)] for index, cell in row.cells.items()
                 if header_key(cell.value) in names}
        if len(found) >= 2 or (len(found) == 1 and len(spec.columns) == 1):
            return row, found, seen
        if row.number >= HEADER_SEARCH_ROWS:
            break
    return None, {}, seen


def _map_columns(ctx: ImportContext, sheet: ParsedSheet, header, positions: dict, hidden: set) -> dict:
    """{key: index} of the template's columns in this sheet; a repeated, hidden or missing one is an error."""
    present = {}
    for index, column in sorted(positions.items()):
        letter = get_column_letter(index + 1)
        if column.key in present:
            ctx.error(sheet.title, header.number, letter, column.header, _(
                "Column '%(header)s' appears twice (also column %(other)s).") % {
                    "header": column.header, "other": sheet.letters[column.key]})
            continue
        present[column.key] = index
        sheet.letters[column.key] = letter
        if index in hidden:
            ctx.error(sheet.title, header.number, letter, column.header, _(
                "This column is hidden, so its data cannot be checked by the person sending it. Unhide it "
                "(select the columns around it, right-click, Unhide)."))
    for column in sheet.spec.columns:
        required = column.required or (column.key == "organization" and not ctx.organization_optional)
        if required and column.key not in present:
            ctx.error(sheet.title, header.number, None, column.header,
                      _("The required column '%(header)s' is missing.") % {"header": column.header})
    return present


def _parse_row(ctx: ImportContext, sheet: ParsedSheet, row, present: dict) -> dict:
    values = {}
    parsers = sheet.parsers
    for key, index in present.items():
        cell = row.cells.get(index)
        if cell is not None and cell.kind == FORMULA:
            sheet.error(ctx, row.number, key, _(
                "The cell holds a formula; paste the values instead (%(formula)s).") % {
                    "formula": str(cell.value)[:40]})
            values[key] = BAD
            continue
        if cell is not None and cell.kind == ERROR:
            sheet.error(ctx, row.number, key, _("The cell shows the error %(error)s; type the value instead.")
                        % {"error": cell.value})
            values[key] = BAD
            continue
        try:
            values[key] = parsers[key](ctx, cell.value if cell is not None else None)
        except CellError as exc:
            sheet.error(ctx, row.number, key, exc.args[0])
            values[key] = BAD
    return values
