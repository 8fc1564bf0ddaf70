"""`Store.clear_cache()`: live orders and sync positions go; History, sources, prefs and the alert log stay."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from services.demo import DemoServer
from services.domain import (
    Channel,
    Order,
    OrderEvent,
    OrderFilter,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SourceConfig,
    SyncState,
    TrackingEvent,
)
from services.notify import Channels, Dispatcher, Preferences
from services.notify.dispatcher import save_prefs
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import NotifyRepository, Store
from services.storage.archive import count_orders
from services.storage.notify_repo import AlertDraft
from services.storage.tables import (
    notify_alerts,
    notify_prefs,
    notify_shipments,
    order_events,
    orders,
    shipments,
    sources,
    sync_state,
    tracking_events,
)
from services.sync import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking
from tests.support.demo import open_shipment, post_event

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HEALTH_AT = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
TABLES = {
    "orders": orders,
    "order_events": order_events,
    "shipments": shipments,
    "tracking_events": tracking_events,
    "sync_state": sync_state,
    "sources": sources,
    "notify_prefs": notify_prefs,
    "notify_alerts": notify_alerts,
    "notify_shipments": notify_shipments,
}


def _counts(store: Store) -> dict[str, int]:
    with store.reading() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in TABLES.items()
        }


def _order(i: int, *, status: OrderStatus = OrderStatus.SHIPPED) -> Order:
    placed = T0 + timedelta(hours=i)
    events = (
        TrackingEvent(placed + timedelta(hours=2), ShipmentStatus.INFO_RECEIVED, "Label created"),
        TrackingEvent(placed + timedelta(hours=9), ShipmentStatus.IN_TRANSIT, "Departed — Köln", location="Köln"),
    )
    return Order(
        order_number=f"W-{i:03d}",
        source="shop",
        channel=Channel.WEB,
        placed_at=placed,
        status=status,
        currency="EUR",
        total=Decimal("49.90"),
        tax_total=Decimal("7.97"),
        events=(OrderEvent(placed, OrderStatus.PLACED, "Order placed"),),
        shipments=(Shipment(f"TRK{i:05d}", "dhl", status=ShipmentStatus.IN_TRANSIT, events=events),),
        merchant="Café Zürich",
    )


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Store]:
    """10 live orders, 3 in History, two sources with positions and health, prefs, alert log, snapshots."""
    store = Store.open(tmp_path / "cache.db")
    with store.transaction() as uow:
        uow.upsert_orders([_order(i) for i in range(13)], source="shop", received_at=T0, live=False)
        uow.execute(
            update(orders)
            .where(orders.c.order_number.in_(["W-010", "W-011", "W-012"]))
            .values(archived_at="2026-11-25T00:00:00.000000Z")
        )
        for name in ("shop", "tracker"):
            uow.add_source(SourceConfig(name=name, kind="ordertrack", url=f"http://{name}.example", created_at=T0))
            uow.set_sync_state(
                SyncState(
                    source=name,
                    cursor="c-42",
                    etag='W/"abc"',
                    last_attempt_at=HEALTH_AT,
                    last_success_at=HEALTH_AT,
                    last_error="timeout" if name == "tracker" else None,
                    stale_since=HEALTH_AT if name == "tracker" else None,
                )
            )
            uow.set_sync_state(SyncState(source=name + "#history", cursor="done", last_success_at=HEALTH_AT))
            uow.set_sync_state(SyncState(source=name + "#stream", cursor="981", last_success_at=HEALTH_AT))
    repo = NotifyRepository(store)
    save_prefs(repo, Preferences(email=True, email_address="kunde@example.org"), T0)
    [alert] = repo.claim(
        [
            AlertDraft(
                alert_key="k1",
                order_number="W-001",
                tracking_number="TRK00001",
                milestone="shipped",
                rule="shipped",
                trigger="event in_transit",
                event_at=T0,
                title="Order W-001: Shipped",
                body="Departed",
                link=None,
                deliveries=(("in_app", "pending", "rule shipped", None),),
            )
        ],
        T0,
    )
    repo.update(alert.id, status="sent", reason="rule shipped", alerted_at=T0)
    repo.save_snapshots([("W-001", "TRK00001", "in_transit", None), ("W-011", "TRK00011", "in_transit", None)], T0)
    yield store
    store.close()


def test_clear_cache_removes_live_orders_and_every_child_row(filled: Store) -> None:
    """The live orders go with their events, shipments and carrier events; the count is returned."""
    before = _counts(filled)
    assert before["orders"] == 13 and before["tracking_events"] == 26
    assert filled.clear_cache() == 10
    after = _counts(filled)
    assert after["orders"] == 3
    assert after["order_events"] == 3 and after["shipments"] == 3 and after["tracking_events"] == 6
    assert filled.orders.get("W-000") is None and filled.orders.count(OrderFilter()) == 3
    assert filled.orders.recent_events(100) == []  # what is left is History only
    assert filled.integrity_check() == []
    with filled.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert filled.clear_cache() == 0  # idempotent


def test_clear_cache_keeps_history_with_all_its_details(filled: Store) -> None:
    """Orders in History are the customer's archive: kept exactly, still in History."""
    kept = {n: filled.orders.get(n) for n in ("W-010", "W-011", "W-012")}
    filled.clear_cache()
    assert {n: filled.orders.get(n) for n in kept} == kept
    assert count_orders(filled, OrderFilter(), archived=True) == 3
    assert count_orders(filled, OrderFilter(), archived=False) == 0


