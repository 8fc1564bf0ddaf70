"""Karrio payload shapes.

REST TrackingStatus {"object_type": "tracker", "tracking_number", "carrier_name", "status", "events", "info"}
REST list {"count", "next", "previous", "results": [TrackingStatus]}
proxy TrackingResponse {"tracking": TrackingStatus | [...], "messages": [Message]}
SDK parsed tuple [[TrackingDetails...], [Message...]]
webhook {"event": "tracker_updated", "data": TrackingStatus}
"""

from __future__ import annotations

from typing import TypedDict


class EventPayload(TypedDict, total=False):
    """One event; ``timestamp`` is the carrier's local wall clock labelled ``Z``."""

    date: str | None
    time: str | None
    timestamp: str | None
    description: str | None
    location: str | None
    code: str | None
    status: str | None
    reason: str | None
    latitude: float | None
    longitude: float | None


class Info(TypedDict, total=False):
    """Tracker extras."""

    carrier_tracking_link: str | None
    expected_delivery: str | None
    shipment_delivery_date: str | None
    shipping_date: str | None
    signed_by: str | None


class TrackingStatus(TypedDict, total=False):
    """A tracker (REST) or TrackingDetails (SDK)."""

    id: str
    object_type: str
    carrier_id: str
    carrier_name: str
    tracking_number: str
    status: str
    delivered: bool
    estimated_delivery: str | None
    events: list[EventPayload]
    info: Info | None
    messages: list[Message]


class Message(TypedDict, total=False):
    """A per-number error next to partial results."""

    carrier_id: str
    carrier_name: str
    code: str
    message: str
    level: str
    details: dict[str, object]


class TrackerList(TypedDict, total=False):
    """A DRF limit/offset page."""

    count: int
    next: str | None
    previous: str | None
    results: list[TrackingStatus]
