"""Faults on every request kind, through a real fault-injecting proxy: keep old data, report, recover."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.demo import DemoServer
from services.domain import OrderFilter, ShipmentStatus
from services.storage import Store
from services.sync import SyncEngine
from services.sync.coordinator import SyncCoordinator
from tests.support.waiting import wait_until

from .faultproxy import FaultProxy, event_rows, ordertrack_runtime

REQUEST_KINDS = {
    "orders": {"prefix": "/v1/orders", "exact": True},
    "tracking": {"prefix": "/aftership/v4/trackings/"},
    "backfill": {"prefix": "/aftership/v4/trackings", "exact": True},
}
FAULTS = {
    "timeout": {"kind": "timeout", "delay": 0.8},
    "reset": {"kind": "reset"},
    "500": {"kind": "status", "status": 500},
    "429": {"kind": "status", "status": 429, "retry_after": 1},
    "truncated": {"kind": "truncate"},
    "content-type": {"kind": "content_type"},
}


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    """One quiet demo backend for the module (only posted events change it)."""
    server = DemoServer(orders=30, seed=31, tick_seconds=3600)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(demo: DemoServer) -> Iterator[FaultProxy]:
    """The fault proxy in front of the demo."""
    with FaultProxy(demo.url) as p:
        yield p


@pytest.fixture
def store(tmp_path: Path, proxy: FaultProxy) -> Iterator[Store]:
    """A fresh cache; the proxy starts without faults."""
    proxy.clear()
    s = Store.open(tmp_path / "cache.db")
    yield s
    s.close()


def _open_shipment(store: Store) -> str:
    for order in store.orders.list_orders(OrderFilter()):
        for shipment in order.shipments:
            if shipment.events and shipment.status is ShipmentStatus.IN_TRANSIT:
                return shipment.tracking_number
    raise AssertionError("no shipment in transit in the demo data")


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("request_kind", list(REQUEST_KINDS))
def test_fault_keeps_old_data_reports_health_and_recovers(
    demo: DemoServer, proxy: FaultProxy, store: Store, request_kind: str, fault: str
) -> None:
    """A fault on this request kind fails the sync cleanly (data kept, failing + stale_since), then recovers."""
    engine = SyncEngine(store, [ordertrack_runtime("shop", proxy.url, timeout=0.5)], page_size=10)
    target = REQUEST_KINDS[request_kind]
    options = dict(FAULTS[fault])
    kind = str(options.pop("kind"))
    if request_kind == "backfill":  # only a first sync pages the tracking API
        proxy.inject(kind, count=2, **target, **options)  # type: ignore[arg-type]
        [failed] = engine.sync_all()
        before_rows: list[tuple[str, str, str, str]] = []
        previous_success = None
    else:
        [first] = engine.sync_all()
        assert first.error is None
        previous_success = store.sync_state.get("shop").last_success_at
        number = _open_shipment(store)
        posted = httpx.post(
            f"{demo.url}/_demo/shipments/{number}/events",
            json={"status": "in_transit", "description": f"moving {request_kind} {fault}"},
        )
        assert posted.status_code == 201
        before_rows = event_rows(store)
        proxy.inject(kind, count=2, **target, **options)  # type: ignore[arg-type]
        [failed] = engine.sync_all()
    assert failed.error is not None, "the fault must fail this sync"
    if fault == "429":
        assert failed.retry_after == 1.0, "Retry-After must reach the coordinator"
    state = store.sync_state.get("shop")
    assert state.health == "failing" and state.last_error == failed.error
    assert state.stale_since is not None
    if previous_success is not None:
        assert state.stale_since == previous_success, "stale since the last complete sync"
        assert event_rows(store) == before_rows, "good data must stay as it was"
    else:
        assert store.orders.count(OrderFilter()) == 30, "orders committed before the fault stay"
    proxy.clear()
    [recovered] = engine.sync_all()
    engine.close()
    assert recovered.error is None, recovered.error
    state = store.sync_state.get("shop")
    assert state.health == "healthy" and state.stale_since is None and state.last_error is None
    rows = event_rows(store)
    assert len(rows) == len(set(rows)), "no event stored twice"
    assert set(before_rows) < set(rows), "the update missed during the fault arrives after recovery"


@pytest.mark.parametrize("fault", ["reset", "500", "truncated", "content-type"])
def test_stream_fault_reconnects_and_push_resumes(
    demo: DemoServer, proxy: FaultProxy, store: Store, fault: str
) -> None:
    """A broken push stream is retried with backoff (status down meanwhile), then pushes flow again."""
    engine = SyncEngine(store, [ordertrack_runtime("shop", proxy.url, timeout=0.5)])
    coordinator = SyncCoordinator(
        engine, min_intervals={"ordertrack": 3600.0}, interval=3600, reconnect_initial=0.05, reconnect_max=0.2
    )
    options = dict(FAULTS[fault])
    kind = str(options.pop("kind"))
    proxy.inject(kind, "/v1/stream", count=3, **options)  # type: ignore[arg-type]
    coordinator.start()
    try:
        assert wait_until(lambda: proxy.pending() == 0, 10), "the stream was not retried"
        pusher = coordinator.pushers["shop"]
        # the 4th stream request is the first without a fault; "connected" then means a good stream
        assert wait_until(lambda: proxy.count("/v1/stream") >= 4 and pusher.connected, 10), "no good stream again"
        assert wait_until(lambda: "shop" in coordinator.reports, 10)
        assert coordinator.pushers["shop"].connections >= 1
        number = _open_shipment(store)
        description = f"after {fault} on the stream"
        httpx.post(
            f"{demo.url}/_demo/shipments/{number}/events", json={"status": "in_transit", "description": description}
        )
        assert wait_until(lambda: any(r[3] == description for r in event_rows(store)), 3)
    finally:
        coordinator.close()
    assert coordinator.threads_alive() == []
    assert store.sync_state.get("shop").health == "healthy"
