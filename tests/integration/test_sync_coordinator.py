"""The coordinator's politeness (floors, jitter, backoff, Retry-After, debounce, retirement) and its GUI wiring."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import httpx

from app.live import SyncEvent, SyncHub, SyncLoop
from services.demo import DemoServer
from services.domain import OrderFilter, ShipmentStatus, SyncInfo, SyncPhase, utc_now
from services.storage import Store, tracking_candidates
from services.sync import SyncEngine
from services.sync.coordinator import (
    MAX_BACKOFF,
    PUSH_RELAX,
    Schedule,
    SyncCoordinator,
    effective_interval,
    min_interval,
)
from services.sync.health import source_health
from tests.support.waiting import wait_until

from .faultproxy import FaultProxy, ordertrack_runtime


def test_floors_cannot_be_lowered() -> None:
    """The backend API is polled at most every 10 s, cloud aggregators every 60 s, whatever is asked."""
    assert min_interval("ordertrack") == 10.0
    assert min_interval("aftership") == min_interval("17track") == 60.0
    assert effective_interval("ordertrack", 1.0) == 10.0
    assert effective_interval("shopify", 5.0) == 60.0
    assert effective_interval("ordertrack", 45.0) == 45.0


def test_schedule_jitter_backoff_retry_after_and_push_relax() -> None:
    """Success: interval +-10 %; failures double up to the cap; Retry-After defers once; push relaxes."""
    s = Schedule(10.0, rng=random.Random(1))
    assert s.due(0.0)
    s.succeeded(100.0)
    assert 109.0 <= s.next_due <= 111.0
    delays = []
    for _ in range(12):
        s.failed(0.0)
        delays.append(s.next_due)
    assert 9.0 <= delays[0] <= 11.0 and 18.0 <= delays[1] <= 22.0 and 36.0 <= delays[2] <= 44.0
    assert max(delays) <= MAX_BACKOFF * 1.1
    s.succeeded(0.0)
    assert s.failures == 0 and s.next_due <= 11.0
    s.failed(0.0, retry_after=120.0)
    assert s.next_due >= 120.0 and s.not_before == 120.0
    assert not s.request(1.0), "a manual refresh cannot jump a rate-limit deferral"
    assert s.next_due >= 120.0
    s.succeeded(130.0)
    assert s.next_due <= 141.0, "the deferral was one-shot"
    s.push_live = True
    s.succeeded(200.0)
    assert s.next_due >= 200.0 + 10.0 * PUSH_RELAX * 0.9


def test_manual_refresh_is_debounced() -> None:
    """The first "refresh now" runs at once; more within 10 s coalesce into one run at the end of the cooldown."""
    s = Schedule(60.0, rng=random.Random(2))
    s.succeeded(0.0)
    assert s.request(5.0) and s.next_due == 5.0
    s.started(5.0)
    s.succeeded(5.2)
    assert not s.request(6.0) and s.next_due == 15.0
    assert not s.request(9.0) and s.next_due == 15.0
    assert s.request(15.0)


def test_rate_limit_defers_the_next_pull_and_health_says_why(store: Store) -> None:
    """A 429 with Retry-After (beyond the client's own retries) defers the next pull, then the source recovers."""
    with DemoServer(orders=15, seed=81, tick_seconds=3600) as demo, FaultProxy(demo.url) as proxy:
        engine = SyncEngine(store, [ordertrack_runtime("shop", proxy.url)])
        engine.sync_all()
        last_good = store.sync_state.get("shop").last_success_at
        proxy.inject("status", "/v1/orders", count=2, status=429, retry_after=2, exact=True)
        coordinator = SyncCoordinator(engine, push=False, interval=3600, min_intervals={"ordertrack": 3600.0})
        coordinator.start()
        try:
            assert wait_until(lambda: "shop" in coordinator.reports, 10)
            failed = coordinator.reports["shop"]
            assert failed.error is not None and failed.retry_after == 2.0
            health = source_health(store.sync_state.get("shop"), utc_now())
            assert health.state == "failing" and "Rate limited" in (health.reason or "")
            assert health.since == last_good
            schedule = coordinator.schedules["shop"]
            assert schedule.not_before - coordinator.clock() > 1.0
            assert not coordinator.request_refresh(), "refresh now must wait out Retry-After"
            assert wait_until(lambda: coordinator.reports["shop"].error is None, 6), "did not recover"
        finally:
            coordinator.close()
        assert proxy.count("/v1/orders", exact=True) >= 4
    assert source_health(store.sync_state.get("shop"), utc_now()).state == "healthy"


def test_delivered_shipments_retire_from_polling_after_the_grace(store: Store) -> None:
    """Final shipments stay in the poll list for the grace period, then leave it; open ones always stay."""
    with DemoServer(orders=30, seed=91, tick_seconds=3600) as demo:
        engine = SyncEngine(store, [ordertrack_runtime("shop", demo.url)])
        engine.sync_all()
        engine.close()
    ships = [s for o in store.orders.list_orders(OrderFilter()) for s in o.shipments if s.events]
    final = [s for s in ships if s.status is ShipmentStatus.DELIVERED]
    open_ = [s for s in ships if s.status is ShipmentStatus.IN_TRANSIT]
    assert final and open_
    now = utc_now()
    recent = max(final, key=lambda s: max(e.occurred_at for e in s.events))
    cutoff = max(e.occurred_at for e in recent.events) - timedelta(seconds=1)
    polled = {n for n, _ in tracking_candidates(store, retired_before=cutoff)}
    assert recent.tracking_number in polled, "delivered within the grace: still polled"
    assert {s.tracking_number for s in open_} <= polled
    polled_later = {n for n, _ in tracking_candidates(store, retired_before=now + timedelta(days=1))}
    assert not {s.tracking_number for s in final} & polled_later, "retired after the grace"
    assert {s.tracking_number for s in open_} <= polled_later


def test_gui_sync_loop_gets_pushes_live_through_the_coordinator(store: Store) -> None:
    """The GUI's SyncLoop runs the coordinator: pulls and pushes reach every session through the hub."""
    with DemoServer(orders=20, seed=95, tick_seconds=3600) as demo:
        engine = SyncEngine(store, [ordertrack_runtime("demo", demo.url)])
        hub = SyncHub(SyncInfo())
        heard: list[SyncEvent] = []
        pushed = threading.Event()

        def listen(event: SyncEvent) -> None:
            heard.append(event)
            if any(e.event.description == "Live to the GUI" for e in event.changes.new_events):
                pushed.set()

        hub.subscribe(listen)
        loop = SyncLoop(
            hub,
            lambda **hooks: SyncCoordinator(engine, interval=3600, min_intervals={"ordertrack": 3600.0}, **hooks),
        )
        loop.start()
        try:
            assert wait_until(lambda: loop.coordinator is not None and "demo" in loop.coordinator.reports, 20)
            coordinator = loop.coordinator
            assert coordinator is not None
            assert wait_until(lambda: coordinator.pushers["demo"].connected, 5)
            assert hub.info.phase is SyncPhase.UP_TO_DATE
            number = next(s.tracking_number for o in store.orders.list_orders(OrderFilter()) for s in o.shipments)
            r = httpx.post(
                f"{demo.url}/_demo/shipments/{number}/events",
                json={"status": "in_transit", "description": "Live to the GUI"},
            )
            assert r.status_code == 201
            assert pushed.wait(2), "the push did not reach the hub"
            hub.request()  # "refresh now" from a session goes through the coordinator's debounce
            assert wait_until(lambda: coordinator.passes >= 2, 5)
        finally:
            loop.stop()
        assert coordinator.threads_alive() == []
        assert not loop._thread.is_alive()
