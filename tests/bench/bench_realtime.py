"""Real-time sync against the 10,000-order demo: initial sync via the coordinator, then pushed events.

Figures, each beside a floor measured in the same run:
- the initial sync through the coordinator, against downloading the same pages with a bare client;
- pushed events (the demo stamps them to the millisecond and says in each stream message when it
  published it): "published -> stored" p95 (budget < 100 ms) against "published -> received" (the
  stream's own delivery), "carrier event -> stored", and "carrier event -> alert handed to the
  channel" p95 (budget < 200 ms) against "carrier event -> stored" (an alert cannot come sooner);
- an unchanged source's re-sync (one 304) against one bare conditional request.
The two push budgets are deadlines a customer feels, so they stay absolute; the ratio is printed.
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from services.domain import FINAL_SHIPMENT_STATUSES, OrderFilter, SourceConfig, parse_utc
from services.notify import Channels, Dispatcher, Preferences
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import StatsRepository, Store
from services.storage.notify_repo import AlertRecord
from services.storage.stats import percentile
from services.sync import SourceRuntime, SyncEngine
from services.sync.coordinator import SyncCoordinator
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking

from .conftest import fmt_value, record, record_ratio

PUSHES = 400
STATUSES = ("out_for_delivery", "failed_attempt", "available_for_pickup", "exception")
"""Milestones that alert; each (shipment, milestone) alerts once, so every push goes to a new pair."""
PUBLISHED_TO_STORED_MS = 100.0
EVENT_TO_ALERT_MS = 200.0


def _engine(store: Store, url: str) -> SyncEngine:
    config = SourceConfig(name="bench", kind="ordertrack", url=url)
    tracking = AfterShipTracking(AfterShipClient("", base_url=url + "/aftership/v4"))
    return SyncEngine(store, [SourceRuntime(config, OrdertrackOrderSource(OrdertrackClient(url, None)), tracking)])


def _wait(condition: object, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return False


def _download_floor(url: str) -> tuple[float, int]:
    """Fetch every page of /v1/orders with a bare client (no mapping, no storage); return (seconds, orders)."""
    started = time.perf_counter()
    count, cursor = 0, None
    with httpx.Client(base_url=url, timeout=60) as client:
        while True:
            params: dict[str, str | int] = {"limit": 200}
            if cursor:
                params["updated_since"] = cursor
            body = client.get("/v1/orders", params=params).json()
            count += len(body["orders"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return time.perf_counter() - started, count


def _pushed(db: Path) -> list[Any]:
    """The bench's pushed events as stored: times, tracking number and status (attributes by column)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = lambda cur, row: SimpleNamespace(
            **{d[0]: v for d, v in zip(cur.description, row, strict=True)}
        )
        return conn.execute(
            "SELECT s.tracking_number, e.status, e.occurred_at, e.published_at, e.received_at, e.stored_at"
            " FROM tracking_events e JOIN shipments s ON s.id = e.shipment_id"
            " WHERE e.description LIKE 'bench push %'"
        ).fetchall()


def _ms(start: str, end: str) -> float:
    """Milliseconds from one stored time to another (0 when the first is later)."""
    return max(0.0, (parse_utc(end) - parse_utc(start)).total_seconds() * 1000)


def _p(values: list[float], q: float) -> float:
    return percentile(sorted(values), q)


def _line(values: list[float]) -> str:
    return f"p50 {fmt_value(_p(values, 0.5), 'ms')}, p95 {fmt_value(_p(values, 0.95), 'ms')}"


