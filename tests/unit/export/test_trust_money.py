"""Amounts keep their currency's ISO 4217 minor units everywhere: JSON, CSV, PDF and the screen.

JPY has none ("4000", not "4000.00"), EUR two, KWD three. Padding and trimming never round: a
digit that is not zero is never dropped.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from services.domain import (
    Channel,
    LineItem,
    Order,
    OrderStatus,
    amount_text,
    minor_units,
    order_from_json,
    order_to_json,
)
from services.export import write_csv, write_json, write_pdf
from services.sources.registry import normalize
from views import formatting as fmt

from .conftest import pdf_text

PLACED = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)

# currency, total, tax, unit price as a source sends it, quantity -> what every output writes
CASES = [
    ("JPY", "8580.00", "780", "4000.00", 2, {"total": "8580", "tax": "780", "unit": "4000", "line": "8000"}),
    ("EUR", "129.9", "20.74", "64.95", 2, {"total": "129.90", "tax": "20.74", "unit": "64.95", "line": "129.90"}),
    ("KWD", "12.5", "0", "6.250", 2, {"total": "12.500", "tax": "0.000", "unit": "6.250", "line": "12.500"}),
]


def _order(currency: str, total: str, tax: str, unit: str, qty: int) -> Order:
    return Order(
        order_number=f"M-{currency}",
        source="demo",
        channel=Channel.WEB,
        placed_at=PLACED,
        status=OrderStatus.SHIPPED,
        currency=currency,
        total=Decimal(total),
        tax_total=Decimal(tax),
        items=(LineItem(sku="S1", name="Teapot", quantity=qty, unit_price=Decimal(unit)),),
    )


ORDERS = [(_order(c, t, x, u, q), want) for c, t, x, u, q, want in CASES]


def test_minor_units_follow_iso_4217() -> None:
    """JPY 0, EUR 2, KWD 3, an unlisted code 2; trimming and padding never round."""
    assert (minor_units("JPY"), minor_units("eur"), minor_units("KWD"), minor_units("CHF")) == (0, 2, 3, 2)
    assert amount_text(Decimal("4000.00"), "JPY") == "4000"
    assert amount_text(Decimal("4000.5"), "JPY") == "4000.5"  # a non-zero digit stays
    assert amount_text(Decimal("0.125"), "EUR") == "0.125"
    assert amount_text(Decimal("1E+3"), "EUR") == "1000.00"
    assert amount_text(Decimal("-0.00"), "JPY") == "0"


@pytest.mark.parametrize(("order", "want"), ORDERS, ids=[c[0] for c in CASES])
def test_json_writes_minor_units_and_reads_back_equal(order: Order, want: dict[str, str]) -> None:
    """`--format json` (order_to_json and the JSON export) writes the currency's decimals and round-trips."""
    data = order_to_json(order)
    assert (data["total"], data["tax_total"], data["items"][0]["unit_price"]) == (
        want["total"],
        want["tax"],
        want["unit"],
    )
    back = order_from_json(json.loads(json.dumps(data)))
    assert (back.total, back.tax_total, back.items[0].unit_price) == (
        order.total,
        order.tax_total,
        order.items[0].unit_price,
    )
    assert order_to_json(back) == data
    buf = io.BytesIO()
    write_json([order], buf, total=1)
    exported = json.loads(buf.getvalue())["orders"][0]
    assert exported["total"] == want["total"] and exported["items"][0]["unit_price"] == want["unit"]


@pytest.mark.parametrize(("order", "want"), ORDERS, ids=[c[0] for c in CASES])
def test_csv_writes_minor_units(order: Order, want: dict[str, str]) -> None:
    """The CSV row of an order line has the currency's decimals in every money column."""
    buf = io.BytesIO()
    write_csv([order], buf, total=1)
    row = next(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8-sig"))))
    assert (row["order_total"], row["order_tax_total"], row["unit_price"], row["line_total"]) == (
        want["total"],
        want["tax"],
        want["unit"],
        want["line"],
    )
    assert Decimal(row["order_total"]) == order.total


def test_pdf_writes_minor_units(tmp_path: Path) -> None:
    """The PDF (read back with pdftotext) shows 8580 JPY, 129.90 EUR, 12.500 KWD and the item prices so."""
    path = tmp_path / "money.pdf"
    with path.open("wb") as fh:
        write_pdf(
            [o for o, _ in ORDERS], fh, total=len(ORDERS), customer="Test", filter_text="all", generated_at=PLACED
        )
    text = pdf_text(path)
    for order, want in ORDERS:
        assert f"{want['total']} {order.currency}" in text
        assert want["unit"] in text
    assert "4000.00" not in text and "8580.00" not in text
    assert "12.5 " not in text and "6.25 " not in text


@pytest.mark.parametrize(
    ("order", "shown"),
    [(ORDERS[0][0], "¥8,580"), (ORDERS[1][0], "€129.90"), (ORDERS[2][0], "12.500 KWD")],
    ids=[c[0] for c in CASES],
)
def test_screen_writes_minor_units(order: Order, shown: str) -> None:
    """The screen formatter uses the same minor units (with thousands separators)."""
    assert fmt.money(order.total, order.currency) == shown
    assert fmt.money(Decimal("0.125"), "EUR") == "€0.125"  # never rounded away


def test_a_shopify_yen_order_prints_whole_yen() -> None:
    """Shopify sends "4000.00" for a JPY price; the order JSON says "4000" like its total "8580"."""
    payload = {
        "name": "#2001",
        "processed_at": "2026-11-19T10:00:00+09:00",
        "currency": "JPY",
        "total_price": "8580",
        "total_tax": "780",
        "line_items": [{"title": "Teapot", "quantity": 2, "price": "4000.00"}],
    }
    _, orders = normalize("shopify", {"order": payload})
    order = orders[0]
    assert isinstance(order, Order)
    data = order_to_json(order)
    assert data["items"][0]["unit_price"] == "4000" and data["total"] == "8580"
