"""Reading an uploaded .xlsx workbook safely: size limits first, then rows one at a time.

An .xlsx file is a zip of XML parts, so a few hundred kilobytes can unpack to
gigabytes (one probe: 352 KB holding 8 million shared strings took 117 s and
856 MB). Before anything is parsed, ``open_book`` checks what the archive
declares — the number of parts, each part's and the total uncompressed size
(``zipfile`` never inflates a part past its declared size, so the declaration
is a bound) — and each sheet's declared dimension. Rows are then streamed
through openpyxl's own sheet parser, keeping only the cells that are there,
with the row's hidden flag and, per cell, whether it holds a formula: an
importer must refuse formulas rather than read their (possibly missing) cached
value. The XML goes through defusedxml (openpyxl uses it when installed).

The limits are settings (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_COLUMNS``,
``IMPORT_MAX_UNPACKED_BYTES``, ``IMPORT_MAX_PART_BYTES``); a file above them
is refused in well under a second with a message that says which limit.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import WorkSheetParser

MAX_PARTS = 2000
_WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_HEAD_BYTES = 4096
_DIMENSION = re.compile(r'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')

FORMULA = "formula"
ERROR = "error"


class Refused(Exception):
    """The file is refused as a whole; the message says why, for the person who sent it."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Limits:
    rows: int = 100_000                 # data rows in the whole file
    columns: int = 64                   # columns of one sheet
    unpacked_bytes: int = 256 * 2**20   # all parts together, uncompressed
    part_bytes: int = 32 * 2**20        # one part that is not a sheet (shared strings, styles …)

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            rows=getattr(settings, "IMPORT_MAX_ROWS", cls.rows),
            columns=getattr(settings, "IMPORT_MAX_COLUMNS", cls.columns),
            unpacked_bytes=getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", cls.unpacked_bytes),
            part_bytes=getattr(settings, "IMPORT_MAX_PART_BYTES", cls.part_bytes),
        )


@dataclass(frozen=True)
class Cell:
    value: object
    kind: str = ""  # "", FORMULA or ERROR (#N/A, #REF! …)


@dataclass
class Row:
    number: int                 # as Excel numbers it
    hidden: bool
    cells: dict = field(default_factory=dict)  # 0-based column index -> Cell

    def value(self, index: int):
        cell = self.cells.get(index)
        return cell.value if cell is not None else None

    @property
    def is_empty(self) -> bool:
        return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in self.cells.values())


@dataclass
class Sheet:
    title: str
    state: str                  # "visible", "hidden" or "veryHidden"
    path: str                   # its part in the archive
    hidden_columns: set = field(default_factory=set)  # filled once reading reaches the first row

    @property
    def is_hidden(self) -> bool:
        return self.state not in ("visible", None, "")


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse an archive whose declared contents exceed the limits (nothing is inflated)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise Refused(_("The file is damaged (the workbook cannot be read). Save it again from Excel.")) from None
    if len(parts) > MAX_PARTS:
        raise Refused(_("The workbook has %(n)s parts; an Excel workbook has far fewer. Save it again from Excel.")
                      % {"n": len(parts)})
    total = sum(p.file_size for p in parts)
    if total > limits.unpacked_bytes:
        raise Refused(_("The workbook unpacks to %(size)s; the largest accepted is %(limit)s. Split it into several "
                        "files or delete unused sheets, rows and formatting.") % {
                            "size": filesizeformat(total), "limit": filesizeformat(limits.unpacked_bytes)})
    for part in parts:
        if not _WORKSHEET_PART.match(part.filename) and part.file_size > limits.part_bytes:
            raise Refused(_("The part %(part)s of the workbook unpacks to %(size)s; the largest accepted is %(limit)s "
                            "(too many distinct texts or styles). Copy only the data into the template and save "
                            "again.") % {"part": part.filename, "size": filesizeformat(part.file_size),
                                          "limit": filesizeformat(limits.part_bytes)})


