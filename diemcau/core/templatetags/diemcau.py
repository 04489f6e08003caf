"""Template helpers shared by every app."""

import datetime
from decimal import Decimal

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from diemcau.core.columns import choose
from diemcau.lib.numbers import format_money, format_number, format_percent, format_quantity

register = template.Library()


@register.filter
def num(value, decimals=None):
    """``{{ x|num }}`` → "1.234,5"; ``{{ x|num:2 }}`` → exactly two decimals (diemcau.lib.numbers)."""
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def qty(value, unit):
    """``{{ rtt|qty:"ms" }}`` → "70,9 ms"; ``{{ bw|qty:"Mbps:1" }}`` fixes one decimal."""
    unit, _sep, decimals = str(unit).partition(":")
    return format_quantity(value, unit, int(decimals) if decimals else None)


@register.filter
def pct(value, decimals=None):
    """``{{ loss|pct }}`` → "0,2 %" (the value is already in percent)."""
    return format_percent(value, None if decimals in (None, "") else int(decimals))


@register.filter
def vnd(value):
    """``{{ cost|vnd }}`` → "12.500.000 ₫"."""
    return format_money(value)


@register.simple_tag
def cell(row, column):
    """The value of a list column for one row: what the export has, written for a reader.

    Money in đồng and other numbers in the language's number format ("12.500.000 ₫", "0,8");
    dates and times as the language writes them.
    """
    value = column.value(row)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    kind = getattr(column, "kind", "")
    if isinstance(value, bool):
        return _("yes") if value else ""
    if kind == "vnd" and isinstance(value, int | float | Decimal):
        return format_money(value)
    if kind == "percent" and isinstance(value, int | float | Decimal):
        return format_percent(value)
    if isinstance(value, int | float | Decimal):
        return format_number(value, 2 if kind == "decimal" else None)
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value


@register.filter
def field_label(name, record):
    """Verbose name of a field named in a change record."""
    model = record.content_type.model_class()
    try:
        return model._meta.get_field(name).verbose_name
    except (FieldDoesNotExist, AttributeError):
        return name


@register.simple_tag(takes_context=True)
def querystring_with(context, **kwargs):
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def table_columns(context, items, table=None, key="key", label="header", keep_first=True):
    """The columns the user chose to see in this table, and the chooser's choices (core.columns)."""
    request = context["request"]
    table = table or (request.resolver_match.view_name if request.resolver_match else request.path)
    return choose(request, items, table, key=key, label=label, keep_first=keep_first)


@register.simple_tag
def cell_url(row, column):
    """Where a row's first cell links: the column's own link, else the row's page, else nowhere."""
    link = getattr(column, "link", None)
    if link is not None:
        return link(row) or ""
    getter = getattr(row, "get_absolute_url", None)
    return getter() if getter else ""
