"""17TRACK v2.x payload shapes.

webhook:      WebhookPayload {"event": "TRACKING_UPDATED", "data": AcceptedItem}
gettrackinfo: TrackInfoResponse {"code": 0, "data": {"accepted": [AcceptedItem], "rejected": [...]}}
AcceptedItem.track_info.tracking.providers[].events[]  (newest first)
"""

from __future__ import annotations

from typing import TypedDict


class TimeRaw(TypedDict, total=False):
    """The carrier's raw date/time/zone strings (v2.4; often all null)."""

    date: str | None
    time: str | None
    timezone: str | None


class Address(TypedDict, total=False):
    """An event or party address."""

    country: str | None
    state: str | None
    city: str | None
    street: str | None
    postal_code: str | None


class EventPayload(TypedDict, total=False):
    """One carrier event; ``time_utc`` is exact, ``time_iso`` carrier-local with an offset."""

    time_iso: str | None
    time_utc: str | None
    time_raw: TimeRaw | None
    description: str | None
    location: str | None
    stage: str | None
    sub_status: str | None
    address: Address | None


class Provider(TypedDict, total=False):
    """The carrier that produced a block of events (first mile / last mile)."""

    key: int
    name: str | None
    alias: str | None
    homepage: str | None
    country: str | None


class ProviderBlock(TypedDict, total=False):
    """A provider and its events (newest first)."""

    provider: Provider
    service_type: str | None
    events: list[EventPayload]


class LatestStatus(TypedDict, total=False):
    """The shipment-level verdict."""

    status: str
    sub_status: str | None
    sub_status_descr: str | None


EstimatedDeliveryDate = TypedDict(
    "EstimatedDeliveryDate", {"source": str | None, "from": str | None, "to": str | None}, total=False
)
"""ETA window (ISO datetimes); ``from`` is a keyword, hence the functional form."""


class TrackInfo(TypedDict, total=False):
    """``track_info`` (the fields the mapper reads)."""

    latest_status: LatestStatus
    latest_event: EventPayload | None
    milestone: list[dict[str, object]]
    time_metrics: dict[str, object]
    tracking: dict[str, object]


class AcceptedItem(TypedDict, total=False):
    """One tracked number with its info."""

    number: str
    carrier: int
    param: object
    tag: str | None
    track_info: TrackInfo


class WebhookPayload(TypedDict, total=False):
    """A push: ``TRACKING_UPDATED`` (with ``track_info``) or ``TRACKING_STOPPED``."""

    event: str
    data: AcceptedItem


class TrackInfoResponse(TypedDict, total=False):
    """``gettrackinfo`` answer: a batch that may partly succeed."""

    code: int
    data: dict[str, object]