class Book:
    """An opened workbook: its sheets (with their state) and their rows, streamed."""

    def __init__(self, data: bytes, limits: Limits):
        check_archive(data, limits)
        self.limits = limits
        try:
            # What load_workbook(read_only=True) does, less building its worksheets: openpyxl sizes each
            # of them by parsing the whole sheet when the file declares no dimension.
            reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            self.sheets = [Sheet(sheet.name, sheet.state, rel.target) for sheet, rel in reader.parser.find_sheets()
                           if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        except Exception:  # openpyxl raises many kinds for broken parts
            raise Refused(_("The file is damaged (the workbook cannot be read). Save it again from Excel.")) from None
        self.reader = reader

    def close(self):
        self.reader.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def declared_size(self, sheet: Sheet) -> tuple[int, int] | None:
        """(rows, columns) the sheet declares in its ``<dimension>``, read from its first bytes only."""
        with self.reader.archive.open(sheet.path) as part:
            head = part.read(_HEAD_BYTES).decode("utf-8", "replace")
        match = _DIMENSION.search(head.split("<sheetData", 1)[0])
        if match is None:
            return None
        return int(match.group(2)), column_index_from_string(match.group(1))

    def check_dimensions(self, sheet: Sheet) -> None:
        """Refuse a sheet whose declared size is above the limits, before reading its rows."""
        size = self.declared_size(sheet)
        if size is None:
            return
        rows, columns = size
        if rows > self.limits.rows + 100:
            raise Refused(_("Sheet '%(sheet)s' declares %(rows)s rows; at most %(limit)s data rows are accepted in "
                            "one file. Delete the empty rows below the data, or split the file.") % {
                                "sheet": sheet.title, "rows": _grouped(rows), "limit": _grouped(self.limits.rows)})
        if columns > self.limits.columns:
            raise Refused(_("Sheet '%(sheet)s' declares %(columns)s columns; at most %(limit)s are accepted. Delete "
                            "the columns to the right of the data.") % {
                                "sheet": sheet.title, "columns": columns, "limit": self.limits.columns})

    def rows(self, sheet: Sheet) -> Iterator[Row]:
        """The sheet's rows that exist in the file, in order, with only the cells that are there."""
        self.check_dimensions(sheet)
        book = self.reader.wb
        # openpyxl's read-only worksheet drops the row attributes (hidden) and pads every row to the widest
        # one; its parser, used directly, gives both the attributes and only the cells present.
        with self.reader.archive.open(sheet.path) as source:
            parser = WorkSheetParser(source, self.reader.shared_strings, data_only=False, epoch=book.epoch,
                                     date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            scanned = 0
            for number, cells in parser.parse():
                scanned += 1
                if scanned == 1:
                    sheet.hidden_columns = self._hidden_columns(parser.column_dimensions)
                if scanned > 2 * self.limits.rows + 1000:
                    raise Refused(_("Sheet '%(sheet)s' has more than %(limit)s rows (counting empty, formatted "
                                    "ones). Delete the empty rows below the data, or split the file.") % {
                                        "sheet": sheet.title, "limit": _grouped(self.limits.rows)})
                attributes = parser.row_dimensions.pop(str(number), None) or {}
                row = Row(number, attributes.get("hidden") in ("1", "true"))
                for cell in cells:
                    column = cell["column"]
                    if column > self.limits.columns or cell["value"] is None:
                        continue
                    kind = FORMULA if cell["data_type"] == "f" else ERROR if cell["data_type"] == "e" else ""
                    value = cell["value"] if kind != FORMULA else str(getattr(cell["value"], "text", cell["value"]))
                    row.cells[column - 1] = Cell(value, kind)
                yield row

    def _hidden_columns(self, dimensions: dict) -> set:
        hidden = set()
        for letter, attributes in dimensions.items():
            if attributes.get("hidden") not in ("1", "true"):
                continue
            first = int(attributes.get("min") or column_index_from_string(letter))
            last = min(int(attributes.get("max") or first), self.limits.columns)
            hidden.update(range(first - 1, last))
        return hidden


def _grouped(number: int) -> str:
    """12.345 — thousands grouped the Vietnamese way."""
    return f"{number:,}".replace(",", ".")


def open_book(data: bytes, limits: Limits | None = None) -> Book:
    """Open ``data`` as a workbook within ``limits`` (the settings' by default), or raise ``Refused``."""
    return Book(data, limits or Limits.from_settings())
