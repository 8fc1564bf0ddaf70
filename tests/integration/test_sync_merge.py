"""Merge across sources: one order per number, each carrier event once, status by the latest event in time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from services.demo import DemoServer
from services.domain import Channel, OrderFilter, ShipmentStatus, format_utc, utc_now
from services.storage import StatsRepository, Store
from services.sync import SyncEngine

from .faultproxy import event_rows, ordertrack_runtime


@pytest.fixture
def twins() -> Iterator[tuple[DemoServer, DemoServer]]:
    """Two backends serving the same orders (a web shop and a marketplace feed, say)."""
    now = utc_now().replace(microsecond=0)
    a = DemoServer(orders=40, seed=51, tick_seconds=3600, now=now)
    b = DemoServer(orders=40, seed=51, tick_seconds=3600, now=now)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


def test_same_orders_and_events_from_two_sources_merge_into_one_timeline(
    twins: tuple[DemoServer, DemoServer], store: Store, tmp_path: Path
) -> None:
    """Two sources delivering the same orders and carrier events store each order and each event once."""
    a, b = twins
    alone = Store.open(tmp_path / "alone.db")
    single = SyncEngine(alone, [ordertrack_runtime("web", a.url)])
    single.sync_all()
    single.close()

    engine = SyncEngine(store, [ordertrack_runtime("web", a.url), ordertrack_runtime("marketplace", b.url)])
    reports = engine.sync_all()
    assert [r.error for r in reports] == [None, None]
    assert store.orders.count(OrderFilter()) == alone.orders.count(OrderFilter()) == 40
    assert event_rows(store) == event_rows(alone), "each carrier event once, whichever source brought it"
    number = next(s.tracking_number for o in store.orders.list_orders(OrderFilter()) for s in o.shipments)
    for server in (a, b):  # the same scan reported by both, as two aggregators would
        posted = httpx.post(
            f"{server.url}/_demo/shipments/{number}/events",
            json={"status": "in_transit", "description": "Arrived at hub", "occurred_at": "2026-11-27T10:00:00Z"},
        )
        assert posted.status_code == 201
    again = engine.sync_all()
    engine.close()
    new = [e for r in again for e in r.changes.new_events]
    assert [(e.tracking_number, e.event.description) for e in new] == [(number, "Arrived at hub")]
    order_number = store.orders.order_numbers_for_tracking(number)
    assert len(order_number) == 1
    alone.close()


def test_one_order_from_two_channels_is_one_order(store: Store) -> None:
    """The same order number arriving from two sources/channels is one order with the union of its data."""
    with DemoServer(orders=10, seed=61, tick_seconds=3600) as server:
        order = server.data.orders[0]
        with store.transaction() as uow:
            uow.upsert_orders(
                [replace(order, channel=Channel.MARKETPLACE, shipments=())],
                source="mp",
                received_at=utc_now(),
                live=True,
            )
        engine = SyncEngine(store, [ordertrack_runtime("web", server.url)])
        [report] = engine.sync_all()
        engine.close()
    assert report.error is None
    assert store.orders.count(OrderFilter()) == 10
    cached = store.orders.get(order.order_number)
    assert cached is not None
    assert [s.tracking_number for s in cached.shipments] == [s.tracking_number for s in order.shipments]


def test_out_of_order_events_land_in_time_order_and_status_follows_the_latest(store: Store) -> None:
    """An older scan arriving after a newer one is slotted in by time; the status stays the newest's."""
    with DemoServer(orders=20, seed=71, tick_seconds=3600) as server:
        engine = SyncEngine(store, [ordertrack_runtime("web", server.url)])
        engine.sync_all()
        shipment = next(
            s
            for o in store.orders.list_orders(OrderFilter())
            for s in o.shipments
            if s.events and s.status is ShipmentStatus.IN_TRANSIT
        )
        newest = utc_now().replace(microsecond=0)
        last = max(e.occurred_at for e in shipment.events)
        # between the last scan the shop already had and the newest one, whatever the demo's clock says
        older = (last + (newest - last) / 2).replace(microsecond=0)
        assert last < older < newest
        for status, when, text in (("out_for_delivery", newest, "On the van"), ("in_transit", older, "Late hub scan")):
            r = httpx.post(
                f"{server.url}/_demo/shipments/{shipment.tracking_number}/events",
                json={"status": status, "description": text, "occurred_at": format_utc(when)},
            )
            assert r.status_code == 201, r.text
            engine.sync_all()  # each arrives in its own sync: the older one last
        engine.close()
    number = store.orders.order_numbers_for_tracking(shipment.tracking_number)[0]
    cached = store.orders.get(number)
    assert cached is not None
    got = next(s for s in cached.shipments if s.tracking_number == shipment.tracking_number)
    times = [e.occurred_at for e in got.events]
    assert times == sorted(times)
    assert [e.description for e in got.events][-2:] == ["Late hub scan", "On the van"]
    assert got.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert len(StatsRepository(store).latency_samples()) == 2, "both arrived live"
