"""Timeline feed benchmark: `recent_events` pages on a 100,000-order cache (~5 events each).

Each figure against a floor in the same run, on the same connection: for a feed page, the newest
60 carrier events by their index (one table, no merging, no live/History rule); for the History
no-op, opening a read snapshot and running ``SELECT 1``; for the History count, a plain
``count(*)`` of the orders stamped as moved.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.domain import (
    Channel,
    FeedCursor,
    Order,
    OrderEvent,
    OrderStatus,
    ShipmentStatus,
    TrackingEvent,
)
from services.storage import NotifyRepository, Store
from services.storage.notify_repo import AlertDraft
from services.storage.tables import orders as orders_table
from services.storage.tables import tracking_events

from .conftest import record_ratio
from .stores import ORDERS, SPAN, START, bench_order, fill_store, open_store, placed_at

pytestmark = pytest.mark.bench

ALERTS = 5_000
PAGE = 60
BATCH = 500
RUNS = 200
FEED_RATIO = 100.0
"""A feed page (order events, carrier events and alerts merged, live orders only, cursor-paged) against one
index walk of one table: about the old 20 ms budget (200 ms for the walk) over the floor on a quiet machine."""
ARCHIVED_BEFORE = START + timedelta(days=365)


def _orders(rnd: random.Random) -> Iterator[Order]:
    for i in range(ORDERS):
        placed = placed_at(rnd)
        # whole minutes: many entries share a timestamp, as real feeds do
        scans = [placed + timedelta(minutes=m) for m in sorted(rnd.sample(range(60, 4 * 24 * 60), 4))]
        events = tuple(
            TrackingEvent(
                occurred_at=at.replace(second=0),
                status=status,
                description=desc,
                location="Hub" if k else None,
            )
            for k, (at, status, desc) in enumerate(
                zip(
                    scans,
                    (
                        ShipmentStatus.INFO_RECEIVED,
                        ShipmentStatus.IN_TRANSIT,
                        ShipmentStatus.OUT_FOR_DELIVERY,
                        ShipmentStatus.DELIVERED,
                    ),
                    ("Label created", "Departed facility", "Out for delivery", "Delivered"),
                    strict=True,
                )
            )
        )
        yield bench_order(
            i,
            rnd,
            placed,
            channel=Channel.WEB,
            status=OrderStatus.DELIVERED,
            shipment_status=ShipmentStatus.DELIVERED,
            tracking=events,
            events=(OrderEvent(placed, OrderStatus.PLACED, "Order placed"),),
        )


def _keeping_newest(orders: Iterable[Order], newest: list[Order]) -> Iterator[Order]:
    """Pass `orders` on, appending those of the last 60 days to `newest`."""
    for order in orders:
        if order.placed_at > START + SPAN - timedelta(days=60):
            newest.append(order)
        yield order


@pytest.fixture(scope="module")
def feed_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """100,000 orders (1 order event + 4 carrier events each), the first year in History, 5,000 alerts sent."""
    store = open_store(tmp_path_factory, "bench-feed")
    rnd = random.Random(20261128)
    started = time.perf_counter()
    received = datetime.now(UTC)
    newest: list[Order] = []
    fill_store(store, _keeping_newest(_orders(rnd), newest), batch=BATCH, received_at=received)
    with store.transaction() as uow:
        uow.execute(
            update(orders_table)
            .where(orders_table.c.placed_at < ARCHIVED_BEFORE.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))
            .values(archived_at="2026-01-01T00:00:00.000000Z")
        )
    repo = NotifyRepository(store)
    drafts = [
        AlertDraft(
            alert_key=f"k{n}",
            order_number=o.order_number,
            tracking_number=o.shipments[0].tracking_number,
            milestone="delivered",
            rule="delivered",
            trigger="event delivered",
            event_at=o.shipments[0].events[-1].occurred_at,
            title=f"Order {o.order_number}: Delivered",
            body="Delivered",
            link=None,
            deliveries=(("native", "pending", "rule", None), ("in_app", "pending", "rule", None)),
        )
        for n, o in enumerate(newest[:ALERTS])
    ]
    for claimed in [repo.claim(drafts[i : i + 1000], received) for i in range(0, len(drafts), 1000)]:
        for row in claimed:
            repo.update(row.id, status="sent", reason="ok", alerted_at=row.event_at + timedelta(seconds=5))
    print(f"\nBENCH feed.build_100k seconds={time.perf_counter() - started:.1f} alerts={len(drafts)}")
    yield store
    store.close()


def _p95(fn: Callable[[], list[Any]]) -> tuple[float, float]:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        rows = fn()
        timings.append((time.perf_counter() - started) * 1000)
        assert len(rows) == PAGE
    return statistics.median(timings), statistics.quantiles(timings, n=100)[94]


def _bare_page(store: Store, offset: int) -> list[Any]:
    """The floor: the newest carrier events by their occurred_at index, one page."""
    stmt = (
        select(tracking_events.c.id, tracking_events.c.occurred_at)
        .order_by(tracking_events.c.occurred_at.desc())
        .limit(PAGE)
        .offset(offset)
    )
    with store.reading() as conn:
        return list(conn.execute(stmt).all())


def test_first_page(feed_store: Store) -> None:
    """The Timeline's first page: 60 newest entries over every live order."""
    _, floor = _p95(lambda: _bare_page(feed_store, 0))
    p50, p95 = _p95(lambda: feed_store.orders.recent_events(PAGE))
    record_ratio(
        "feed.first_page_60", p95, floor, FEED_RATIO, unit="ms", floor_name="60 newest by index, p95",
        note=f"p95; p50 {p50:.2f} ms",
    )  # fmt: skip


