"""Lists: sorting, pagination and export to Excel or CSV from one column spec.

A list view describes its columns once (header, how to read a row, and the
sort key if sortable); the page, the .xlsx and the .csv all come from it, so
an export always has what the page shows. The files themselves are written
by ``core.exports``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import CharField, TextField

# The one export helper (no live formulas, usable columns) lives in core.exports.
from diemcau.core.exports import XLSX_TYPE, export_response  # noqa: F401
from diemcau.lib.collation import vi_order


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
    # How exports show the values (core.exports: VND, DECIMAL, DATE, DATETIME, TEXT); numbers stay numbers.
    kind: str = ""
    # Where the first column links (``link(row) -> url``); default: the row's get_absolute_url().
    link: Callable | None = None


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
        return qs.order_by(_order_term(qs.model, field, descending), "pk"), requested
    return qs.order_by(_order_term(qs.model, default.lstrip("-"), default.startswith("-")), "pk"), ""


def _order_term(model, path: str, descending: bool):
    """Text fields sort in Vietnamese order (diemcau.lib.collation); other fields as they are."""
    field = None
    try:
        for part in path.split("__"):
            field = model._meta.get_field(part)
            model = field.related_model or model
    except FieldDoesNotExist:
        field = None
    if isinstance(field, CharField | TextField) and not field.choices:
        return vi_order(f"-{path}" if descending else path)
    return f"-{path}" if descending else path


def paginate(request, qs, per_page: int | None = None):
    return Paginator(qs, per_page or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def wants_export(request) -> str | None:
    fmt = request.GET.get("export")
    return fmt if fmt in {"xlsx", "csv"} else None
