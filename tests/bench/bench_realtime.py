"""Real-time sync: initial 10k sync through the coordinator, push latency, unchanged-source cost."""

from __future__ import annotations

import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.domain import OrderFilter, SourceConfig, parse_utc
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import StatsRepository, Store
from services.storage.stats import percentile
from services.sync import SourceRuntime, SyncEngine
from services.sync.coordinator import SyncCoordinator
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking

from .conftest import record

PUSHES = 500


def _engine(store: Store, url: str) -> SyncEngine:
    config = SourceConfig(name="bench", kind="ordertrack", url=url)
    tracking = AfterShipTracking(AfterShipClient("", base_url=url + "/aftership/v4"))
    return SyncEngine(store, [SourceRuntime(config, OrdertrackOrderSource(OrdertrackClient(url, None)), tracking)])


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _stored(db: Path) -> dict[str, str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT description, stored_at FROM tracking_events WHERE description LIKE 'bench push %'")
        return {d: s for d, s in rows}


@pytest.mark.bench
def test_realtime_push_latency_and_unchanged_source(demo_10k: str, tmp_path: Path) -> None:
    """10k initial sync via the coordinator; 500 pushes one by one (post -> stored); an unchanged source's cost."""
    db = tmp_path / "realtime.db"
    store = Store.open(db)
    engine = _engine(store, demo_10k)
    coordinator = SyncCoordinator(engine, interval=3600, min_intervals={"ordertrack": 3600.0})
    started = time.perf_counter()
    coordinator.start()
    try:
        assert _wait(lambda: "bench" in coordinator.reports, 120), "initial sync did not finish"
        initial = time.perf_counter() - started
        report = coordinator.reports["bench"]
        assert report.error is None, report.error
        assert store.orders.count(OrderFilter()) == 10_000
        record(
            "realtime.initial_10k_via_coordinator",
            "< 15 s",
            f"{initial:.2f} s ({len(report.changes.new_events)} carrier events)",
            initial < 15,
        )
        assert _wait(lambda: coordinator.pushers["bench"].connected, 10)

        numbers = [
            s.tracking_number for o in store.orders.list_orders(OrderFilter(), limit=PUSHES) for s in o.shipments
        ]
        posted: dict[str, datetime] = {}
        with httpx.Client(base_url=demo_10k) as client:
            for i in range(PUSHES):
                text = f"bench push {i}"
                posted[text] = now = datetime.now(UTC)  # microseconds (utc_now drops them)
                body = {"status": "in_transit", "description": text, "occurred_at": now.isoformat()}
                r = client.post(f"/_demo/shipments/{numbers[i % len(numbers)]}/events", json=body)
                assert r.status_code == 201, r.text
                time.sleep(0.005)
        assert _wait(lambda: len(_stored(db)) == PUSHES, 30), "not every push was stored"
    finally:
        coordinator.stop()
    stored = _stored(db)
    latencies = sorted((parse_utc(stored[t]) - posted[t]).total_seconds() * 1000 for t in posted)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    record(
        "realtime.push_post_to_stored",
        "p95 < 250 ms",
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms ({PUSHES} events)",
        p95 < 250,
    )
    summary = StatsRepository(store).update_latency()
    record(
        "realtime.stats_update_latency",
        "info",
        f"count {summary.count}, p50 {summary.p50_ms} ms, p95 {summary.p95_ms} ms (occurred_at -> stored)",
        True,
    )

    walls, requests = [], []
    engine.sync_all()  # settle: whatever the demo's clock published meanwhile
    for _ in range(10):
        t0 = time.perf_counter()
        [again] = engine.sync_all()
        walls.append((time.perf_counter() - t0) * 1000)
        requests.append(again.requests)
    engine.close()
    store.close()
    wall = statistics.median(walls)
    one = sum(1 for n in requests if n == 1)
    record(
        "realtime.unchanged_source",
        "1 req, < 50 ms",
        f"median {wall:.1f} ms, {one}/10 syncs were 1 request",
        wall < 50 and one >= 8,
    )
