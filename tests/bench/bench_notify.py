"""Alert latency by polling: event posted at the source -> alert handed to its channel (native, in-app), 200 events.

Against a floor in the same run: posting the same kind of event and one bare small read of the
orders (the round trips any poll must make, without mapping, storing or alerting).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import httpx
import pytest

from services.demo import DemoServer
from services.domain import FINAL_SHIPMENT_STATUSES, OrderFilter, SourceConfig
from services.notify import Channels, Dispatcher, NativeChannel, Preferences
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.storage.notify_repo import AlertRecord
from services.sync import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking
from tests.integration import fake_notifyd

from .conftest import record_ratio

EVENTS = 200
RATIO = 8.0
STATUSES = ("out_for_delivery", "failed_attempt", "available_for_pickup", "exception")


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@pytest.mark.bench
def test_event_to_alert_latency(tmp_path: Path) -> None:
    """Post one carrier event, sync, and time until the native and in-app alerts are handed over."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session bus")
    log = tmp_path / "notify.jsonl"
    daemon = fake_notifyd.start(log)
    demo = DemoServer(orders=EVENTS * 3, seed=9, token="b", tick_seconds=3600).start()
    store = Store.open(tmp_path / "bench.db")
    handed: dict[tuple[str, str, str], float] = {}

    def on_alert(alert: AlertRecord) -> None:
        handed[(alert.order_number, alert.milestone, alert.channel)] = time.perf_counter()

    prefs = Preferences()
    dispatcher = Dispatcher(store, Channels(native=NativeChannel()), prefs=lambda: prefs)
    dispatcher.on_alert.append(on_alert)
    config = SourceConfig(name="bench", kind="ordertrack", url=demo.url)
    runtime = SourceRuntime(
        config,
        OrdertrackOrderSource(OrdertrackClient(demo.url, "b")),
        AfterShipTracking(AfterShipClient("b", base_url=demo.url + "/aftership/v4")),
    )
    engine = SyncEngine(store, [runtime], listeners=[dispatcher])
    try:
        engine.sync_all()  # the back-fill: alerts nobody
        open_ships = [
            (o.order_number, s.tracking_number)
            for o in store.orders.list_orders(OrderFilter())
            for s in o.shipments[:1]
            if s.status not in FINAL_SHIPMENT_STATUSES
        ]
        assert len(open_ships) * len(STATUSES) >= EVENTS, f"only {len(open_ships)} open shipments"
        # each (shipment, milestone) alerts once: cycle the milestones over the open shipments
        targets = [(n, t, status) for status in STATUSES for n, t in open_ships][:EVENTS]
        native: list[float] = []
        in_app: list[float] = []
        floors: list[float] = []
        with httpx.Client(base_url=demo.url, headers={"Authorization": "Bearer b"}) as http:
            for _, tracking, _status in targets[:50]:  # the floor: post, then one bare read of the orders
                started = time.perf_counter()
                r = http.post(f"/_demo/shipments/{tracking}/events", json={"status": "in_transit"})
                assert r.status_code == 201, r.text
                assert http.get("/v1/orders", params={"limit": 1}).status_code == 200
                floors.append((time.perf_counter() - started) * 1000)
            engine.sync_all()  # those in-transit scans alert nobody: take them in before measuring
            for number, tracking, status in targets:
                started = time.perf_counter()
                r = http.post(f"/_demo/shipments/{tracking}/events", json={"status": status})
                assert r.status_code == 201, r.text
                engine.sync_all()
                native.append((handed[(number, status, "native")] - started) * 1000)
                in_app.append((handed[(number, status, "in_app")] - started) * 1000)
        # plus a few "Delayed" alerts the time rules find (demo ETAs that passed recently)
        assert len(fake_notifyd.received(log, count=len(targets))) >= len(targets)
    finally:
        engine.close()
        store.close()
        demo.stop()
        daemon.terminate()
        daemon.wait(5)
    floor = _pct(floors, 95)
    for name, values in (("native", native), ("in_app", in_app)):
        p50, p95 = _pct(values, 50), _pct(values, 95)
        record_ratio(
            f"notify.polled_event_to_alert_{name}",
            p95,
            floor,
            RATIO,
            unit="ms",
            floor_name="post + one bare read, p95",
            note=f"p95; p50 {p50:.0f} ms, {len(values)} events",
        )
