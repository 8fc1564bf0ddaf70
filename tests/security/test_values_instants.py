"""Instants from any source lie in 1970..2099; anything else is refused without OverflowError.

Starts from the issue's inputs: a carrier event in year 9999 was stored and then broke the order
screen and the Timeline (adding a day or a zone overflows); year 1 with an offset crashed the sync
with OverflowError on the way to UTC. Both are one-line ValidationErrors in the backend codec, the
push stream and every vendor mapper; an ETA in year 9999 is dropped rather than stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import (
    EARLIEST,
    LATEST,
    OrderFilter,
    ValidationError,
    order_from_json,
    parse_utc,
    tracking_event_from_json,
    unified_timeline,
)
from services.sources.aftership.mapper import parse_tracking
from services.sources.ordertrack.mapper import parse_stream_event
from services.sources.payload import estimate, opt_instant, stamp, wall_clock_stamp
from services.sources.registry import normalize
from services.sources.woocommerce.mapper import parse_order as parse_woo_order
from services.storage import Store

from .values_support import order, page, serving, sync_once

HOSTILE = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00Z",
    "2100-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T03:00:00+05:00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_backend_codec_refuses_out_of_range_times(text: str) -> None:
    """Year 9999 and year 1 with an offset are a ValidationError naming the field, never OverflowError."""
    with pytest.raises(ValidationError, match="occurred_at"):
        tracking_event_from_json({"occurred_at": text, "status": "delivered"})
    with pytest.raises(ValidationError, match="placed_at"):
        order_from_json(order("W-1", placed_at=text, events=[]))


@pytest.mark.parametrize("text", HOSTILE)
def test_push_stream_refuses_out_of_range_times(text: str) -> None:
    """A pushed event with such a time is refused (the stream skips it) instead of crashing the stream."""
    with pytest.raises(ValidationError):
        parse_stream_event({"order_number": "W-1", "event": {"occurred_at": text, "status": "delivered"}})


@pytest.mark.parametrize("text", HOSTILE)
def test_vendor_time_helpers_refuse_out_of_range_times(text: str) -> None:
    """Required vendor times raise; optional ones and ETAs read as absent."""
    with pytest.raises(ValidationError, match="not a timestamp"):
        stamp(text, "checkpoint")
    assert opt_instant({"t": text}, "t", "tracking") is None
    if not text.startswith("1970"):  # a wall clock keeps its date: only the offset made this one early
        assert estimate(text) is None
        with pytest.raises(ValidationError):
            wall_clock_stamp(text, "detail")


def test_vendor_mapper_refuses_a_year_9999_checkpoint() -> None:
    """An AfterShip checkpoint in year 9999 makes its tracking a ValidationError (skipped by the sync)."""
    raw = {"tracking_number": "1Z1", "slug": "ups", "checkpoints": [{"checkpoint_time": "9999-12-31T23:59:59"}]}
    with pytest.raises(ValidationError, match=r"checkpoints\[0\]"):
        parse_tracking(raw)


def test_a_year_9999_eta_is_dropped_not_stored() -> None:
    """An ETA far outside the calendar range is no estimate (a shipment without events has no sanity anchor)."""
    raw = {"tracking_number": "1Z1", "slug": "ups", "tag": "InTransit", "expected_delivery": "9999-12-31"}
    assert parse_tracking(raw).estimated_delivery is None


def test_woocommerce_unix_time_out_of_range() -> None:
    """A ``date_shipped`` unix time in year 9999 is refused (it used to become a stored 9999 event)."""
    payload = {
        "number": "5",
        "status": "completed",
        "date_created_gmt": "2026-11-20T09:15:00",
        "currency": "EUR",
        "total": "1.00",
        "line_items": [],
        "shipment_trackings": [{"tracking_number": "1Z1", "tracking_provider": "UPS", "date_shipped": "253402300799"}],
    }
    with pytest.raises(ValidationError, match="date_shipped"):
        parse_woo_order(payload)


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_any_iso_time_is_in_range_or_refused(wall: datetime, offset_minutes: int) -> None:
    """For any wall clock and offset, parsing gives an instant in range or a ValidationError — nothing else."""
    text = wall.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).isoformat()
    try:
        value = parse_utc(text)
    except ValidationError:
        value = None
    if value is not None:
        assert EARLIEST <= value < LATEST and value.tzinfo is UTC
    try:
        vendor = stamp(text, "event").occurred_at
    except ValidationError:
        return
    assert EARLIEST <= vendor < LATEST


def test_sync_stores_no_instant_outside_the_range(tmp_path: Path) -> None:
    """Through the real sync: the hostile orders are left out, the rest stores and its timeline builds."""
    hostile = [
        order("W-9999", events=[{"occurred_at": "9999-12-31T23:59:59Z", "status": "placed"}]),
        order("W-YEAR1", placed_at="0001-01-01T00:00:00+05:00"),
        order("W-OK"),
    ]
    store = Store.open(tmp_path / "cache.db")
    try:
        with serving({"": page(hostile, "c1")}) as backend:
            report = sync_once(store, backend)
        assert report.error is None and report.skipped == 2
        orders = store.orders.list_orders(OrderFilter())
        assert [o.order_number for o in orders] == ["W-OK"]
        times = [
            t
            for o in orders
            for t in (
                o.placed_at,
                *(e.occurred_at for e in o.events),
                *(e.occurred_at for s in o.shipments for e in s.events),
            )
        ]
        assert times and all(EARLIEST <= t < LATEST for t in times)
        assert unified_timeline(orders[0])
        assert store.orders.recent_events(50)
    finally:
        store.close()


def test_normalize_cli_path_names_the_field() -> None:
    """``ordertrack normalize`` of a payload with a year-1 offset time is a one-line error, not a traceback."""
    with pytest.raises(ValidationError) as caught:
        normalize("ordertrack", {"orders": [order("W-1", placed_at="0001-01-01T00:00:00+05:00", events=[])]})
    assert "placed_at" in str(caught.value) and "\n" not in str(caught.value)
