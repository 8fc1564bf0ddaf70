"""Listing and filtering cached orders: filters, order, summaries, and index use (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from services.domain import (
    Channel,
    DeliveryWindow,
    LineItem,
    OrderFilter,
    OrderStatus,
    ShipmentStatus,
)
from services.storage import Store


@pytest.fixture
def catalog(store: Store, build, ops) -> Store:
    """Twelve varied orders."""
    T0 = build.T0
    day = timedelta(days=1)
    delivered = build.event(600, ShipmentStatus.DELIVERED, "Delivered")
    failed = build.event(700, ShipmentStatus.FAILED_ATTEMPT, "Nobody home")
    orders = [
        build.order("W-100", placed_at=T0),
        build.order("W-101", placed_at=T0 + day, channel=Channel.MOBILE_APP),
        build.order(
            "W-1010",
            placed_at=T0 + 2 * day,
            status=OrderStatus.DELIVERED,
            shipments=[build.shipment("1ZDONE", events=[delivered])],
        ),
        build.order("W-102", placed_at=T0 + 3 * day, source="shop", shipments=[build.shipment("JD014600", "dhl")]),
        build.order(
            "W-2",
            placed_at=T0 + 4 * day,
            customer="Grace Hopper",
            shipments=[build.shipment("9400111", "usps", events=[failed])],
        ),
        build.order(
            "X-100",
            placed_at=T0 + 5 * day,
            merchant="Bücherstube",
            items=[LineItem(sku="BK-1", name="Der Zauberberg", quantity=1, unit_price=Decimal("24"))],
        ),
        build.order("A%1", placed_at=T0 + 6 * day, shipments=()),
        build.order("A_1", placed_at=T0 + 7 * day, shipments=()),
        build.order("A*1", placed_at=T0 + 8 * day, shipments=()),
        build.order("A[1", placed_at=T0 + 9 * day, shipments=()),
        build.order("AB1", placed_at=T0 + 10 * day, shipments=(), customer="100% Cotton Co"),
        build.order("W-103", placed_at=T0 + 2 * day, status=OrderStatus.CANCELLED, channel=Channel.PHONE),
    ]
    ops.upsert(store, orders)
    return store


def _numbers(store: Store, flt: OrderFilter, **kw) -> list[str]:
    return [s.order_number for s in store.orders.list_summaries(flt, **kw)]


def test_no_filter_lists_everything_newest_first(catalog: Store) -> None:
    """Without filters every order is listed, newest first, ties by order number."""
    got = _numbers(catalog, OrderFilter())
    assert got[:3] == ["AB1", "A[1", "A*1"]
    assert got[-1] == "W-100"
    assert catalog.orders.count(OrderFilter()) == 12
    # equal placed_at: order number breaks the tie, in the same direction
    assert got.index("W-103") < got.index("W-1010")
    assert _numbers(catalog, OrderFilter(), newest_first=False)[0] == "W-100"


def test_limit_and_offset_page_through(catalog: Store) -> None:
    """limit/offset return consecutive pages."""
    everything = _numbers(catalog, OrderFilter(), limit=100)
    assert _numbers(catalog, OrderFilter(), limit=5, offset=5) == everything[5:10]


def test_number_prefix_is_an_exact_case_range(catalog: Store) -> None:
    """The number prefix matches as typed (trimmed), by range."""
    assert sorted(_numbers(catalog, OrderFilter(number_prefix="W-10"))) == [
        "W-100",
        "W-101",
        "W-1010",
        "W-102",
        "W-103",
    ]
    assert _numbers(catalog, OrderFilter(number_prefix="  W-101 ")) == ["W-1010", "W-101"]
    assert _numbers(catalog, OrderFilter(number_prefix="w-10")) == []
    assert catalog.orders.count(OrderFilter(number_prefix="W-10")) == 5


@pytest.mark.parametrize("prefix, expected", [("A%", ["A%1"]), ("A_", ["A_1"]), ("A*", ["A*1"]), ("A[", ["A[1"])])
def test_wildcard_characters_in_a_prefix_are_literal(catalog: Store, prefix: str, expected: list[str]) -> None:
    """%, _, * and [ in a prefix match themselves."""
    assert _numbers(catalog, OrderFilter(number_prefix=prefix)) == expected


def test_placed_range_is_inclusive(catalog: Store, build) -> None:
    """placed_from and placed_to include their bounds."""
    day = timedelta(days=1)
    flt = OrderFilter(placed_from=build.T0 + day, placed_to=build.T0 + 3 * day)
    assert sorted(_numbers(catalog, flt)) == ["W-101", "W-1010", "W-102", "W-103"]
    assert _numbers(catalog, OrderFilter(placed_to=build.T0)) == ["W-100"]


def test_status_channel_source_and_attention_filters(catalog: Store) -> None:
    """Status, channel, source and needs-attention filters."""
    assert sorted(_numbers(catalog, OrderFilter(statuses=(OrderStatus.DELIVERED, OrderStatus.CANCELLED)))) == [
        "W-1010",
        "W-103",
    ]
    assert sorted(_numbers(catalog, OrderFilter(channels=(Channel.MOBILE_APP, Channel.PHONE)))) == ["W-101", "W-103"]
    assert _numbers(catalog, OrderFilter(source="shop")) == ["W-102"]
    assert _numbers(catalog, OrderFilter(needs_attention=True)) == ["W-2"]


def test_carrier_filter_looks_at_the_shipments(catalog: Store) -> None:
    """The carrier filter matches orders with a shipment by that carrier."""
    assert sorted(_numbers(catalog, OrderFilter(carriers=("dhl", "usps")))) == ["W-102", "W-2"]
    assert sorted(_numbers(catalog, OrderFilter(carriers=("ups",)))) == ["W-100", "W-101", "W-1010", "W-103", "X-100"]
    assert catalog.orders.count(OrderFilter(carriers=("ups",))) == 5


def test_filters_combine_with_and(catalog: Store) -> None:
    """Several filters combine with AND."""
    flt = OrderFilter(number_prefix="W-", carriers=("ups",), statuses=(OrderStatus.SHIPPED,))
    assert sorted(_numbers(catalog, flt)) == ["W-100", "W-101"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("grace", ["W-2"]),  # customer name, any case
        ("zauberberg", ["X-100"]),  # item name
        ("BÜCHER", ["X-100"]),  # merchant, non-ASCII case
        ("jd0146", ["W-102"]),  # tracking number
        ("x-10", ["X-100"]),  # order number
        ("100%", ["AB1"]),  # % is literal
        ("a_1", ["A_1"]),  # _ is literal
    ],
)
def test_free_text_search(catalog: Store, query: str, expected: list[str]) -> None:
    """Free text finds numbers, customers, merchants, items and tracking numbers, any case, literally."""
    assert _numbers(catalog, OrderFilter(text=query)) == expected


def test_summaries_carry_the_list_fields(store: Store, build, ops) -> None:
    """Summaries carry carriers, tracking numbers, latest shipment status and earliest open ETA."""
    T0 = build.T0
    early = DeliveryWindow(T0 + timedelta(days=3), T0 + timedelta(days=3, hours=2))
    late = DeliveryWindow(T0 + timedelta(days=5), T0 + timedelta(days=5, hours=2))
    done = DeliveryWindow(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2))
    fresh = build.shipment(
        "JD1", "dhl", events=[build.event(60 * 60, ShipmentStatus.OUT_FOR_DELIVERY, "Out")], eta=late
    )
    older = build.shipment("1Z1", "ups", events=[build.event(60, ShipmentStatus.IN_TRANSIT, "Scan")], eta=early)
    delivered = build.shipment("1Z2", "ups", events=[build.event(30, ShipmentStatus.DELIVERED, "Delivered")], eta=done)
    order = build.order(shipments=[older, fresh, delivered])
    ops.upsert(store, [order])
    (summary,) = store.orders.list_summaries(OrderFilter())
    assert summary.order_number == order.order_number and summary.total == order.total
    assert summary.placed_at == order.placed_at and summary.placed_at.tzinfo is not None
    assert summary.carriers == ("ups", "dhl")
    assert summary.tracking_numbers == ("1Z1", "JD1", "1Z2")
    assert summary.shipment_status is ShipmentStatus.OUT_FOR_DELIVERY  # the most recently updated shipment
    assert summary.estimated_delivery == early  # earliest ETA among shipments still open
    assert summary.needs_attention is False
    assert summary.updated_at == order.updated_at
    assert summary.merchant == order.merchant


def test_a_summary_without_shipments(store: Store, build, ops) -> None:
    """An order without shipments has empty shipment fields."""
    ops.upsert(store, [build.order(shipments=())])
    (summary,) = store.orders.list_summaries(OrderFilter())
    assert summary.carriers == () and summary.shipment_status is None and summary.estimated_delivery is None


def test_tracking_lookups(store: Store, build, ops) -> None:
    """Tracking-number lookups, the polling list (final statuses excluded) and last sync time."""
    assert store.orders.last_synced_at() is None
    done = build.shipment("1ZDONE", events=[build.event(600, ShipmentStatus.DELIVERED, "Delivered")])
    ops.upsert(
        store,
        [
            build.order("W-1", shipments=[build.shipment("1ZOPEN"), done]),
            build.order("W-2", shipments=[build.shipment("1ZOPEN"), build.shipment("JD9", "dhl")]),
        ],
    )
    assert store.orders.order_numbers_for_tracking("1ZOPEN") == ["W-1", "W-2"]
    assert store.orders.order_numbers_for_tracking("nope") == []
    assert store.orders.shipments_to_track() == [("1ZOPEN", "ups"), ("JD9", "dhl")]
    assert store.orders.last_synced_at() == ops.RECEIVED


# ---------------------------------------------------------------- index use


@pytest.fixture
def big(store: Store, build, ops) -> Store:
    """Two thousand orders over two years, enough for the planner to care."""
    base = build.order(shipments=())
    orders = [
        replace(base, order_number=f"W-{i:06d}", placed_at=build.T0 + timedelta(hours=9 * i)) for i in range(2000)
    ]
    ops.upsert(store, orders)
    return store


def _assert_index_search(plan: str, index: str | None = None) -> None:
    first = plan.splitlines()[0]
    assert first.startswith("SEARCH orders USING"), plan
    assert "INDEX" in first, plan
    assert "SCAN orders" not in plan, plan
    if index is not None:
        assert index in first, plan


@pytest.mark.parametrize("analyzed", [False, True])
def test_prefix_and_date_range_queries_search_an_index(big: Store, build, analyzed: bool) -> None:
    """Prefix and date-range lists SEARCH an index (never SCAN orders), with or without ANALYZE."""
    if analyzed:
        with big._engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    prefix = OrderFilter(number_prefix="W-0012")
    _assert_index_search(big.orders.explain(prefix))
    assert len(big.orders.list_summaries(prefix)) == 50
    window = OrderFilter(placed_from=build.T0 + timedelta(days=100), placed_to=build.T0 + timedelta(days=130))
    plan = big.orders.explain(window)
    _assert_index_search(plan, "ix_orders_placed_at_order_number")
    assert "TEMP B-TREE" not in plan  # the index also gives the order: no sort step
    inside = [i for i in range(2000) if window.placed_from <= build.T0 + timedelta(hours=9 * i) <= window.placed_to]
    assert big.orders.count(window) == len(inside) == 80


def test_explain_matches_what_list_summaries_runs(big: Store) -> None:
    """Without filters the list walks the placed_at index: no sort step."""
    plan = big.orders.explain(OrderFilter())
    assert plan == "SCAN orders USING INDEX ix_orders_placed_at_order_number"