def test_page_ten(feed_store: Store) -> None:
    """Page 10 (entries 541-600) from the cursor of page 9, and the walk of all 10 pages."""
    walks = []
    for _ in range(3):  # the first walk reads cold pages; report the warm ones
        before: FeedCursor | None = None
        walk_started = time.perf_counter()
        for _ in range(9):
            page = feed_store.orders.recent_events(PAGE, before=before)
            before = page[-1].cursor
        tenth = feed_store.orders.recent_events(PAGE, before=before)
        walks.append((time.perf_counter() - walk_started) * 1000)
    walk_ms = min(walks[1:])
    assert len(tenth) == PAGE
    bare_walks = []
    for _ in range(3):
        started = time.perf_counter()
        for n in range(10):
            _bare_page(feed_store, n * PAGE)
        bare_walks.append((time.perf_counter() - started) * 1000)
    cursor = before
    _, floor = _p95(lambda: _bare_page(feed_store, 9 * PAGE))
    p50, p95 = _p95(lambda: feed_store.orders.recent_events(PAGE, before=cursor))
    record_ratio(
        "feed.page_10_of_60", p95, floor, FEED_RATIO, unit="ms", floor_name="page 10 by index, p95",
        note=f"p95; p50 {p50:.2f} ms",
    )  # fmt: skip
    record_ratio(
        "feed.walk_10_pages_warm", walk_ms, min(bare_walks[1:]), FEED_RATIO, unit="ms",
        floor_name="10 pages by index", note=f"cold {walks[0]:.1f} ms",
    )  # fmt: skip


def test_history_move_on_100k(feed_store: Store) -> None:
    """The History move the app runs after sync passes: the first run moves, every later one finds nothing."""
    from services.domain import OrderFilter
    from services.storage.archive import count_orders, move_to_history

    started = time.perf_counter()
    moved = move_to_history(feed_store, after_days=30)
    first_ms = (time.perf_counter() - started) * 1000
    timings, floors = [], []
    for _ in range(20):
        started = time.perf_counter()
        with feed_store.reading() as conn:
            conn.exec_driver_sql("SELECT 1").all()
        floors.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assert move_to_history(feed_store, after_days=30) == 0
        timings.append((time.perf_counter() - started) * 1000)
    record_ratio(
        "history.move_100k no-op", statistics.median(timings), statistics.median(floors), 10.0, unit="ms",
        floor_name="read snapshot + SELECT 1", note=f"first run {first_ms:.0f} ms, {moved:,} moved",
    )  # fmt: skip
    counts, bare = [], []
    for _ in range(20):
        started = time.perf_counter()
        count_orders(feed_store, OrderFilter(archived=True))
        counts.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with feed_store.reading() as conn:
            conn.execute(select(func.count()).select_from(orders_table).where(orders_table.c.archived_at.is_not(None)))
        bare.append((time.perf_counter() - started) * 1000)
    record_ratio(
        "history.count_100k ('more in History')", statistics.median(counts), statistics.median(bare), 3.0,
        unit="ms", floor_name="plain count(*) of moved",
    )  # fmt: skip
