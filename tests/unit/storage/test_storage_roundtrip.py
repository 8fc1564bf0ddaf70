"""Domain objects in, the same domain objects out: exact money, aware UTC times, bulk loading."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import event

from services.domain import Customer, Order, OrderFilter, Shipment, ShipmentStatus
from services.storage import Store


def test_a_full_order_comes_back_equal(store: Store, build, ops) -> None:
    """A complete order is stored and loaded back equal to the input."""
    order = build.order()
    ops.upsert(store, [order])
    got = store.orders.get(order.order_number)
    assert got == order
    assert got is not None
    assert got.shipments[0].events == order.shipments[0].events
    assert got.shipments[0].events[-1].offset_known is False
    assert got.shipments[0].events[-1].local_time == "2026-11-22T09:02:00"


def test_money_is_exact_decimal_text(store: Store, build, ops) -> None:
    """Money is stored as decimal text and comes back as the exact Decimal."""
    order = build.order(total="0.10")
    ops.upsert(store, [order])
    got = store.orders.get(order.order_number)
    assert got is not None
    assert str(got.total) == "0.10"
    assert str(got.items[0].unit_price) == "32.475"
    assert got.items[1].tax == Decimal("0.10") and got.items[0].tax is None
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT total, typeof(total) FROM orders").one() == ("0.10", "text")


def test_times_come_back_aware_utc_whatever_zone_went_in(store: Store, build, ops) -> None:
    """Times in any zone come back as the same instant, aware UTC."""
    cet = timezone(timedelta(hours=1))
    placed = datetime(2026, 11, 20, 10, 15, 0, 123456, tzinfo=cet)
    order = build.order(placed_at=placed)
    ops.upsert(store, [order])
    got = store.orders.get(order.order_number)
    assert got is not None
    assert got == order  # aware datetimes compare by instant
    assert got.placed_at.tzinfo is UTC
    assert got.placed_at == datetime(2026, 11, 20, 9, 15, 0, 123456, tzinfo=UTC)
    assert all(e.occurred_at.tzinfo is UTC for s in got.shipments for e in s.events)
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT placed_at FROM orders").scalar() == "2026-11-20T09:15:00.123456Z"


def test_stored_times_sort_like_the_instants(store: Store, build, ops) -> None:
    """Fixed-width time text sorts like time (a fraction after a whole second)."""
    whole = build.order("W-A", placed_at=datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC))
    fraction = build.order("W-B", placed_at=datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC))
    ops.upsert(store, [fraction, whole])
    oldest_first = store.orders.list_summaries(OrderFilter(), newest_first=False)
    assert [s.order_number for s in oldest_first] == ["W-A", "W-B"]


def test_optional_parts_round_trip(store: Store, build, ops) -> None:
    """Missing customer, address, items, events and shipment events round-trip as missing."""
    bare = replace(
        build.order("W-BARE", shipments=()),
        customer=None,
        shipping_address=None,
        merchant="",
        updated_at=None,
        items=(),
        events=(),
    )
    empty_customer = replace(build.order("W-EMPTY"), customer=Customer())
    no_events = build.order(
        "W-NOEV", shipments=[build.shipment("JD0002", "dhl", events=(), status=ShipmentStatus.INFO_RECEIVED)]
    )
    ops.upsert(store, [bare, empty_customer, no_events])
    assert store.orders.get("W-BARE") == bare
    assert store.orders.get("W-EMPTY") == empty_customer
    assert store.orders.get("W-NOEV") == no_events
    assert store.orders.get("W-MISSING") is None


def test_non_ascii_text_round_trips(store: Store, build, ops) -> None:
    """Non-ASCII numbers and names are stored unchanged."""
    order = build.order("Ж-42", merchant="Café Ünïcode 東京", customer="Zoë Ørsted")
    ops.upsert(store, [order])
    assert store.orders.get("Ж-42") == order


def test_list_orders_returns_full_orders_in_bulk(store: Store, build, ops) -> None:
    """list_orders loads children with one query per table, not one per order."""
    orders = [
        build.order(
            f"W-{i:04d}",
            placed_at=build.T0 + timedelta(hours=i),
            shipments=[build.shipment(f"1Z{i:04d}A"), build.shipment(f"JD{i:04d}", "dhl")],
        )
        for i in range(120)
    ]
    ops.upsert(store, orders)
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(store._engine, "before_cursor_execute", count)
    try:
        got = store.orders.list_orders(OrderFilter())
    finally:
        event.remove(store._engine, "before_cursor_execute", count)
    assert got == list(reversed(orders))  # newest first
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, selects  # orders + order events + shipments + carrier events: no N+1


def test_list_orders_pages(store: Store, build, ops) -> None:
    """list_orders honours limit and offset, newest first."""
    orders = [build.order(f"W-{i:03d}", placed_at=build.T0 + timedelta(days=i)) for i in range(10)]
    ops.upsert(store, orders)
    page = store.orders.list_orders(OrderFilter(), limit=3, offset=2)
    assert [o.order_number for o in page] == ["W-007", "W-006", "W-005"]
    assert all(isinstance(o, Order) and isinstance(o.shipments[0], Shipment) for o in page)
