"""EasyPost ``status`` -> domain (notes/apis.md §3, §10); ``status_detail`` is kept raw.

EasyPost has no failed-attempt status (only ``status_detail`` hints), so none is inferred.
"""

from __future__ import annotations

from services.domain import ShipmentStatus as S

STATUS: dict[str, S] = {
    "unknown": S.PENDING,
    "pre_transit": S.INFO_RECEIVED,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "delivered": S.DELIVERED,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "return_to_sender": S.RETURNED,
    "failure": S.EXCEPTION,
    "cancelled": S.CANCELLED,
    "error": S.EXCEPTION,
}
"""Tracker and TrackingDetail ``status``."""

STATUS_DETAILS: frozenset[str] = frozenset(
    {
        "status_update",
        "label_created",
        "arrived_at_facility",
        "departed_facility",
        "out_for_delivery",
        "return",
        "unknown",
        "address_correction",
        "arrived_at_destination",
    }
)
"""``status_detail`` values documented or seen (kept as the raw code; others are logged once)."""

ACTION_REQUIRED: frozenset[str] = frozenset()
"""EasyPost documents no detail that asks the recipient to act."""
