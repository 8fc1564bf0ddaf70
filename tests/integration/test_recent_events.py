"""The cross-order Timeline feed (`recent_events`): exact against a brute force, keyset pages, index use."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from services.domain import (
    Channel,
    EventKind,
    FeedEntry,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    unified_timeline,
)
from services.notify import alert_entries
from services.storage import NotifyRepository, Store, recent_events
from services.storage.notify_repo import AlertDraft
from services.storage.tables import orders as orders_table

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 1, tzinfo=UTC)
MERCHANTS = ("Nordlicht Möbel", "Café Zürich", "Shop 東京", "")
ORDER_STATUSES = (OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
SHIP_STATUSES = (
    ShipmentStatus.INFO_RECEIVED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
)


def _at(rnd: random.Random) -> datetime:
    """A time from a small set, so that many entries share a timestamp (within and across orders)."""
    return T0 + timedelta(minutes=15 * rnd.randrange(40))


def _order(rnd: random.Random, i: int) -> Order:
    placed = _at(rnd)
    events = tuple(
        OrderEvent(occurred_at=_at(rnd) if k else placed, status=ORDER_STATUSES[k], description=f"step {k} of {i}")
        for k in range(rnd.randrange(0, 4))
    )
    ships = []
    for s in range(rnd.randrange(0, 3)):
        evs = []
        for k in range(rnd.randrange(0, 5)):
            offset = rnd.random() < 0.7
            evs.append(
                TrackingEvent(
                    occurred_at=_at(rnd),
                    status=SHIP_STATUSES[k % len(SHIP_STATUSES)],
                    description=f"scan {k} — Łódź" if k % 2 else f"scan {k}",
                    offset_known=offset,
                    local_time=None if offset else "2026-10-01T10:00:00",
                    location=rnd.choice((None, "Louisville, KY, US", "Köln, DE")),
                    raw_status=f"R{k}",
                )
            )
        ships.append(
            Shipment(
                tracking_number=f"TRK{i:04d}{s}",
                carrier=rnd.choice(("ups", "dhl", "")),
                carrier_name="Carrier",
                status=ShipmentStatus.IN_TRANSIT,
                events=tuple(evs),
            )
        )
    return Order(
        order_number=f"W-{i:04d}",
        source="demo",
        channel=Channel.WEB,
        placed_at=placed,
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=Decimal("19.90"),
        tax_total=Decimal("3.18"),
        events=events,
        shipments=tuple(ships),
        merchant=rnd.choice(MERCHANTS),
    )


def _draft(key: str, order: Order, channels: tuple[str, ...], at: datetime, tracking: str | None) -> AlertDraft:
    return AlertDraft(
        alert_key=key,
        order_number=order.order_number,
        tracking_number=tracking,
        milestone="delivered",
        rule="delivered",
        trigger="event delivered",
        event_at=at,
        title=f"Order {order.order_number}: Delivered",
        body="Delivered",
        link=None,
        deliveries=tuple((ch, "pending", "rule delivered fired", None) for ch in channels),
        once_per_shipment=False,
        duplicate_window=timedelta(0),
    )


def _seed_alerts(store: Store, rnd: random.Random, live: list[Order], archived: list[Order]) -> None:
    """Sent alerts on one or more channels (some at equal times), suppressed ones, unsent ones."""
    repo = NotifyRepository(store)
    for n, order in enumerate([*live[:40], *archived[:5]]):
        tracking = order.shipments[0].tracking_number if order.shipments else None
        channels = ("native", "in_app", "email")[: 1 + n % 3]
        rows = repo.claim([_draft(f"key-{n}", order, channels, _at(rnd), tracking)], RECEIVED)
        first_at = _at(rnd)
        for k, row in enumerate(rows):
            if n % 7 == 6:
                continue  # still pending: never handed to a channel, not in the feed
            if n % 5 == 4 and k == len(rows) - 1:
                repo.update(row.id, status="failed", reason="smtp down", alerted_at=_at(rnd))  # not sent
                continue
            # channels of one alert often go out in the same instant; sometimes later
            repo.update(row.id, status="sent", reason="ok", alerted_at=first_at if k == 0 or n % 2 else _at(rnd))
    for n, order in enumerate(live[40:50]):  # suppressed: the '-' channel, never delivered
        [row] = repo.claim([_draft(f"sup-{n}", order, ("-",), _at(rnd), None)], RECEIVED)
        repo.update(row.id, status="suppressed", reason="suppressed: history", alerted_at=None)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Store, list[Order], list[Order]]]:
    """A cache with 160 live and 40 archived orders, many equal timestamps, and an alert log."""
    rnd = random.Random(20261128)
    store = Store.open(tmp_path / "cache.db")
    all_orders = [_order(rnd, i) for i in range(200)]
    with store.transaction() as uow:
        uow.upsert_orders(all_orders, source="demo", received_at=RECEIVED, live=False)
    archived = [o for i, o in enumerate(all_orders) if i % 5 == 2]
    with store.transaction() as uow:
        uow.execute(
            update(orders_table)
            .where(orders_table.c.order_number.in_([o.order_number for o in archived]))
            .values(archived_at="2026-11-02T00:00:00.000000Z")
        )
    live = [o for o in all_orders if o not in archived]
    _seed_alerts(store, rnd, live, archived)
    yield store, live, archived
    store.close()


def brute_force(store: Store, numbers: list[str]) -> list[FeedEntry]:
    """Every live order's unified timeline (with its sent alerts), as the app merges them: newest first."""
    repo = NotifyRepository(store)
    out: list[FeedEntry] = []
    for number in numbers:
        order = store.orders.get(number)
        assert order is not None
        records = sorted(repo.list(order_number=number), key=lambda r: r.id)
        for entry in unified_timeline(order, alerts=alert_entries(records)):
            out.append(FeedEntry.from_timeline(entry, order.order_number, order.merchant))
    out.sort(key=lambda e: (e.occurred_at, e.order_number), reverse=True)  # stable: timeline order kept
    return out


