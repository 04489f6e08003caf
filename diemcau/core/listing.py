"""Lists: sorting, pagination and export to Excel or CSV from one column spec.

A list view describes its columns once (header, how to read a row, and the
sort key if sortable); the page, the .xlsx and the .csv all come from it, so
an export always has what the page shows.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable
    sort: str | None = None
    # Optional columns are hidden on phones; export-only ones are never on the
    # page. The export always has every column.
    optional: bool = False
    export_only: bool = False


def page_columns(columns: list[Column]) -> list[Column]:
    return [c for c in columns if not c.export_only]


def sort_queryset(qs, request, columns: list[Column], default: str):
    """Apply ``?sort=key`` or ``?sort=-key`` when the key names a sortable column."""
    requested = request.GET.get("sort", "")
    descending = requested.startswith("-")
    key = requested.lstrip("-")
    by_key = {c.key: c.sort for c in columns if c.sort}
    if key in by_key:
        field = by_key[key]
        return qs.order_by(f"-{field}" if descending else field, "pk"), requested
    return qs.order_by(default, "pk"), ""


def paginate(request, qs, per_page: int | None = None):
    return Paginator(qs, per_page or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _cell_value(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool | int | float):
        return value
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return str(value)


def export_response(fmt: str, filename: str, columns: list[Column], rows: Iterable, sheet_title: str = "Data"):
    """Stream the rows as .xlsx or .csv (UTF-8 with BOM so Excel reads Vietnamese)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow([str(c.header) for c in columns])
            for index, row in enumerate(rows):
                writer.writerow([_cell_value(c.value(row)) for c in columns])
                if index % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell_value(c.value(row)) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


def wants_export(request) -> str | None:
    fmt = request.GET.get("export")
    return fmt if fmt in {"xlsx", "csv"} else None
