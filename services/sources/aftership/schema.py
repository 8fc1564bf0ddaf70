"""AfterShip payload shapes (v4 and dated versions share most fields; all keys optional on the wire).

{"meta": MetaPayload, "data": {"tracking": TrackingPayload} | {"trackings": [...]} | LastCheckpointData}
webhook: WebhookPayload {"event", "event_id", "msg": TrackingPayload, "ts"}
"""

from __future__ import annotations

from typing import TypedDict


class MetaPayload(TypedDict, total=False):
    """The envelope's status: ``code`` 200/201 on success, else an error code and message."""

    code: int
    message: str
    type: str


class CheckpointPayload(TypedDict, total=False):
    """One carrier scan; ``checkpoint_time`` is carrier-local, its offset optional."""

    checkpoint_time: str
    created_at: str
    slug: str
    location: str | None
    city: str | None
    state: str | None
    zip: str | None
    postal_code: str | None
    country_iso3: str | None
    country_name: str | None
    country_region: str | None
    country_region_name: str | None
    message: str
    tag: str
    subtag: str
    subtag_message: str
    raw_tag: str


class EstimatedDeliveryPayload(TypedDict, total=False):
    """A dated-version EDD: ``specific`` (``datetime``) or a range (``datetime_min``/``datetime_max``)."""

    type: str
    source: str
    datetime: str | None
    datetime_min: str | None
    datetime_max: str | None


class AfterShipEddPayload(TypedDict, total=False):
    """The v4 ``aftership_estimated_delivery_date`` (dates in the recipient's zone)."""

    estimated_delivery_date: str | None
    confidence_score: float | None
    estimated_delivery_date_min: str | None
    estimated_delivery_date_max: str | None


class TrackingPayload(TypedDict, total=False):
    """A Tracking object (the fields the mapper reads)."""

    id: str
    tracking_number: str
    slug: str
    tag: str
    subtag: str
    subtag_message: str
    title: str
    order_number: str | None
    created_at: str
    updated_at: str
    checkpoints: list[CheckpointPayload]
    courier_tracking_link: str | None
    courier_redirect_link: str | None
    expected_delivery: str | None
    shipment_delivery_date: str | None
    order_promised_delivery_date: str | None
    return_to_sender: bool
    aftership_estimated_delivery_date: AfterShipEddPayload | None
    courier_estimated_delivery_date: AfterShipEddPayload | None
    latest_estimated_delivery: EstimatedDeliveryPayload | None
    first_estimated_delivery: EstimatedDeliveryPayload | None
    custom_estimated_delivery_date: EstimatedDeliveryPayload | None


class LastCheckpointData(TypedDict, total=False):
    """``GET /last_checkpoint/...`` data: the tracking's identity plus one checkpoint."""

    id: str
    tracking_number: str
    slug: str
    tag: str
    subtag: str
    subtag_message: str
    checkpoint: CheckpointPayload


class WebhookPayload(TypedDict, total=False):
    """A webhook delivery (``tracking_update``, ``edd_revise`` ...)."""

    event: str
    event_id: str
    is_tracking_first_tag: bool
    msg: TrackingPayload
    ts: int