def _pages(store: Store, size: int) -> list[list[FeedEntry]]:
    pages: list[list[FeedEntry]] = []
    before = None
    while True:
        page = store.orders.recent_events(size, before=before)
        assert len(page) <= size
        if not page:
            return pages
        pages.append(page)
        before = page[-1].cursor


def test_the_feed_equals_the_union_of_every_live_orders_unified_timeline(
    seeded: tuple[Store, list[Order], list[Order]],
) -> None:
    """One big page is exactly the brute force, field by field and in the same order."""
    store, live, _ = seeded
    expected = brute_force(store, [o.order_number for o in live])
    assert len(expected) > 500
    assert sum(1 for e in expected if e.kind is EventKind.ALERT) > 10
    assert store.orders.recent_events(len(expected) + 10) == expected


@pytest.mark.parametrize("size", [1, 7, 60])
def test_keyset_pages_continue_exactly_without_repeats_or_gaps(
    seeded: tuple[Store, list[Order], list[Order]], size: int
) -> None:
    """Walking the feed page by page with the last entry's cursor gives the brute force exactly."""
    store, live, _ = seeded
    expected = brute_force(store, [o.order_number for o in live])
    pages = _pages(store, size)
    assert [e for page in pages for e in page] == expected
    assert all(len(p) == size for p in pages[:-1])
    cursors = [e.cursor for page in pages for e in page]
    assert len(set(cursors)) == len(cursors)


def test_ties_are_deterministic_across_timestamps_orders_and_kinds(
    seeded: tuple[Store, list[Order], list[Order]],
) -> None:
    """Equal instants: order number descending, then order events, carrier events, alerts; pages cut inside ties."""
    store, _, _ = seeded
    feed = store.orders.recent_events(100_000)
    stamps = [e.occurred_at for e in feed]
    assert len(set(stamps)) < len(stamps) / 5  # plenty of ties
    rank = {EventKind.ORDER: 0, EventKind.SHIPMENT: 1, EventKind.ALERT: 2}
    for a, b in zip(feed, feed[1:], strict=False):
        assert a.occurred_at >= b.occurred_at
        if a.occurred_at == b.occurred_at:
            assert a.order_number >= b.order_number
            if a.order_number == b.order_number:
                assert rank[a.kind] <= rank[b.kind]
    # a page boundary inside a run of one instant of one order of one kind continues exactly
    same = next(i for i, (a, b) in enumerate(zip(feed, feed[1:], strict=False)) if a.cursor[:3] == b.cursor[:3])
    assert store.orders.recent_events(3, before=feed[same].cursor) == feed[same + 1 : same + 4]
    assert store.orders.recent_events(5) == feed[:5]  # and the same call gives the same page
    assert store.orders.recent_events(0) == [] and store.orders.recent_events(-1) == []


def test_archived_orders_and_undelivered_alerts_are_left_out(
    seeded: tuple[Store, list[Order], list[Order]],
) -> None:
    """History is not in the feed; suppressed, pending and failed alert rows are not either."""
    store, live, archived = seeded
    feed = store.orders.recent_events(100_000)
    numbers = {e.order_number for e in feed}
    assert not numbers & {o.order_number for o in archived}
    live_with_entries = {o.order_number for o in live if o.events or any(s.events for s in o.shipments)}
    assert live_with_entries <= numbers
    alerts = [e for e in feed if e.kind is EventKind.ALERT]
    repo = NotifyRepository(store)
    log = repo.list()
    sent_keys = {r.alert_key for r in log if r.status == "sent" and r.order_number in numbers}
    assert len(alerts) == len(sent_keys)  # one entry per alert, not one per channel
    assert not any(r.status == "sent" for r in log if r.alert_key.startswith("sup-"))
    assert all(e.status == "delivered" and e.description.endswith(": Delivered") for e in alerts)
    assert all(e.location is None and e.carrier is None for e in alerts)