def test_clear_cache_keeps_sources_prefs_alert_log_and_health_but_resets_positions(filled: Store) -> None:
    """Sources, notification prefs, the alert log and notifier snapshots stay; cursors/ETags are reset."""
    repo = NotifyRepository(filled)
    log_before = repo.list()
    prefs_before = repo.prefs_json()
    snaps_before = repo.snapshots(["W-001", "W-011"])
    sources_before = filled.sources.list()
    states_before = filled.sync_state.all()
    filled.clear_cache()
    assert repo.list() == log_before and repo.unread_count() == 1
    assert repo.prefs_json() == prefs_before
    assert repo.snapshots(["W-001", "W-011"]) == snaps_before
    assert filled.sources.list() == sources_before
    states = filled.sync_state.all()
    assert [s.source for s in states] == [s.source for s in states_before] and len(states) == 6
    for before, after in zip(states_before, states, strict=True):
        assert after.cursor is None and after.etag is None
        assert (after.last_attempt_at, after.last_success_at, after.last_error, after.stale_since) == (
            before.last_attempt_at,
            before.last_success_at,
            before.last_error,
            before.stale_since,
        )


def test_clear_cache_is_one_transaction(filled: Store) -> None:
    """Inside another open transaction of this thread it refuses before deleting anything."""
    before = _counts(filled)
    with filled.transaction(), pytest.raises(Exception, match="already open"):
        filled.clear_cache()
    assert _counts(filled) == before


def test_clear_cache_works_on_an_encrypted_cache(tmp_path: Path) -> None:
    """SQLCipher: the same deletes, and the file stays sound."""
    key = bytes(range(32))
    try:
        store = Store.open(tmp_path / "enc.db", key)
    except Exception as err:  # pragma: no cover - a build without SQLCipher
        pytest.skip(f"no SQLCipher: {err}")
    try:
        with store.transaction() as uow:
            uow.upsert_orders([_order(i) for i in range(4)], source="shop", received_at=T0, live=False)
        assert store.clear_cache() == 4
        assert store.integrity_check() == []
        assert _counts(store)["tracking_events"] == 0
    finally:
        store.close()


# ---------------------------------------------------------------- a real re-download


