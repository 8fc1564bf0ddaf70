"""Push over real SSE: the follow engine stores a posted carrier event, resumes by Last-Event-ID.

How fast a push is stored is a benchmark figure (tests/bench/bench_realtime.py), never asserted here.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.demo import DemoServer
from services.domain import OrderFilter
from services.storage import StatsRepository, Store
from services.sync import SyncEngine
from services.sync.coordinator import SyncCoordinator
from tests.support.cli import follow, run_cli
from tests.support.waiting import wait_until

from .faultproxy import FaultProxy, ordertrack_runtime

SLOW = {"ordertrack": 3600.0}
"""Polling floors for tests that must see push alone (no poll may deliver the events)."""
WAIT = 15.0
"""Seconds to wait for a pushed event (a condition, not a budget)."""


@pytest.fixture
def quiet_demo() -> Iterator[DemoServer]:
    """A demo backend whose own clock publishes nothing during the test (only posted events move)."""
    server = DemoServer(orders=40, seed=21, tick_seconds=3600)
    server.start()
    yield server
    server.stop()


def _post(url: str, number: str, status: str, description: str) -> dict[str, object]:
    r = httpx.post(f"{url}/_demo/shipments/{number}/events", json={"status": status, "description": description})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def _descriptions(store: Store, number: str) -> list[str]:
    orders = store.orders.order_numbers_for_tracking(number)
    out: list[str] = []
    for n in orders:
        order = store.orders.get(n)
        assert order is not None
        out += [e.description for s in order.shipments if s.tracking_number == number for e in s.events]
    return out


def _tracking_numbers(store: Store, count: int) -> list[str]:
    numbers = [s.tracking_number for o in store.orders.list_orders(OrderFilter()) for s in o.shipments]
    assert len(numbers) >= count
    return numbers[:count]


def test_pushed_event_is_in_the_cache_by_push(quiet_demo: DemoServer, store: Store) -> None:
    """While the follow engine runs, an event posted to the demo is stored (live) by push; stop is clean."""
    engine = SyncEngine(store, [ordertrack_runtime("shop", quiet_demo.url)])
    coordinator = SyncCoordinator(engine, min_intervals=SLOW, interval=3600)
    coordinator.start()
    try:
        assert wait_until(lambda: "shop" in coordinator.reports, 20), "first sync did not finish"
        assert coordinator.reports["shop"].error is None
        assert wait_until(lambda: coordinator.pushers["shop"].connected, 5), "stream did not open"
        number = _tracking_numbers(store, 1)[0]
        polled = coordinator.reports["shop"]
        _post(quiet_demo.url, number, "out_for_delivery", "Pushed: on the van")
        assert wait_until(lambda: "Pushed: on the van" in _descriptions(store, number), WAIT), "never stored"
        assert coordinator.reports["shop"] is polled, "stored by a poll, not by push"
    finally:
        coordinator.close()
    assert coordinator.threads_alive() == [], "threads left after stop"
    samples = StatsRepository(store).latency_samples()
    assert len(samples) == 1, "exactly the pushed event counts as a live update (history excluded)"
    assert samples[0].received_at <= samples[0].stored_at
    published = samples[0].published_at
    assert published is not None and published <= samples[0].received_at, "the stream's published_at is kept"
    assert samples[0].publish_ms is not None and samples[0].publish_ms <= samples[0].update_ms + 1
    assert store.sync_state.get("shop#stream").cursor is not None, "stream position persisted"
    order = store.orders.get(store.orders.order_numbers_for_tracking(number)[0])
    assert order is not None
    shipment = next(s for s in order.shipments if s.tracking_number == number)
    assert shipment.status.value == "out_for_delivery"


def test_stream_dropped_and_restarted_loses_and_duplicates_nothing(quiet_demo: DemoServer, store: Store) -> None:
    """A stream cut mid-flight and refused for a while resumes with Last-Event-ID: every event once."""
    with FaultProxy(quiet_demo.url) as proxy:
        engine = SyncEngine(store, [ordertrack_runtime("shop", proxy.url)])
        coordinator = SyncCoordinator(
            engine, min_intervals=SLOW, interval=3600, reconnect_initial=0.05, reconnect_max=0.2
        )
        coordinator.start()
        try:
            assert wait_until(lambda: "shop" in coordinator.reports and coordinator.pushers["shop"].connected, 20)
            numbers = _tracking_numbers(store, 10)
            polls = proxy.count("/v1/orders", exact=True)
            for i in range(5):
                _post(quiet_demo.url, numbers[i], "in_transit", f"before drop {i}")
            assert wait_until(lambda: all(f"before drop {i}" in _descriptions(store, numbers[i]) for i in range(5)), 3)
            last_before = coordinator.pushers["shop"].last_event_id
            assert last_before is not None
            proxy.inject("status", "/v1/stream", count=3, status=503)
            assert proxy.drop_streams() == 1
            assert wait_until(lambda: proxy.pending() == 0, 5), "the listener did not retry the stream"
            for i in range(5, 10):
                _post(quiet_demo.url, numbers[i], "in_transit", f"while down {i}")
            assert wait_until(
                lambda: all(f"while down {i}" in _descriptions(store, numbers[i]) for i in range(5, 10)), 5
            ), "events posted while the stream was down never arrived"
        finally:
            coordinator.close()
    resumed = [r for r in proxy.requests if r.path == "/v1/stream" and r.fault is None][1:]
    assert resumed and resumed[0].last_event_id == last_before, "reconnected without Last-Event-ID"
    assert proxy.count("/v1/orders", exact=True) == polls, "events must have come by push replay, not by polling"
    for i, number in enumerate(numbers):
        wanted = f"before drop {i}" if i < 5 else f"while down {i}"
        assert _descriptions(store, number).count(wanted) == 1
    assert len(StatsRepository(store).latency_samples()) == 10


def test_follow_command_prints_a_pushed_event_and_stops_cleanly(quiet_demo: DemoServer, home: Path) -> None:
    """`ordertrack sync --follow` prints the pushed event and exits 0 on SIGTERM, no traceback."""
    assert run_cli(home, "sources", "add", "ordertrack", "--url", quiet_demo.url, "--name", "shop").returncode == 0
    proc = follow(home, stderr=subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        assert wait_until(lambda: any("new events" in line for line in lines), 30), lines
        assert wait_until(lambda: len(quiet_demo._streams) == 1, 10), "the follow engine did not open the stream"
        number = next(iter(quiet_demo.data.plans[0].shipments)).tracking_number
        _post(quiet_demo.url, number, "available_for_pickup", "Ready at the locker")
        assert wait_until(lambda: any("Ready at the locker" in line for line in lines), WAIT), lines[-3:]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        reader.join(5)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        proc.stdout.close()  # type: ignore[union-attr]
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert lines[-1].strip() == "Stopped."
    stats = run_cli(home, "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    data = json.loads(stats.stdout)
    assert data["update_latency"]["count"] == 1
    assert data["update_latency"]["p95_ms"] is not None
    assert data["publish_latency"]["count"] == 1, "the demo's stream message says when it was published"
    [source] = data["sources"]
    assert source["source"] == "shop" and source["health"] == "healthy" and source["stream_last_event_id"]
