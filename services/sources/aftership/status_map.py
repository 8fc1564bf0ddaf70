"""AfterShip ``tag`` / ``subtag`` -> domain ShipmentStatus (notes/apis.md §1 subtags, §10 table).

Delayed is not a status: the delay subtags stay ``in_transit`` with the code kept as substatus.
"""

from __future__ import annotations

from services.domain import ShipmentStatus as S

TAGS: dict[str, S] = {
    "Pending": S.PENDING,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.FAILED_ATTEMPT,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.EXPIRED,
}
"""Main tags (``TagV1``)."""

SUBTAGS: dict[str, S] = {
    "Pending_001": S.PENDING,  # pending
    "Pending_004": S.PENDING,  # wrong carrier
    "InfoReceived_001": S.INFO_RECEIVED,
    "InTransit_001": S.IN_TRANSIT,  # in transit
    "InTransit_002": S.IN_TRANSIT,  # acceptance scan
    "InTransit_003": S.IN_TRANSIT,  # arrival scan
    "InTransit_004": S.IN_TRANSIT,  # arrived in destination country
    "InTransit_005": S.IN_TRANSIT,  # customs clearance completed
    "InTransit_006": S.IN_TRANSIT,  # handed to customs
    "InTransit_007": S.IN_TRANSIT,  # departure scan
    "InTransit_008": S.IN_TRANSIT,  # problem resolved
    "InTransit_009": S.IN_TRANSIT,  # forwarded
    "OutForDelivery_001": S.OUT_FOR_DELIVERY,
    "OutForDelivery_003": S.OUT_FOR_DELIVERY,  # customer contacted
    "OutForDelivery_004": S.OUT_FOR_DELIVERY,  # appointment scheduled
    "AttemptFail_001": S.FAILED_ATTEMPT,
    "AttemptFail_002": S.FAILED_ATTEMPT,  # addressee not available
    "AttemptFail_003": S.FAILED_ATTEMPT,  # business closed
    "AvailableForPickup_001": S.AVAILABLE_FOR_PICKUP,
    "Delivered_001": S.DELIVERED,  # delivered
    "Delivered_002": S.DELIVERED,  # picked up by customer
    "Delivered_003": S.DELIVERED,  # signed
    "Delivered_004": S.DELIVERED,  # COD collected
    "Delivered_005": S.DELIVERED,  # delivered to neighbour
    "Exception_001": S.EXCEPTION,  # generic
    "Exception_002": S.EXCEPTION,  # customer moved
    "Exception_003": S.EXCEPTION,  # refused
    "Exception_004": S.IN_TRANSIT,  # customs delay (delayed is not a status)
    "Exception_005": S.IN_TRANSIT,  # external delay
    "Exception_006": S.EXCEPTION,  # held for payment (action required)
    "Exception_007": S.EXCEPTION,  # incorrect address (action required)
    "Exception_008": S.EXCEPTION,  # pick-up missed
    "Exception_009": S.EXCEPTION,  # rejected by carrier
    "Exception_010": S.RETURNED,  # returning to sender
    "Exception_011": S.RETURNED,  # returned to sender
    "Exception_012": S.EXCEPTION,  # damaged
    "Exception_013": S.EXCEPTION,  # lost
    "Exception_016": S.IN_TRANSIT,  # processing delay (2026-03-27)
    "Exception_017": S.IN_TRANSIT,  # weather delay
    "Exception_018": S.EXCEPTION,  # documents needed (action required)
    "Exception_019": S.IN_TRANSIT,  # late flight: a delay
    "Exception_020": S.CANCELLED,  # cancelled
    "Exception_021": S.EXCEPTION,  # disposed
    "Expired_001": S.EXPIRED,
}
"""Every documented subtag; unknown ones go by their main tag."""

ACTION_REQUIRED: frozenset[str] = frozenset({"Exception_006", "Exception_007", "Exception_018"})
"""Subtags that need the recipient to act."""
