"""Render demo shipments as AfterShip v4 tracking objects (``/v4/trackings`` shape).

Field names and formats follow the public v4 payloads in ``fixtures/vendor/aftership``:
``checkpoint_time`` is the carrier-local time, with an offset when the carrier gave one and without
when it did not; ``created_at`` / ``updated_at`` are UTC; estimated delivery dates are local dates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.domain import FINAL_SHIPMENT_STATUSES, format_utc

from .catalog import COUNTRIES
from .data import Checkpoint, OrderPlan, ShipmentPlan

JSON = dict[str, Any]

PENDING = ("Pending", "Pending_001", "Pending")


def tracking_id(slug: str, tracking_number: str) -> str:
    """Return a stable 24-hex-digit AfterShip-style id for a tracking."""
    return hashlib.sha1(f"{slug}:{tracking_number}".encode()).hexdigest()[:24]


def checkpoint_json(slug: str, cp: Checkpoint) -> JSON:
    """Render one checkpoint in the v4 shape."""
    ev = cp.event
    return {
        "slug": slug,
        "city": cp.city,
        "created_at": format_utc(ev.occurred_at),
        "location": ev.location,
        "country_name": cp.country_name,
        "message": ev.description,
        "country_iso3": cp.country_iso3,
        "tag": cp.tag,
        "subtag": cp.subtag,
        "subtag_message": cp.subtag_message,
        "checkpoint_time": ev.local_time or format_utc(ev.occurred_at),
        "coordinates": [],
        "state": cp.state,
        "zip": cp.postal_code,
        "raw_tag": cp.raw_tag,
    }


def _iso3(country: str) -> str | None:
    return COUNTRIES[country][0] if country in COUNTRIES else None


def _local(cp: Checkpoint | None) -> str | None:
    if cp is None:
        return None
    return cp.event.local_time or format_utc(cp.event.occurred_at)


def delivery_days(checkpoints: Sequence[Checkpoint], now: datetime) -> int:
    """Return the v4 ``delivery_time``: whole days from pickup to the final scan (or to ``now`` while open)."""
    last = checkpoints[-1] if checkpoints else None
    pickup = next((c for c in checkpoints if c.subtag == "InTransit_002"), None)
    if pickup is None:
        return 0
    status_final = last is not None and last.event.status in FINAL_SHIPMENT_STATUSES
    end = last.event.occurred_at if last is not None and status_final else now
    return max(0, (end - pickup.event.occurred_at).days)


def tracking_json(order: OrderPlan, plan: ShipmentPlan, checkpoints: Sequence[Checkpoint], now: datetime) -> JSON:
    """Render a shipment with its visible ``checkpoints`` (oldest first) as a v4 tracking object.

    ``now`` matters only through :func:`delivery_days` (a renderer may cache on it).
    """
    last = checkpoints[-1] if checkpoints else None
    tag, subtag, subtag_message = (last.tag, last.subtag, last.subtag_message) if last is not None else PENDING
    status_final = last is not None and last.event.status in FINAL_SHIPMENT_STATUSES
    updated = max([plan.created_at, *(c.event.occurred_at for c in checkpoints)])
    pickup = next((c for c in checkpoints if c.subtag == "InTransit_002"), None)
    delivered = last if last is not None and last.tag == "Delivered" else None
    attempt = next((c for c in checkpoints if c.tag in ("AttemptFail", "Delivered")), None)
    signed_by = None
    if delivered is not None and delivered.subtag == "Delivered_003":
        signed_by = order.customer.name.split()[-1].upper()
    eta_date = None if status_final else plan.eta_at(last.event.occurred_at if last is not None else plan.created_at)[1]
    return {
        "id": tracking_id(plan.carrier, plan.tracking_number),
        "created_at": format_utc(plan.created_at),
        "updated_at": format_utc(updated),
        "last_updated_at": format_utc(updated),
        "tracking_number": plan.tracking_number,
        "slug": plan.carrier,
        "active": not status_final,
        "android": [],
        "custom_fields": None,
        "customer_name": order.customer.name,
        "delivery_time": delivery_days(checkpoints, now),
        "destination_country_iso3": _iso3(plan.destination_country),
        "courier_destination_country_iso3": _iso3(plan.destination_country),
        "emails": [],
        "expected_delivery": eta_date,
        "aftership_estimated_delivery_date": (
            {
                "estimated_delivery_date": eta_date,
                "confidence_score": None,
                "estimated_delivery_date_min": eta_date,
                "estimated_delivery_date_max": eta_date,
            }
            if eta_date is not None
            else None
        ),
        "ios": [],
        "note": None,
        "order_id": order.order_number,
        "order_id_path": None,
        "order_date": format_utc(order.placed_at),
        "order_number": order.order_number,
        "order_promised_delivery_date": None,
        "origin_country_iso3": _iso3(plan.origin_country),
        "shipment_package_count": 1,
        "shipment_pickup_date": _local(pickup),
        "shipment_delivery_date": _local(delivered),
        "shipment_type": plan.service,
        "shipment_weight": plan.weight_kg,
        "shipment_weight_unit": "kg",
        "signed_by": signed_by,
        "smses": [],
        "source": "api",
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag_message,
        "title": order.order_number,
        "tracked_count": len(checkpoints) + 1,
        "last_mile_tracking_supported": None,
        "language": None,
        "unique_token": "deprecated",
        "checkpoints": [checkpoint_json(plan.carrier, c) for c in checkpoints],
        "courier_tracking_link": plan.tracking_url,
        "courier_redirect_link": None,
        "first_attempted_at": _local(attempt),
        "return_to_sender": any(c.subtag in ("Exception_010", "Exception_011") for c in checkpoints),
    }


def envelope(data: JSON, code: int = 200) -> JSON:
    """Wrap ``data`` in the v4 ``{"meta": ..., "data": ...}`` envelope."""
    return {"meta": {"code": code}, "data": data}


def error_envelope(code: int, message: str, kind: str) -> JSON:
    """Return a v4 error body, e.g. ``error_envelope(4004, "Tracking does not exist.", "NotFound")``."""
    return {"meta": {"code": code, "message": message, "type": kind}, "data": {}}
