"""One way to write numbers, in the active language: "1.234,5 ms" in Vietnamese.

Vietnamese writes a decimal comma and a thousands dot (diemcau/formats/vi);
English the other way round. Every number a user reads goes through these
(templates through the ``num``, ``qty``, ``pct`` and ``vnd`` filters of
``{% load diemcau %}``), so a page never mixes "0.8 Mbps" with "0,2 %".
A unit is always separated from its number by a no-break space.

- ``format_number(4.372)`` → "4,37"; ``format_number(1234567)`` → "1.234.567";
  ``format_number(0.8, 2)`` → "0,80";
- ``format_quantity(70.94, "ms")`` → "70,9 ms";
- ``format_percent(0.2)`` → "0,2 %" (the value is already in percent);
- ``format_money(12500000)`` → "12.500.000 ₫".

Without ``decimals`` a number keeps about three significant digits (two
decimals below 10, one below 100, none above) and drops trailing zeros;
integers never get decimals.
"""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format

NBSP = "\u00a0"
EMPTY = "—"


def _auto_decimals(value) -> int:
    size = abs(value)
    return 2 if size < 10 else 1 if size < 100 else 0


def format_number(value, decimals: int | None = None) -> str:
    """``value`` with the active language's separators; ``EMPTY`` for None or text that is no number."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, int | float | Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
    if isinstance(value, float) and value != value:  # NaN
        return EMPTY
    trim = decimals is None
    if decimals is None:
        decimals = 0 if isinstance(value, int) or value == int(value) else _auto_decimals(value)
    rounded = round(Decimal(str(value)), decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if trim and decimals:
        separator = number_format(Decimal("0.5"), decimal_pos=1, use_l10n=True)[1]
        text = text.rstrip("0").rstrip(separator)
    return text


def format_quantity(value, unit: str, decimals: int | None = None) -> str:
    """"70,9 ms": the number, a no-break space, the unit."""
    if value is None or value == "":
        return EMPTY
    return f"{format_number(value, decimals)}{NBSP}{unit}" if unit else format_number(value, decimals)


def format_percent(value, decimals: int | None = None) -> str:
    return format_quantity(value, "%", decimals)


def format_money(value) -> str:
    """Vietnamese đồng, whole, with thousands separators: "12.500.000 ₫"."""
    return format_quantity(value, "₫", 0)
