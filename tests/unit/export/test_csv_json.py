"""CSV (one row per order line, injection-safe) and JSON ({"orders": [...]}) read back equal the data."""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from services.domain import (
    Channel,
    Customer,
    LineItem,
    Order,
    OrderFilter,
    OrderStatus,
    format_utc,
    money,
    order_from_json,
    order_to_json,
)
from services.export import ExportCancelled, atomic_write, describe_filter, neutralize, write_csv, write_json
from services.export.csv_export import HEADER


def _csv(orders: tuple[Order, ...] | list[Order]) -> tuple[bytes, int]:
    buf = io.BytesIO()
    rows = write_csv(orders, buf, total=len(orders))
    return buf.getvalue(), rows


def test_csv_has_one_row_per_line_and_reads_back_equal(demo_orders: tuple[Order, ...]) -> None:
    """Every line item is one row; money reads back as the exact Decimal; non-Latin text intact."""
    data, count = _csv(demo_orders)
    assert data.decode("utf-8")  # valid UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert list(rows[0].keys()) == HEADER
    expected = [(o, n, item) for o in demo_orders for n, item in enumerate(o.items, start=1)]
    assert len(rows) == count == len(expected) > len(demo_orders)
    for row, (order, n, item) in zip(rows, expected, strict=True):
        assert row["order_number"] == order.order_number
        assert row["placed_at"] == format_utc(order.placed_at)
        assert row["currency"] == order.currency
        assert Decimal(row["order_total"]) == order.total and row["order_total"] == money(order.total)
        assert Decimal(row["order_tax_total"]) == order.tax_total
        assert row["line"] == str(n) and row["sku"] == item.sku and row["item"] == item.name
        assert int(row["quantity"]) == item.quantity and Decimal(row["unit_price"]) == item.unit_price
        assert row["customer"] == (order.customer.name if order.customer else "")
    names = {r["customer"] for r in rows}
    assert any("Müller" in n for n in names) and any("Иван" in n for n in names)


@pytest.mark.parametrize(
    "evil",
    ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR"],
)
def test_csv_neutralizes_formula_injection(demo_orders: tuple[Order, ...], evil: str) -> None:
    """Text cells starting with = + - @ TAB CR come back with a leading apostrophe; numbers are unchanged."""
    base = demo_orders[0]
    order = replace(
        base,
        merchant=evil,
        customer=Customer(name=evil),
        items=(LineItem(sku=evil, name=evil, quantity=1, unit_price=Decimal("-5.00")),),
        total=Decimal("-5.00"),
    )
    data, _ = _csv([order])
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    for column in ("merchant", "customer", "sku", "item"):
        assert row[column] == "'" + evil, column
    assert row["order_total"] == "-5.00" and row["unit_price"] == "-5.00"
    assert neutralize("plain") == "plain" and neutralize("-12.50") == "-12.50"


def test_csv_keeps_an_order_without_items() -> None:
    """An order with no line items still gets one row (the order is never lost)."""
    order = Order(
        order_number="X-1",
        source="s",
        channel=Channel.PHONE,
        placed_at=datetime(2026, 1, 2, tzinfo=UTC),
        status=OrderStatus.PLACED,
        currency="EUR",
        total=Decimal("0.00"),
        tax_total=Decimal("0.00"),
    )
    data, count = _csv([order])
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert count == 1 and rows[0]["order_number"] == "X-1" and rows[0]["sku"] == ""


def test_json_is_the_design_shape_and_round_trips(demo_orders: tuple[Order, ...]) -> None:
    """The JSON export is {"orders": [order_to_json(...)...]} and decodes back to the same orders."""
    buf = io.BytesIO()
    assert write_json(demo_orders, buf, total=len(demo_orders)) == len(demo_orders)
    doc = json.loads(buf.getvalue().decode("utf-8"))
    assert list(doc) == ["orders"]
    assert doc["orders"] == [order_to_json(o) for o in demo_orders]
    assert [order_from_json(o).order_number for o in doc["orders"]] == [o.order_number for o in demo_orders]
    assert "東京" in buf.getvalue().decode("utf-8")  # UTF-8, not \\u escapes
    empty = io.BytesIO()
    write_json([], empty, total=0)
    assert json.loads(empty.getvalue()) == {"orders": []}


def test_cancel_stops_csv_and_json(demo_orders: tuple[Order, ...], tmp_path: Path) -> None:
    """A set Event stops the writers with ExportCancelled and atomic_write leaves nothing behind."""
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        atomic_write(tmp_path / "a.csv", lambda fh: write_csv(demo_orders, fh, total=80, cancel=cancel))
    with pytest.raises(ExportCancelled):
        atomic_write(tmp_path / "a.json", lambda fh: write_json(demo_orders, fh, total=80, cancel=cancel))
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    """A failure after partial output leaves the previous file byte-for-byte and no temp file."""
    target = tmp_path / "out.csv"
    target.write_bytes(b"old export\n")

    def half(fh: object) -> None:
        fh.write(b"partial,row\n" * 1000)  # type: ignore[attr-defined]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(target, half)
    assert target.read_bytes() == b"old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    atomic_write(target, lambda fh: fh.write(b"new\n"))
    assert target.read_bytes() == b"new\n" and oct(target.stat().st_mode & 0o777) == "0o600"


def test_describe_filter_in_words() -> None:
    """The filter used is printed in words; no filter reads 'all orders'."""
    assert describe_filter(OrderFilter()) == "all orders"
    flt = OrderFilter(
        number_prefix="W-1",
        placed_from=datetime(2026, 1, 1, tzinfo=UTC),
        statuses=(OrderStatus.DELIVERED,),
        channels=(Channel.WEB, Channel.PHONE),
        text="tent",
    )
    assert describe_filter(flt) == (
        "number starts with W-1; placed from 2026-01-01; status delivered; channel web, phone; text “tent”"
    )
