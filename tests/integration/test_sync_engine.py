"""Sync over real HTTP from the demo backend into a real SQLite file."""

from __future__ import annotations

import httpx

from services.demo import DemoServer
from services.domain import ChangeSet, OrderFilter, ShipmentStatus, SourceConfig, unified_timeline
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking


def make_engine(store: Store, server: DemoServer, token: str | None) -> SyncEngine:
    """An engine over one ordertrack source pointing at ``server``."""
    config = SourceConfig(name="shop", kind="ordertrack", url=server.url)
    tracking = AfterShipTracking(AfterShipClient(token or "", base_url=server.url + "/aftership/v4"))
    runtime = SourceRuntime(
        config=config,
        orders=OrdertrackOrderSource(OrdertrackClient(server.url, token, max_attempts=2)),
        tracking=tracking,
    )
    return SyncEngine(store, [runtime], page_size=25)


def test_first_sync_stores_every_order_with_carrier_events(demo: DemoServer, store: Store) -> None:
    """All orders arrive, shipments get their carrier events, history is not marked live."""
    engine = make_engine(store, demo, demo.token)
    [report] = engine.sync_all()
    engine.close()
    assert report.error is None
    assert store.orders.count(OrderFilter()) == 60
    assert len(report.changes.new_orders) == 60
    assert report.changes.new_events, "carrier events from the AfterShip-compatible API"
    orders = store.orders.list_orders(OrderFilter())
    with_events = [s for o in orders for s in o.shipments if s.events]
    assert with_events
    for shipment in with_events:
        latest = max(shipment.events, key=lambda e: e.occurred_at)
        assert shipment.status == latest.status
    state = store.sync_state.get("shop")
    assert state.cursor and state.last_success_at and state.last_error is None


def test_second_sync_is_one_conditional_request(demo: DemoServer, store: Store) -> None:
    """An unchanged source answers 304 to a single request and nothing changes."""
    engine = make_engine(store, demo, demo.token)
    engine.sync_all()
    [again] = engine.sync_all()
    engine.close()
    assert again.error is None
    assert again.not_modified
    assert again.requests == 1
    assert again.changes.empty


def test_new_carrier_event_arrives_on_next_sync(demo: DemoServer, store: Store) -> None:
    """An event posted to the demo backend is in the cache and the timeline after the next sync."""
    engine = make_engine(store, demo, demo.token)
    engine.sync_all()
    order = next(o for o in store.orders.list_orders(OrderFilter()) if o.shipments)
    number = order.shipments[0].tracking_number
    r = httpx.post(
        f"{demo.url}/_demo/shipments/{number}/events",
        json={"status": "exception", "description": "Address unknown — Zürich", "location": "Zürich, CH"},
        headers={"Authorization": f"Bearer {demo.token}"},
    )
    assert r.status_code == 201, r.text
    [report] = engine.sync_all()
    engine.close()
    assert report.error is None
    assert [e.event.description for e in report.changes.new_events] == ["Address unknown — Zürich"]
    cached = store.orders.get(order.order_number)
    assert cached is not None
    shipment = next(s for s in cached.shipments if s.tracking_number == number)
    assert shipment.status is ShipmentStatus.EXCEPTION
    assert unified_timeline(cached)[-1].description == "Address unknown — Zürich"
    # and a third sync stores nothing twice
    engine = make_engine(store, demo, demo.token)
    [third] = engine.sync_all()
    engine.close()
    assert not third.changes.new_events


def test_wrong_token_reports_auth_error_and_keeps_data(demo: DemoServer, store: Store) -> None:
    """A rejected token is a clear failure; the cached orders stay and the source is marked failing."""
    engine = make_engine(store, demo, demo.token)
    engine.sync_all()
    engine.close()
    bad = make_engine(store, demo, "wrong")
    [report] = bad.sync_all()
    bad.close()
    assert report.error is not None and "rejected" in report.error
    assert store.orders.count(OrderFilter()) == 60
    state = store.sync_state.get("shop")
    assert state.health == "failing" and state.stale_since is not None


def test_server_down_keeps_last_good_data(store: Store) -> None:
    """With the backend gone, sync fails cleanly and the cache keeps serving the last good data."""
    server = DemoServer(orders=20, seed=2)
    server.start()
    engine = make_engine(store, server, None)
    engine.sync_all()
    server.stop()
    [report] = engine.sync_all()
    engine.close()
    assert report.error is not None and "unavailable" in report.error.lower()
    assert store.orders.count(OrderFilter()) == 20
    assert store.sync_state.get("shop").stale_since is not None


def test_rate_limit_is_waited_out(demo: DemoServer, store: Store) -> None:
    """A 429 with Retry-After is honoured and the sync then succeeds."""
    httpx.post(
        f"{demo.url}/_demo/faults",
        json={"status": 429, "count": 1, "retry_after": 1, "paths": "/v1/orders"},
        headers={"Authorization": f"Bearer {demo.token}"},
    ).raise_for_status()
    engine = make_engine(store, demo, demo.token)
    [report] = engine.sync_all()
    engine.close()
    assert report.error is None
    assert store.orders.count(OrderFilter()) == 60


def test_listeners_hear_each_committed_change_once(demo: DemoServer, store: Store) -> None:
    """Listeners are told after commit, with live events only after the history back-fill."""
    heard: list[tuple[str, ChangeSet]] = []
    engine = make_engine(store, demo, demo.token)
    engine.listeners.append(lambda source, changes: heard.append((source, changes)))
    engine.sync_all()
    assert heard and all(source == "shop" for source, _ in heard)
    heard.clear()
    number = next(o for o in store.orders.list_orders(OrderFilter()) if o.shipments).shipments[0].tracking_number
    httpx.post(
        f"{demo.url}/_demo/shipments/{number}/events",
        json={"status": "out_for_delivery"},
        headers={"Authorization": f"Bearer {demo.token}"},
    ).raise_for_status()
    engine.sync_all()
    engine.close()
    events = [e for _, c in heard for e in c.new_events]
    assert [e.tracking_number for e in events] == [number]
