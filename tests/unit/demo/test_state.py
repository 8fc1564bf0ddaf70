"""The demo simulation state: cursors, publishing, monotonic updated_at, stream log and replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.demo import DemoState, StreamEntry, decode_cursor, encode_cursor, generate
from services.demo.state import json_bytes, order_payload
from services.domain import ShipmentStatus, ValidationError, parse_utc

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def state() -> DemoState:
    return DemoState(generate(5, 120, NOW), clock=FakeClock())


def _walk(state: DemoState, cursor: str | None = None, limit: int = 9) -> tuple[list[str], str]:
    numbers: list[str] = []
    while True:
        page = state.page(cursor, limit)
        numbers += [o.order_number for o in page.orders]
        cursor = page.next_cursor
        if not page.has_more:
            return numbers, cursor


def test_cursor_round_trip_and_rejects_garbage() -> None:
    """Cursors are opaque base64 of 'updated_at|order_number' and bad ones raise ValidationError."""
    when = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, "W-100001")) == (when, "W-100001")
    for bad in ("zzz", "", "!!!!", encode_cursor(when, "")[:-3]):
        with pytest.raises(ValidationError):
            decode_cursor(bad)


def test_pages_walk_every_order_once_in_order(state: DemoState) -> None:
    """Pages are ordered by (updated_at, order_number); the cursor is exclusive."""
    numbers, cursor = _walk(state)
    assert sorted(numbers) == sorted(p.order_number for p in state.data.plans)
    assert len(numbers) == len(set(numbers))
    keys = [(state.order(n).updated_at, n) for n in numbers]  # type: ignore[union-attr]
    assert keys == sorted(keys)
    empty = state.page(cursor, 10)
    assert empty.orders == () and empty.next_cursor == cursor and not empty.has_more


def test_publish_due_moves_time_and_keeps_updated_at_monotonic(state: DemoState) -> None:
    """Advancing publishes due events in time order, each change sorting after every earlier cursor."""
    _, cursor = _walk(state)
    due = state.next_due
    assert due is not None and due > NOW
    seen: list[StreamEntry] = []
    state.subscribe(seen.append)
    now, published = state.advance((due - NOW).total_seconds() / 60 + 60 * 24)
    assert published == len(seen) > 0
    assert now >= due
    assert [e.id for e in seen] == list(range(1, published + 1))
    changed, _ = _walk(state, cursor)
    assert set(changed) == {e.data["order_number"] for e in seen}
    stamps = [parse_utc(e.data["updated_at"]) for e in seen]
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False))
    last_status = {
        e.data["tracking_number"]: (e.data["order_number"], e.data["status"]) for e in seen if e.data["tracking_number"]
    }
    assert last_status
    for tracking_number, (order_number, status) in last_status.items():
        order = state.order(order_number)
        assert order is not None
        assert {s.tracking_number: s.status.value for s in order.shipments}[tracking_number] == status


def test_add_event_becomes_latest_and_replays(state: DemoState) -> None:
    """A control event is stamped after the shipment's latest event and is replayed after its id."""
    plan = next(p for p in state.data.plans if p.shipments and state.order(p.order_number).shipments)  # type: ignore[union-attr]
    number = plan.shipments[0].tracking_number
    state.advance(60 * 24 * 30)
    first, _ = state.add_event(number, "exception", "Held at customs", "Leipzig, DE", "Exception_006")
    second, order = state.add_event(number, "delivered", None, None)
    shipment = next(s for s in order.shipments if s.tracking_number == number)
    assert shipment.status is ShipmentStatus.DELIVERED
    assert shipment.events[-2].description == "Held at customs" and shipment.events[-2].location == "Leipzig, DE"
    assert second.id == first.id + 1
    replay, unsubscribe = state.subscribe(lambda _: None, first.id)
    unsubscribe()
    assert [e.id for e in replay] == [second.id]
    tracking = state.tracking(plan.shipments[0].carrier, number)
    assert tracking is not None and tracking["tag"] == "Delivered"
    assert tracking["checkpoints"][-2]["subtag"] == "Exception_006" and tracking["checkpoints"][-2]["city"] == "Leipzig"
    with pytest.raises(KeyError):
        state.add_event("NOPE", "delivered")
    with pytest.raises(ValueError):
        state.add_event(number, "teleported")
    with pytest.raises(ValueError):
        state.add_event(number, "delivered", subtag="Exception_013")


def test_live_events_are_stamped_to_the_millisecond_and_say_when_published(state: DemoState) -> None:
    """Events added live carry milliseconds (not whole seconds), and each stream message its published_at."""
    numbers = [s.tracking_number for p in state.data.plans for s in p.shipments][:6]
    entries = [state.add_event(n, "in_transit", f"Live scan {i}")[0] for i, n in enumerate(numbers)]
    stamps = [parse_utc(e.data["event"]["occurred_at"]) for e in entries]  # type: ignore[index,call-overload]
    assert all(t.microsecond % 1000 == 0 for t in stamps), "milliseconds, no finer"
    assert any(t.microsecond for t in stamps), "six events all on a whole second: stamped in whole seconds"
    for entry, stamp in zip(entries, stamps, strict=True):
        published = parse_utc(entry.data["published_at"])  # type: ignore[index,call-overload]
        assert stamp <= published <= datetime.now(UTC)


def test_sim_clock_follows_real_time() -> None:
    """Simulated now = data now + real time elapsed + advances."""
    clock = FakeClock()
    state = DemoState(generate(5, 10, NOW), clock=clock)
    clock.t += 90
    assert state.sim_now() == NOW + timedelta(seconds=90)
    state.advance(10)
    assert state.sim_now() == NOW + timedelta(seconds=90, minutes=10)


def _fresh_page(state: DemoState, cursor: str | None, limit: int, embed: bool = False) -> bytes:
    """The page body rendered from scratch (what the server sent before pages were cached)."""
    page = state.page(cursor, limit)
    return json_bytes(
        {
            "orders": [order_payload(o, embed) for o in page.orders],
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
        }
    )


def test_cached_pages_equal_fresh_rendering_and_follow_changes(state: DemoState) -> None:
    """A page joined from cached order texts is byte for byte a fresh rendering, also after an order changes."""
    state.warm()
    page = state.page(None, 50)
    assert state.page_json(page) == _fresh_page(state, None, 50)
    assert state.page_json(page, embed=True) == _fresh_page(state, None, 50, embed=True)
    number = next(s.tracking_number for o in page.orders for s in o.shipments)
    state.add_event(number, "in_transit", "cache check")
    after = state.page(None, 10_000)
    assert state.page_json(after) == _fresh_page(state, None, 10_000)
    body = state.page_json(after, embed=True)
    assert body == _fresh_page(state, None, 10_000, embed=True)
    assert b"cache check" in body


def test_cached_trackings_equal_fresh_rendering_and_follow_changes(state: DemoState) -> None:
    """The tracking list from cached texts equals the plain rendering (count too), before and after a new event."""
    for _ in range(2):
        fresh, count = state.trackings(1, 200)
        cached, cached_count = state.trackings_json(1, 200)
        assert cached_count == count and cached == [json_bytes(t) for t in fresh]
        state.add_event(fresh[0]["tracking_number"], "out_for_delivery", "cache check")
    assert any(b"cache check" in t for t in state.trackings_json(1, 200)[0])