def test_an_archived_order_leaves_the_feed_and_a_new_event_enters_first(
    seeded: tuple[Store, list[Order], list[Order]],
) -> None:
    """The feed follows the cache: archiving removes an order's entries; a new scan is the newest entry."""
    store, live, _ = seeded
    target = next(o for o in live if o.shipments)
    late = TrackingEvent(T0 + timedelta(days=30), ShipmentStatus.DELIVERED, "Delivered — Zürich", location="Zürich")
    with store.transaction() as uow:
        uow.upsert_tracking(
            Shipment(target.shipments[0].tracking_number, target.shipments[0].carrier, events=(late,)),
            source="demo",
            received_at=RECEIVED,
            live=True,
        )
    [first] = store.orders.recent_events(1)
    assert (first.order_number, first.description, first.kind) == (
        target.order_number,
        late.description,
        EventKind.SHIPMENT,
    )
    assert first.merchant == target.merchant and first.tracking_number == target.shipments[0].tracking_number
    with store.transaction() as uow:
        uow.execute(
            update(orders_table)
            .where(orders_table.c.order_number == target.order_number)
            .values(archived_at="2026-11-03T00:00:00.000000Z")
        )
    assert target.order_number not in {e.order_number for e in store.orders.recent_events(100_000)}


def test_the_function_and_the_repository_agree(seeded: tuple[Store, list[Order], list[Order]]) -> None:
    """`services.storage.recent_events(conn, ...)` is the same read as `store.orders.recent_events`."""
    store, _, _ = seeded
    page = store.orders.recent_events(60)
    with store.reading() as conn:
        assert recent_events(conn, 60) == page
        assert recent_events(conn, 60, page[-1].cursor) == store.orders.recent_events(60, before=page[-1].cursor)


# ---------------------------------------------------------------- index use


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Store]:
    """3,000 orders with events and a few hundred alerts, ANALYZEd, for realistic plans."""
    rnd = random.Random(7)
    store = Store.open(tmp_path / "big.db")
    batch = [_order(rnd, i) for i in range(3000)]
    with store.transaction() as uow:
        uow.upsert_orders(batch, source="demo", received_at=RECEIVED, live=False)
    _seed_alerts(store, rnd, batch[:300], [])
    with store.reading() as conn:
        conn.exec_driver_sql("ANALYZE")
    yield store
    store.close()


def _assert_feed_plan(plan: str) -> None:
    lines = plan.splitlines()
    assert any(
        ln.startswith(
            (
                "SCAN order_events USING INDEX ix_order_events_occurred_at",
                "SEARCH order_events USING INDEX ix_order_events_occurred_at",
            )
        )
        for ln in lines
    ), plan
    assert any("tracking_events USING INDEX ix_tracking_events_occurred_at" in ln for ln in lines), plan
    assert any(ln.startswith("SEARCH a USING INDEX ix_notify_alerts_status_alerted_at") for ln in lines), plan
    assert any(ln.startswith("SEARCH b USING INDEX") and "(alert_key=?)" in ln for ln in lines), plan
    assert "SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)" in lines, plan
    assert "SEARCH shipments USING INTEGER PRIMARY KEY (rowid=?)" in lines, plan
    # no full table scan anywhere: every SCAN of a table goes through an index
    for ln in lines:
        for table in ("orders", "order_events", "shipments", "tracking_events", "a", "b"):
            assert not (ln == f"SCAN {table}" or ln.startswith(f"SCAN {table} ") and "USING INDEX" not in ln), plan


def test_explain_query_plan_walks_the_time_indexes(big: Store) -> None:
    """Each part of the UNION ALL reads its own occurred_at index newest first; no table is scanned."""
    plan = big.orders.explain_recent_events(60)
    _assert_feed_plan(plan)
    assert "COMPOUND QUERY" in plan and plan.count("UNION ALL") == 2
    page = big.orders.recent_events(60)
    later = big.orders.explain_recent_events(60, before=page[-1].cursor)
    _assert_feed_plan(later)
    assert "ix_order_events_occurred_at (occurred_at<?)" in later
    assert "ix_tracking_events_occurred_at (occurred_at<?)" in later


def test_the_migration_creates_the_feed_indexes(tmp_path: Path) -> None:
    """Migration 0003 adds the three indexes the feed walks."""
    Store.open(tmp_path / "m.db").close()
    raw = sqlite3.connect(tmp_path / "m.db")
    try:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        [(version,)] = raw.execute("SELECT version_num FROM alembic_version").fetchall()
        assert version >= "0003"  # head: later migrations keep these indexes
    finally:
        raw.close()
    assert {
        "ix_order_events_occurred_at",
        "ix_tracking_events_occurred_at",
        "ix_notify_alerts_status_alerted_at",
    } <= names


def test_counts_sanity(seeded: tuple[Store, list[Order], list[Order]]) -> None:
    """The seeded cache really holds archived orders next to live ones."""
    store, live, archived = seeded
    with store.reading() as conn:
        in_history = conn.execute(
            select(func.count()).select_from(orders_table).where(orders_table.c.archived_at.is_not(None))
        ).scalar_one()
    assert in_history == len(archived) == 40 and len(live) == 160
