"""A carrier withdrawing its estimate reaches the ETA history and `ordertrack timeline`, through the real sync.

A scripted backend on 127.0.0.1 speaks the backend API (``/v1/orders``) and, under
``/aftership/v4``, the AfterShip-compatible tracking API, like a merchant's middleware. Order
W-T2 has two parcels: A's estimate comes from the order feed (a timed window), B's from the
tracking API (a date) while the order feed says ``"estimated_delivery": null`` for B, as a
backend that does not know the carrier's estimate does. The CLI (``sources add``, ``sync``,
``timeline``) runs as a user would, on a real SQLite cache.

1. first sync: A and B each have one estimate;
2. the order changes, B still null in the order feed: nothing is withdrawn (no flip-flop);
3. the order feed drops A's estimate and the tracking API drops B's: both are withdrawals,
   recorded once, and the timeline says "Estimate withdrawn by the carrier on ...".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.domain import ShipmentStatus, SourceConfig, TrackingEvent, format_utc
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync.engine import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking
from tests.support.cli import run_cli
from tests.support.local_http import JsonServer

A, B = "1Z999AA10123456784", "1Z999AA10123456785"
NUMBER = "W-T2"
NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = {"start": format_utc(NOW + timedelta(days=4, hours=8)), "end": format_utc(NOW + timedelta(days=4, hours=12))}
DAY = (NOW + timedelta(days=5)).date().isoformat()


def _event(hours_ago: float, description: str) -> dict[str, Any]:
    return {
        "occurred_at": format_utc(NOW - timedelta(hours=hours_ago)),
        "status": "in_transit",
        "description": description,
        "location": "Louisville, KY, US",
        "raw_status": "InTransit_001",
    }


def _checkpoint(hours_ago: float, message: str) -> dict[str, Any]:
    return {
        "checkpoint_time": format_utc(NOW - timedelta(hours=hours_ago)),
        "tag": "InTransit",
        "subtag": "InTransit_001",
        "message": message,
        "location": "Louisville, KY, US",
    }


class Backend:
    """The scripted merchant backend: one order, its parcels' tracking; ``publish`` makes a change visible."""

    def __init__(self) -> None:
        self.version = 1
        self.eta_a: dict[str, str] | None = dict(WINDOW)
        self.events_a = [_event(30, "Departed facility")]
        self.tracking_b: dict[str, Any] = {"expected_delivery": DAY, "checkpoints": [_checkpoint(20, "Origin scan")]}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._http = JsonServer(self.answer)

    @property
    def url(self) -> str:
        """Return the base URL."""
        return self._http.url

    def close(self) -> None:
        """Stop serving."""
        self._http.close()

    def publish(self) -> None:
        """Mark the order changed (the next sync's cursor page carries it, and its parcels are polled)."""
        with self._lock:
            self.version += 1

    def order(self) -> dict[str, Any]:
        """The order as the backend API serves it (the domain JSON of DESIGN.md)."""
        placed = NOW - timedelta(days=2)
        return {
            "order_number": NUMBER,
            "source": "backend",
            "channel": "web",
            "placed_at": format_utc(placed),
            "updated_at": format_utc(placed + timedelta(minutes=self.version)),
            "status": "shipped",
            "currency": "USD",
            "total": "20.00",
            "tax_total": "0.00",
            "items": [{"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "20.00"}],
            "events": [{"occurred_at": format_utc(placed), "status": "placed", "description": "Order placed"}],
            "shipments": [
                {
                    "tracking_number": A,
                    "carrier": "ups",
                    "status": "in_transit",
                    "estimated_delivery": self.eta_a,
                    "events": self.events_a,
                },
                {
                    "tracking_number": B,
                    "carrier": "ups",
                    "status": "in_transit",
                    "estimated_delivery": None,  # this backend does not know the carrier's estimate
                    "events": [_event(20, "Origin scan")],
                },
            ],
        }

    def tracking(self) -> dict[str, Any]:
        """B as the AfterShip-compatible API serves it (v4)."""
        checkpoints = self.tracking_b["checkpoints"]
        return {
            "id": "trk-b",
            "tracking_number": B,
            "slug": "ups",
            "tag": "InTransit",
            "subtag": "InTransit_001",
            "created_at": format_utc(NOW - timedelta(days=1)),
            "updated_at": checkpoints[-1]["checkpoint_time"],
            "expected_delivery": self.tracking_b["expected_delivery"],
            "checkpoints": checkpoints,
        }

    def answer(self, target: str) -> tuple[int, Any]:
        """Route one GET."""
        url = urlsplit(target)
        query = parse_qs(url.query)
        with self._lock:
            self.requests.append(url.path)
            if url.path == "/v1/orders":
                current = str(self.version)
                fresh = query.get("updated_since", [""])[0] != current
                return 200, {"orders": [self.order()] if fresh else [], "next_cursor": current, "has_more": False}
            if url.path == "/aftership/v4/trackings":
                data = {"page": 1, "limit": 200, "count": 1, "trackings": [self.tracking()]}
                return 200, {"meta": {"code": 200}, "data": data}
            if url.path == f"/aftership/v4/trackings/ups/{B}":
                return 200, {"meta": {"code": 200}, "data": {"tracking": self.tracking()}}
            if url.path.startswith("/aftership/v4/trackings/"):
                return 404, {"meta": {"code": 4004, "message": "Tracking does not exist.", "type": "NotFound"}}
            return 404, {"error": "not_found", "message": "no such route"}


@pytest.fixture
def backend() -> Iterator[Backend]:
    """A running scripted backend."""
    server = Backend()
    yield server
    server.close()


def _sync(home: Path) -> None:
    result = run_cli(home, "sync")
    assert result.returncode == 0, result.stderr


def _estimates(home: Path) -> dict[str, dict[str, Any]]:
    result = run_cli(home, "timeline", NUMBER, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {e["tracking_number"]: e for e in json.loads(result.stdout)["estimates"]}


def test_withdrawn_estimates_reach_the_history_and_the_timeline(home: Path, backend: Backend) -> None:
    """The three steps of the module doc, through `ordertrack sync` and `ordertrack timeline`."""
    added = run_cli(home, "sources", "add", "ordertrack", "--url", backend.url, "--name", "merchant")
    assert added.returncode == 0, added.stderr

    _sync(home)  # 1. first sync (history back-fill of the tracking API included)
    first = _estimates(home)
    assert first[A]["estimated_delivery"] == {"start": WINDOW["start"], "end": WINDOW["end"]}
    assert first[B]["estimated_delivery"]["start"][:10] == DAY and first[B]["estimated_delivery"]["date_only"]
    assert [len(first[n]["history"]) for n in (A, B)] == [1, 1]

    # 2. the order changes; the order feed still says null for B, the tracking API still has B's day
    backend.events_a = [*backend.events_a, _event(10, "Arrival scan")]
    backend.publish()
    _sync(home)
    second = _estimates(home)
    assert second[B]["estimated_delivery"] == first[B]["estimated_delivery"]
    assert [len(second[n]["history"]) for n in (A, B)] == [1, 1] and second[B]["note"] is None
    assert f"/aftership/v4/trackings/ups/{B}" in backend.requests  # the tracking API was asked again

    # 3. the carrier withdraws: the order feed drops A's window, the tracking API B's day
    backend.eta_a = None
    backend.events_a = [*backend.events_a, _event(2, "Delayed: weather")]
    backend.tracking_b = {
        "expected_delivery": None,
        "checkpoints": [*backend.tracking_b["checkpoints"], _checkpoint(2, "Delayed: weather")],
    }
    backend.publish()
    _sync(home)
    backend.publish()  # the same records once more: said again, nothing new
    _sync(home)
    third = _estimates(home)
    for number in (A, B):
        history = third[number]["history"]
        assert third[number]["estimated_delivery"] is None
        assert [h["withdrawn"] for h in history] == [False, True], history
        day = datetime.fromisoformat(history[-1]["seen_at"].replace("Z", "+00:00"))
        assert third[number]["note"].startswith(f"Estimate withdrawn by the carrier on {day.day} {day:%b} (was ")

    table = run_cli(home, "timeline", NUMBER)
    assert table.returncode == 0, table.stderr
    lines = [ln for ln in table.stdout.splitlines() if ln.startswith("Parcel ")]
    assert len(lines) == 2
    for number, line in zip((A, B), lines, strict=True):
        assert line.startswith(f"Parcel {number} (ups): no estimate · Estimate withdrawn by the carrier on "), line
    b_day = date.fromisoformat(DAY)
    assert f"(was {b_day.day} {b_day:%b})" in lines[1]  # B's day, named as that calendar day
    listed = run_cli(home, "orders", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [order] = json.loads(listed.stdout)["orders"]
    assert [s["estimated_delivery"] for s in order["shipments"]] == [None, None]
    assert run_cli(home, "sources", "remove", "merchant").returncode == 0


def test_a_pushed_event_keeps_the_estimate_a_full_answer_withdraws_it(tmp_path: Path, backend: Backend) -> None:
    """The engine's push path (one event, no ETA mentioned) is no withdrawal; the next full tracking answer is."""
    store = Store.open(tmp_path / "cache.db")
    runtime = SourceRuntime(
        config=SourceConfig(name="merchant", kind="ordertrack", url=backend.url),
        orders=OrdertrackOrderSource(OrdertrackClient(backend.url, None, max_attempts=1)),
        tracking=AfterShipTracking(AfterShipClient("", base_url=backend.url + "/aftership/v4")),
    )
    engine = SyncEngine(store, [runtime])
    try:
        [report] = engine.sync_all()
        assert report.error is None
        [known] = store.orders.eta_history(NUMBER)[B]
        pushed = TrackingEvent(NOW - timedelta(hours=1), ShipmentStatus.IN_TRANSIT, "Arrival scan", location="Memphis")
        changes = engine.store_pushed_event(
            runtime, tracking_number=B, carrier="ups", event=pushed, stream_id="7", received_at=NOW
        )
        assert changes.new_events  # the event itself is stored
        assert store.orders.eta_history(NUMBER)[B] == (known,)
        cached = store.orders.get(NUMBER)
        assert cached is not None and cached.shipments[1].estimated_delivery == known.window

        backend.tracking_b = {**backend.tracking_b, "expected_delivery": None}
        backend.publish()
        [report] = engine.sync_all()
        assert report.error is None
        assert [c.window for c in store.orders.eta_history(NUMBER)[B]] == [known.window, None]
        assert [c.window for c in store.orders.eta_history(NUMBER)[A]] == [
            store.orders.eta_history(NUMBER)[A][0].window
        ]
    finally:
        engine.close()
        store.close()
