"""Money is bounded at every boundary by the one vendor regex (``MONEY_RE``), our own backend included.

Starts from the issue's input: a total of ``1e999999999`` reached ``Decimal`` in the backend codec and
then ``MemoryError`` when printed as a plain decimal string. It, NaN, Infinity and absurd digit counts
are refused with a one-line ``ValidationError`` by the codec and by every mapper that reads money.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import MONEY_RE, ValidationError, money, order_from_json, parse_money
from services.sources.ordertrack.mapper import parse_order as parse_backend_order
from services.sources.payload import money as vendor_money
from services.sources.shopify.mapper import parse_order as parse_shopify_order
from services.sources.woocommerce.mapper import parse_order as parse_woo_order

from .values_support import order

HOSTILE_TEXT = [
    "1e999999999",
    "1E+999999999",
    "-1e-999999999",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "9" * 5000,
    "1" * 16,
    "0." + "1" * 11,
    "1_000",
    "+5",
    "0x10",
    "١٢٣",  # Arabic-Indic digits: Decimal reads them, the regex does not
    "",
    " ",
]
HOSTILE_JSON = ["1e999999999", "NaN", "Infinity", "-Infinity", "1" * 4000, "1e308"]
"""Money written as bare JSON literals (the decoder turns them into inf, nan or huge ints)."""


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_backend_codec_refuses_hostile_totals(text: str) -> None:
    """``1e999999999`` and friends are a one-line ValidationError naming the field, never MemoryError."""
    with pytest.raises(ValidationError, match="'total'") as caught:
        order_from_json(order("W-1", total=text))
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("literal", HOSTILE_JSON)
def test_backend_codec_refuses_hostile_json_numbers(literal: str) -> None:
    """The same amounts as JSON numbers (decoded to inf, nan or a 4000-digit int) are refused too."""
    raw = json.loads(json.dumps(order("W-1")).replace('"unit_price": "64.95"', f'"unit_price": {literal}'))
    with pytest.raises(ValidationError, match="unit_price"):
        parse_backend_order(raw)


def test_backend_codec_keeps_ordinary_amounts() -> None:
    """Plain amounts (integers, 10 decimals, negative refunds) still map and print as plain decimals."""
    o = order_from_json(order("W-1", total="-12.3456789012", tax_total=7))
    assert o.total == Decimal("-12.3456789012") and money(o.total) == "-12.3456789012"
    assert money(o.tax_total) == "7"


@pytest.mark.parametrize("value", [*HOSTILE_TEXT, float("nan"), float("inf"), -float("inf"), 1e300, 10**40, True])
def test_vendor_money_refuses_hostile_amounts(value: Any) -> None:
    """The vendor helper refuses the same amounts, JSON numbers included."""
    with pytest.raises(ValidationError, match="'price'"):
        vendor_money(value, "price", "shop line")


@pytest.mark.parametrize(
    ("parse", "payload"),
    [
        (
            parse_shopify_order,
            {
                "name": "#1001",
                "created_at": "2026-11-20T09:15:00+01:00",
                "currency": "EUR",
                "total_price": "1e999999999",
                "line_items": [],
            },
        ),
        (
            parse_woo_order,
            {
                "number": "77",
                "status": "processing",
                "date_created_gmt": "2026-11-20T09:15:00",
                "currency": "EUR",
                "total": "Infinity",
                "line_items": [],
            },
        ),
        (
            parse_woo_order,
            {
                "number": "78",
                "status": "processing",
                "date_created_gmt": "2026-11-20T09:15:00",
                "currency": "EUR",
                "total": "1.00",
                "line_items": [{"name": "Mug", "quantity": 1, "subtotal": "NaN"}],
            },
        ),
    ],
)
def test_order_mappers_refuse_hostile_money(parse: Any, payload: dict[str, Any]) -> None:
    """Shopify and WooCommerce orders with such an amount are a ValidationError (then skipped by the sync)."""
    with pytest.raises(ValidationError, match="not a decimal amount"):
        parse(payload, "order")


@given(st.one_of(st.text(max_size=40), st.from_regex(r"-?\d{1,20}(\.\d{0,12})?([eE][-+]?\d{1,12})?", fullmatch=True)))
def test_parse_money_is_total_and_bounded(text: str) -> None:
    """Any text is either refused or a decimal within 15 integer / 10 fraction digits that prints plainly."""
    result = parse_money(text)
    if result is None:
        return
    printed = money(result)
    assert MONEY_RE.match(printed) and len(printed) <= 27
    assert result == Decimal(text.strip())


@given(st.integers())
def test_integer_money_is_bounded(value: int) -> None:
    """An integer amount is taken up to 15 digits and refused beyond, without converting it to text first."""
    result = parse_money(value)
    assert (result is not None) == (abs(value) < 10**15)
