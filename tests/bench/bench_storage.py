"""Storage benchmarks: list queries on a 100,000-order cache (run with `-m bench`).

Each against a floor in the same run: the same WHERE / ORDER BY / LIMIT 50 as one plain SQL query
returning only the order numbers (the index walk alone), on the same connection.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from services.domain import (
    Channel,
    LineItem,
    Order,
    OrderFilter,
    OrderStatus,
    ShipmentStatus,
    TrackingEvent,
)
from services.storage import Store
from services.storage.reads import filter_clause
from services.storage.tables import orders

from .conftest import record_ratio
from .stores import ORDERS, SPAN, START, bench_order, fill_store, open_store, placed_at

pytestmark = pytest.mark.bench

PAGE = 500
RUNS = 200
RATIO = 12.0
"""A page of list rows (summaries: each row's shipment status and ETA looked up) against the bare index
walk of the same page; about the old 20 ms budget over the floor on a quiet machine."""


def _orders(rnd: random.Random) -> Iterator[Order]:
    channels = list(Channel)
    statuses = list(OrderStatus)
    for i in range(ORDERS):
        placed = placed_at(rnd)
        events = (
            TrackingEvent(
                occurred_at=placed + timedelta(hours=3),
                status=ShipmentStatus.INFO_RECEIVED,
                description="Label created",
            ),
            TrackingEvent(
                occurred_at=placed + timedelta(hours=20),
                status=ShipmentStatus.IN_TRANSIT,
                description="Departed facility",
                location="Hub",
            ),
        )
        yield bench_order(
            i,
            rnd,
            placed,
            channel=channels[i % len(channels)],
            status=statuses[i % len(statuses)],
            shipment_status=ShipmentStatus.IN_TRANSIT,
            tracking=events,
            items=(LineItem(sku=f"SKU-{i % 997}", name=f"Item {i % 997}", quantity=1, unit_price=Decimal("9.99")),),
        )


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A 100,000-order cache built with paged upserts."""
    store = open_store(tmp_path_factory, "bench")
    rnd = random.Random(20261127)
    started = time.perf_counter()
    fill_store(store, _orders(rnd), batch=PAGE)
    print(f"\nBENCH storage.build_100k seconds={time.perf_counter() - started:.1f}")
    yield store
    store.close()


def _floor(store: Store, flt: OrderFilter) -> Any:
    """The same WHERE / ORDER BY / LIMIT 50 as one plain query returning only the order numbers."""
    return (
        select(orders.c.order_number)
        .where(filter_clause(flt, store.history_after_days))
        .order_by(orders.c.placed_at.desc(), orders.c.order_number.desc())
        .limit(50)
    )


def _measure(name: str, run: list[OrderFilter], store: Store) -> float:
    timings, floors = [], []
    for flt in run:
        started = time.perf_counter()
        rows = store.orders.list_summaries(flt, limit=50)
        timings.append((time.perf_counter() - started) * 1000)
        assert rows, flt
        with store.reading() as conn:
            started = time.perf_counter()
            bare = conn.execute(_floor(store, flt)).all()
            floors.append((time.perf_counter() - started) * 1000)
        assert len(bare) == len(rows), flt
    p95 = statistics.quantiles(timings, n=100)[94]
    floor = statistics.quantiles(floors, n=100)[94]
    record_ratio(f"storage.{name}", p95, floor, RATIO, unit="ms", floor_name="plain SQL, p95", note="p95")
    return p95 / floor


def test_prefix_query(big_store: Store) -> None:
    """Order-number prefix (1,000 / 100 / 10 matches), first page of 50."""
    rnd = random.Random(1)
    filters = []
    for _ in range(RUNS):
        number = f"W-{rnd.randrange(ORDERS):06d}"
        filters.append(OrderFilter(number_prefix=number[: rnd.choice((5, 6, 7))]))
    assert "SCAN orders" not in big_store.orders.explain(filters[0])
    _measure("prefix_query", filters, big_store)


def test_date_range_query(big_store: Store) -> None:
    """A 30-day placed_at window (about 2,700 matches), first page of 50."""
    rnd = random.Random(2)
    filters = []
    for _ in range(RUNS):
        start = START + timedelta(days=rnd.randrange(int(SPAN.days) - 30))
        filters.append(OrderFilter(placed_from=start, placed_to=start + timedelta(days=30)))
    assert "SCAN orders" not in big_store.orders.explain(filters[0])
    _measure("date_range_query", filters, big_store)
