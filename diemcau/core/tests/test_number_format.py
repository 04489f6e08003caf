"""One number format: decimal comma and thousands dot in Vietnamese, units after a no-break space."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from diemcau.lib.numbers import NBSP, format_money, format_number, format_percent, format_quantity


@pytest.fixture
def vi():
    with translation.override("vi"):
        yield


def test_it_writes_vietnamese_decimals_with_a_comma_and_thousands_with_a_dot(vi):
    assert format_number(0.8) == "0,8"
    assert format_number(70.94) == "70,9"
    assert format_number(4.372) == "4,37"
    assert format_number(1234567) == "1.234.567"
    assert format_number(1234.5) == "1.234"  # about three significant digits, none above 100
    assert format_number(Decimal("12.50"), 2) == "12,50"
    assert format_number(3.0) == "3"
    assert format_number(-0.001) == "0"


def test_it_puts_the_unit_after_a_no_break_space(vi):
    assert format_quantity(0.8, "Mbps") == f"0,8{NBSP}Mbps"
    assert format_quantity(70.94, "ms", 0) == f"71{NBSP}ms"
    assert format_percent(0.2) == f"0,2{NBSP}%"
    assert format_money(12_500_000) == f"12.500.000{NBSP}₫"
    assert format_quantity(None, "ms") == "—"


def test_it_follows_the_active_language():
    with translation.override("en"):
        assert format_number(1234.56, 2) == "1,234.56"
        assert format_quantity(0.8, "Mbps") == f"0.8{NBSP}Mbps"


def test_the_template_filters_use_the_same_format(vi):
    template = Template('{% load diemcau %}{{ a|num }}|{{ a|num:2 }}|{{ b|qty:"ms" }}|{{ c|qty:"Mbps:1" }}|{{ d|pct }}|{{ e|vnd }}')
    out = template.render(Context({"a": 1234.5, "b": 70.94, "c": 2, "d": 0.25, "e": 8_000_000}))
    assert out == f"1.234|1.234,50|70,9{NBSP}ms|2,0{NBSP}Mbps|0,25{NBSP}%|8.000.000{NBSP}₫"
