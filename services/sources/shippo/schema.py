"""Shippo payload shapes.

Track {"carrier", "tracking_number", "eta", "tracking_status": TrackingStatus, "tracking_history": [...]}
webhook {"event": "track_updated", "test": bool, "data": Track, "carrier"?: str}
"""

from __future__ import annotations

from typing import TypedDict


class Location(TypedDict, total=False):
    """Where a status happened."""

    city: str | None
    state: str | None
    zip: str | None
    country: str | None


class Substatus(TypedDict, total=False):
    """The finer code under a status, with Shippo's own action flag."""

    code: str
    text: str | None
    action_required: bool


class TrackingStatus(TypedDict, total=False):
    """One status (live: UTC ``Z``; test mode: naive timestamps)."""

    object_id: str
    object_created: str | None
    status: str
    substatus: Substatus | None
    status_details: str | None
    status_date: str
    location: Location | None


class Track(TypedDict, total=False):
    """A Track (history oldest first)."""

    carrier: str | None
    tracking_number: str
    eta: str | None
    original_eta: str | None
    tracking_status: TrackingStatus | None
    tracking_history: list[TrackingStatus]
    test: bool


class WebhookPayload(TypedDict, total=False):
    """A ``track_updated`` delivery; ``carrier`` may sit beside ``data`` while ``data.carrier`` is null."""

    event: str
    test: bool
    data: Track
    carrier: str | None
