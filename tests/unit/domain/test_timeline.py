"""Unified timeline and event merging rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.domain import (
    Channel,
    EventKind,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    merge_events,
    unified_timeline,
    with_events,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def ev(hours: float, status: ShipmentStatus, desc: str, **kw: object) -> TrackingEvent:
    """Build a carrier event ``hours`` after T0."""
    return TrackingEvent(occurred_at=T0 + timedelta(hours=hours), status=status, description=desc, **kw)  # type: ignore[arg-type]


def make_order() -> Order:
    """An order with two shipments whose events interleave with order events."""
    a = Shipment("1Z999AA10123456784", "ups", events=(ev(5, ShipmentStatus.IN_TRANSIT, "Departed"),))
    b = Shipment("9400100000000000000000", "usps", events=(ev(3, ShipmentStatus.INFO_RECEIVED, "Label"),))
    return Order(
        order_number="W-1",
        source="demo",
        channel=Channel.WEB,
        placed_at=T0,
        status=OrderStatus.SHIPPED,
        currency="EUR",
        total=__import__("decimal").Decimal("10.00"),
        tax_total=__import__("decimal").Decimal("1.60"),
        events=(
            OrderEvent(T0, OrderStatus.PLACED, "Order placed"),
            OrderEvent(T0 + timedelta(hours=4), OrderStatus.SHIPPED, "Shipped"),
        ),
        shipments=(a, b),
    )


def test_timeline_merges_all_sources_chronologically() -> None:
    """Order events and both shipments' events interleave by time."""
    entries = unified_timeline(make_order())
    assert [e.description for e in entries] == ["Order placed", "Label", "Shipped", "Departed"]
    assert [e.kind for e in entries] == [EventKind.ORDER, EventKind.SHIPMENT, EventKind.ORDER, EventKind.SHIPMENT]
    assert entries[1].tracking_number == "9400100000000000000000" and entries[1].carrier == "usps"


def test_duplicate_events_from_two_sources_are_kept_once() -> None:
    """The same scan from a poll and a webhook is one event; the richer copy wins."""
    poor = ev(1, ShipmentStatus.IN_TRANSIT, "Arrival scan")
    rich = ev(1, ShipmentStatus.IN_TRANSIT, "Arrival Scan ", location="Louisville, KY, US")
    merged = merge_events((poor,), (rich,))
    assert len(merged) == 1 and merged[0].location == "Louisville, KY, US"


def test_status_follows_latest_event_by_time_not_arrival() -> None:
    """An old event arriving last does not roll the status back."""
    delivered = ev(10, ShipmentStatus.DELIVERED, "Delivered")
    late_old = ev(2, ShipmentStatus.IN_TRANSIT, "Departed hub")
    shipment = with_events(Shipment("X", "ups"), merge_events((delivered,), (late_old,)))
    assert shipment.status is ShipmentStatus.DELIVERED
    assert shipment.delivered_at == delivered.occurred_at
    assert [e.description for e in shipment.events] == ["Departed hub", "Delivered"]
