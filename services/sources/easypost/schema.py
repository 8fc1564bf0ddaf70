"""EasyPost payload shapes.

Event {"object": "Event", "description": "tracker.updated", "result": Tracker}   (webhook / GET /events/:id)
{"trackers": [Tracker], "has_more": bool}                                        (GET /trackers)
Tracker {"tracking_code", "carrier", "status", "tracking_details": [TrackingDetail], ...}
"""

from __future__ import annotations

from typing import TypedDict


class TrackingLocation(TypedDict, total=False):
    """Where a detail happened; with no location EasyPost stamps the time as UTC."""

    city: str | None
    state: str | None
    country: str | None
    zip: str | None


class TrackingDetail(TypedDict, total=False):
    """One carrier scan."""

    object: str
    message: str | None
    description: str | None
    status: str
    status_detail: str | None
    datetime: str
    source: str | None
    carrier_code: str | None
    tracking_location: TrackingLocation | None


class CarrierDetail(TypedDict, total=False):
    """Carrier extras, incl. the recipient-local ETA strings (no zone)."""

    service: str | None
    est_delivery_date_local: str | None
    est_delivery_time_local: str | None
    initial_delivery_attempt: str | None


class Tracker(TypedDict, total=False):
    """A Tracker object (the fields the mapper reads)."""

    id: str
    object: str
    mode: str
    tracking_code: str
    carrier: str
    status: str
    status_detail: str | None
    est_delivery_date: str | None
    signed_by: str | None
    public_url: str | None
    created_at: str
    updated_at: str
    tracking_details: list[TrackingDetail]
    carrier_detail: CarrierDetail | None


class Event(TypedDict, total=False):
    """An Event (webhook body); ``result`` may be absent."""

    id: str
    object: str
    description: str
    mode: str
    previous_attributes: dict[str, object]
    result: Tracker


class TrackerList(TypedDict, total=False):
    """``GET /trackers``: next page with ``before_id`` = the last tracker's id."""

    trackers: list[Tracker]
    has_more: bool
