"""Line quantities are whole numbers from 1 to MAX_QUANTITY at every boundary, our own backend included.

Starts from hostile quantities (10**30, zero, negative, a boolean, a float, a digit string) in the
backend codec and the two order mappers; each is a one-line ValidationError naming the line, which
the sync turns into a skipped order (see test_values_skip_record).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import MAX_QUANTITY, ValidationError, check_quantity, order_from_json
from services.sources.shopify.mapper import parse_order as parse_shopify_order
from services.sources.woocommerce.mapper import parse_order as parse_woo_order

from .values_support import order

HOSTILE = [10**30, MAX_QUANTITY + 1, 0, -1, -(10**20), True, 1.5, "3", None]


def _line(quantity: Any) -> dict[str, Any]:
    return {"sku": "X", "name": "X", "quantity": quantity, "unit_price": "1.00"}


@pytest.mark.parametrize("quantity", HOSTILE)
def test_backend_codec_refuses_hostile_quantities(quantity: Any) -> None:
    """The codec names the line and the field; the message stays one short line even for 10**30."""
    with pytest.raises(ValidationError, match=r"items\[0\].*quantity") as caught:
        order_from_json(order("W-1", items=[_line(quantity)]))
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 160


@pytest.mark.parametrize("quantity", [10**30, 0, -3, 10**7])
def test_shopify_refuses_hostile_quantities(quantity: int) -> None:
    """A Shopify line with such a quantity fails its order (skipped by the sync, not stored)."""
    payload = {
        "name": "#1001",
        "created_at": "2026-11-20T09:15:00+01:00",
        "currency": "EUR",
        "total_price": "1.00",
        "line_items": [{"title": "Mug", "quantity": quantity, "price": "1.00"}],
    }
    with pytest.raises(ValidationError, match="quantity"):
        parse_shopify_order(payload)


@pytest.mark.parametrize("quantity", [10**30, 0, -3])
def test_woocommerce_refuses_hostile_quantities(quantity: int) -> None:
    """A WooCommerce line with such a quantity fails its order (its unit price used to divide by it)."""
    payload = {
        "number": "727",
        "status": "processing",
        "date_created_gmt": "2026-11-20T09:15:00",
        "currency": "EUR",
        "total": "1.00",
        "line_items": [{"name": "Mug", "quantity": quantity, "subtotal": "1.00"}],
    }
    with pytest.raises(ValidationError, match="quantity"):
        parse_woo_order(payload)


def test_ordinary_quantities_still_map() -> None:
    """One and the maximum are fine."""
    o = order_from_json(order("W-1", items=[_line(1), _line(MAX_QUANTITY)]))
    assert [i.quantity for i in o.items] == [1, MAX_QUANTITY]


@given(st.integers())
def test_check_quantity_accepts_exactly_the_range(value: int) -> None:
    """Any integer is accepted exactly when it lies in 1..MAX_QUANTITY."""
    try:
        assert check_quantity(value, "line") == value
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (1 <= value <= MAX_QUANTITY)