@pytest.mark.bench
def test_realtime_push_latency_and_unchanged_source(demo_10k: str, tmp_path: Path) -> None:
    """10k initial sync via the coordinator; pushes one by one (published -> stored, -> alert); an unchanged source."""
    floor_s, floor_orders = _download_floor(demo_10k)
    db = tmp_path / "realtime.db"
    store = Store.open(db)
    engine = _engine(store, demo_10k)
    coordinator = SyncCoordinator(engine, interval=3600, min_intervals={"ordertrack": 3600.0})
    started = time.perf_counter()
    coordinator.start()
    handed: dict[tuple[str, str], float] = {}
    lock = threading.Lock()
    try:
        assert _wait(lambda: "bench" in coordinator.reports, 600), "initial sync did not finish"
        initial = time.perf_counter() - started
        report = coordinator.reports["bench"]
        assert report.error is None, report.error
        assert store.orders.count(OrderFilter()) == floor_orders == 10_000
        record_ratio(
            "realtime.initial_10k_via_coordinator",
            initial,
            floor_s,
            8.0,
            floor_name="bare page download",
            note=f"{len(report.changes.new_events)} carrier events",
        )
        assert _wait(lambda: coordinator.pushers["bench"].connected, 10)

        # alerts from here on (the history of the first sync alerts nobody): as the app wires them
        def on_alert(alert: AlertRecord) -> None:
            with lock:
                handed.setdefault((alert.tracking_number or "", alert.milestone), time.time())

        prefs = Preferences()
        dispatcher = Dispatcher(store, Channels(), prefs=lambda: prefs)
        dispatcher.on_alert.append(on_alert)
        engine.listeners.append(dispatcher)

        open_numbers = [
            s.tracking_number
            for o in store.orders.list_orders(OrderFilter(), limit=3000)
            for s in o.shipments
            if s.status not in FINAL_SHIPMENT_STATUSES
        ]
        targets = [(n, status) for status in STATUSES for n in open_numbers][:PUSHES]
        assert len(targets) == PUSHES, f"only {len(open_numbers)} open shipments"
        with httpx.Client(base_url=demo_10k) as client:
            for i, (number, status) in enumerate(targets):
                body = {"status": status, "description": f"bench push {i}"}  # stamped by the demo
                r = client.post(f"/_demo/shipments/{number}/events", json=body)
                assert r.status_code == 201, r.text
                # one by one: the next push once this one's alert is out (latency, not a queue's throughput)
                key = (number, status)
                assert _wait(lambda key=key: key in handed, 10, step=0.001), f"no alert for push {i}"
        assert _wait(lambda: len(_pushed(db)) >= PUSHES, 60), "not every push was stored"
        assert _wait(lambda: len(handed) >= PUSHES, 30), f"only {len(handed)} of {PUSHES} alerts handed over"
    finally:
        coordinator.stop()
    rows = _pushed(db)
    assert all(r.published_at for r in rows), "a pushed event lost the stream's published_at"
    published = [_ms(r.published_at, r.stored_at) for r in rows]
    delivery = [_ms(r.published_at, r.received_at) for r in rows]
    carrier = [_ms(r.occurred_at, r.stored_at) for r in rows]
    p95, p95_delivery = _p(published, 0.95), _p(delivery, 0.95)
    record(
        "realtime.push.published_to_stored",
        f"p95 < {PUBLISHED_TO_STORED_MS:.0f} ms",
        f"x{p95 / max(p95_delivery, 1e-3):.1f}: {_line(published)} ({len(rows)} events)",
        p95 < PUBLISHED_TO_STORED_MS,
        f"published -> received p95 {fmt_value(p95_delivery, 'ms')}",
    )
    alert_ms = [
        max(0.0, (handed[(r.tracking_number, r.status)] - parse_utc(r.occurred_at).timestamp()) * 1000)
        for r in rows
        if (r.tracking_number, r.status) in handed
    ]
    assert len(alert_ms) == PUSHES, f"{len(alert_ms)} alerts matched their pushed event"
    p95_alert, p95_stored = _p(alert_ms, 0.95), _p(carrier, 0.95)
    record(
        "realtime.push.event_to_alert_handed",
        f"p95 < {EVENT_TO_ALERT_MS:.0f} ms",
        f"x{p95_alert / max(p95_stored, 1e-3):.1f}: {_line(alert_ms)} ({len(alert_ms)} alerts)",
        p95_alert < EVENT_TO_ALERT_MS,
        f"event -> stored p95 {fmt_value(p95_stored, 'ms')}",
    )
    summary, publish_summary = StatsRepository(store).latencies()
    record(
        "realtime.stats (ordertrack stats)",
        "info",
        f"event -> stored p95 {summary.p95_ms} ms, published -> stored p95 {publish_summary.p95_ms} ms",
        True,
    )

    walls, requests = [], []
    engine.listeners.clear()
    engine.sync_all()  # settle: whatever the demo's clock published meanwhile
    for _ in range(10):
        t0 = time.perf_counter()
        [again] = engine.sync_all()
        walls.append((time.perf_counter() - t0) * 1000)
        requests.append(again.requests)
    engine.close()
    store.close()
    floors = []
    with httpx.Client(base_url=demo_10k) as client:
        etag = client.get("/v1/orders", params={"limit": 1}).headers.get("etag", "")
        for _ in range(10):
            t0 = time.perf_counter()
            client.get("/v1/orders", params={"limit": 1}, headers={"If-None-Match": etag})
            floors.append((time.perf_counter() - t0) * 1000)
    wall = statistics.median(walls)
    one = sum(1 for n in requests if n == 1)
    record_ratio(
        "realtime.unchanged_source",
        wall,
        statistics.median(floors),
        10.0,
        unit="ms",
        floor_name="one bare conditional GET",
        note=f"{one}/10 syncs were 1 request",
    )
