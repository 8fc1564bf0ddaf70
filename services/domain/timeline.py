"""The unified timeline: order events and every shipment's carrier events, merged chronologically."""

from __future__ import annotations

from dataclasses import replace

from .enums import VERDICT_SHIPMENT_STATUSES, EventKind, ShipmentStatus
from .models import Order, Shipment, TimelineEntry, TrackingEvent


def unified_timeline(order: Order, alerts: tuple[TimelineEntry, ...] = ()) -> list[TimelineEntry]:
    """Merge order events, carrier events and alerts of one order, oldest first.

    Ties keep a stable, meaningful order: order events first, then carrier events, then alerts.
    """
    entries: list[TimelineEntry] = [
        TimelineEntry(occurred_at=e.occurred_at, kind=EventKind.ORDER, status=e.status.value, description=e.description)
        for e in order.events
    ]
    for shipment in order.shipments:
        for ev in shipment.events:
            entries.append(
                TimelineEntry(
                    occurred_at=ev.occurred_at,
                    kind=EventKind.SHIPMENT,
                    status=ev.status.value,
                    description=ev.description,
                    location=ev.location,
                    tracking_number=shipment.tracking_number,
                    carrier=shipment.carrier,
                    offset_known=ev.offset_known,
                    local_time=ev.local_time,
                )
            )
    entries.extend(alerts)
    rank = {EventKind.ORDER: 0, EventKind.SHIPMENT: 1, EventKind.ALERT: 2}
    return sorted(entries, key=lambda e: (e.occurred_at, rank[e.kind]))


_NOT_MOVING_YET = frozenset({ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED})


def merge_events(*groups: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
    """Merge carrier events from several deliveries, dropping duplicates, oldest first.

    The same event seen twice (re-sync, webhook and poll, two aggregators) is kept once; when two
    copies differ only in detail, the one with more information wins.
    """
    best: dict[tuple[str, str, str], TrackingEvent] = {}
    for group in groups:
        for ev in group:
            key = ev.identity
            old = best.get(key)
            if old is None or _richness(ev) > _richness(old):
                best[key] = ev
    return tuple(sorted(best.values(), key=lambda e: e.occurred_at))


def _richness(ev: TrackingEvent) -> int:
    return sum(1 for v in (ev.location, ev.local_time, ev.raw_status) if v) + (1 if ev.offset_known else 0)


def with_events(shipment: Shipment, events: tuple[TrackingEvent, ...]) -> Shipment:
    """Return the shipment with ``events`` and its status following the latest event by time.

    A vendor verdict (cancelled, returned, expired: ``VERDICT_SHIPMENT_STATUSES``) is kept: the
    events of a cancelled label still end in "label created", and that must not bring it back. For
    the same reason an exception is never walked back to "pending" / "label created".
    """
    ordered = tuple(sorted(events, key=lambda e: e.occurred_at))
    if not ordered or shipment.status in VERDICT_SHIPMENT_STATUSES:
        return replace(shipment, events=ordered)
    latest = ordered[-1]
    if shipment.status is ShipmentStatus.EXCEPTION and latest.status in _NOT_MOVING_YET:
        return replace(shipment, events=ordered)
    delivered_at = shipment.delivered_at
    if latest.status is ShipmentStatus.DELIVERED and delivered_at is None:
        delivered_at = latest.occurred_at
    return replace(
        shipment,
        events=ordered,
        status=latest.status,
        substatus=latest.raw_status or shipment.substatus,
        delivered_at=delivered_at,
    )