def _comparable(order: Order | None) -> Order | None:
    """The order with the ETA of delivered shipments left out."""
    if order is None:
        return None
    ships = tuple(
        replace(s, estimated_delivery=None) if s.status is ShipmentStatus.DELIVERED else s for s in order.shipments
    )
    return replace(order, shipments=ships)


def _engine(store: Store, server: DemoServer, dispatcher: Dispatcher) -> SyncEngine:
    config = SourceConfig(name="shop", kind="ordertrack", url=server.url)
    runtime = SourceRuntime(
        config=config,
        orders=OrdertrackOrderSource(OrdertrackClient(server.url, server.token, max_attempts=2)),
        tracking=AfterShipTracking(AfterShipClient(server.token or "", base_url=server.url + "/aftership/v4")),
    )
    return SyncEngine(store, [runtime], page_size=25, listeners=[dispatcher])


def test_the_next_sync_downloads_everything_again_without_re_firing_alerts(tmp_path: Path) -> None:
    """Demo backend: back-fill, one live alert, History; clear; the re-download restores all, alerts nobody."""
    server = DemoServer(orders=60, seed=11, token="t0k-clear", tick_seconds=3600).start()
    store = Store.open(tmp_path / "cache.db")
    fired: list[str] = []
    prefs = Preferences(native=False, in_app=True, email=False)
    dispatcher = Dispatcher(store, Channels(), prefs=lambda: prefs)
    dispatcher.on_alert.append(lambda a: fired.append(a.alert_key))
    try:
        engine = _engine(store, server, dispatcher)
        [first] = engine.sync_all()
        assert first.error is None and len(first.changes.new_orders) == 60 and fired == []
        order, shipment = open_shipment(store)
        post_event(
            server.url,
            shipment.tracking_number,
            "t0k-clear",
            status="delivered",
            description="Delivered — Łódź",
            location="Łódź, PL",
        )
        [second] = engine.sync_all()
        assert second.error is None and fired  # the posted delivery alerts (once per milestone)
        alerted = list(fired)
        engine.close()

        # two other orders move to History
        archived = [
            o.order_number for o in store.orders.list_orders(OrderFilter()) if o.order_number != order.order_number
        ][:2]
        with store.transaction() as uow:
            uow.execute(
                update(orders)
                .where(orders.c.order_number.in_(archived))
                .values(archived_at="2026-11-25T00:00:00.000000Z")
            )
        history_before = {n: store.orders.get(n) for n in archived}
        repo = NotifyRepository(store)
        log_before = repo.list()
        feed_before = store.orders.recent_events(10_000)
        full_before = {o.order_number: o for o in store.orders.list_orders(OrderFilter())}

        assert store.clear_cache() == 58
        assert store.integrity_check() == []
        assert store.orders.count(OrderFilter()) == 2

        engine = _engine(store, server, dispatcher)
        [again] = engine.sync_all()
        assert again.error is None
        assert sorted(again.changes.new_orders) == sorted(n for n in full_before if n not in archived)
        assert store.orders.count(OrderFilter()) == 60
        # everything is back, identical (a fresh download has no ETA left on a delivered parcel, while the
        # incremental merge had kept the earlier one)
        assert {n: _comparable(store.orders.get(n)) for n in full_before} == {
            n: _comparable(o) for n, o in full_before.items()
        }
        assert {n: store.orders.get(n) for n in archived} == history_before
        assert count_orders(store, OrderFilter(), archived=True) == 2
        assert store.orders.recent_events(10_000) == feed_before  # the feed shows the same, alert included
        # nothing re-fired: no delivery, no new sent or pending row in the log
        assert fired == alerted
        after = repo.list()
        assert [r for r in after if r.status in ("sent", "pending", "held")] == [
            r for r in log_before if r.status in ("sent", "pending", "held")
        ]
        [third] = engine.sync_all()  # and the first sync after the re-download is quiet too
        assert third.error is None and fired == alerted
        engine.close()
    finally:
        store.close()
        server.stop()
