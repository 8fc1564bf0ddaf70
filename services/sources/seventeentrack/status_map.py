"""17TRACK codes -> domain (notes/apis.md §2 and §10): main status, sub status, event stage, carrier ids.

Delayed is not a status (``Exception_Delayed`` stays in transit); ``Expired`` is the tracking's age.
"""

from __future__ import annotations

from services.domain import ShipmentStatus as S

STATUS: dict[str, S] = {
    "NotFound": S.PENDING,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "Expired": S.EXPIRED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "DeliveryFailure": S.FAILED_ATTEMPT,
    "Delivered": S.DELIVERED,
    "Exception": S.EXCEPTION,
}
"""``latest_status.status``."""

SUB_STATUS: dict[str, S] = {
    "NotFound_Other": S.PENDING,
    "NotFound_InvalidCode": S.PENDING,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit_PickedUp": S.IN_TRANSIT,
    "InTransit_Other": S.IN_TRANSIT,
    "InTransit_Departure": S.IN_TRANSIT,
    "InTransit_Arrival": S.IN_TRANSIT,
    "InTransit_CustomsProcessing": S.IN_TRANSIT,
    "InTransit_CustomsReleased": S.IN_TRANSIT,
    "InTransit_CustomsRequiringInformation": S.IN_TRANSIT,  # action required
    "InTransit_TransportArrived": S.IN_TRANSIT,  # seen in the wild
    "InTransit_TransportDeparted": S.IN_TRANSIT,  # seen in the wild
    "Expired_Other": S.EXPIRED,
    "AvailableForPickup_Other": S.AVAILABLE_FOR_PICKUP,
    "OutForDelivery_Other": S.OUT_FOR_DELIVERY,
    "DeliveryFailure_Other": S.FAILED_ATTEMPT,
    "DeliveryFailure_NoBody": S.FAILED_ATTEMPT,
    "DeliveryFailure_Security": S.FAILED_ATTEMPT,  # action required
    "DeliveryFailure_Rejected": S.FAILED_ATTEMPT,
    "DeliveryFailure_InvalidAddress": S.FAILED_ATTEMPT,  # action required
    "Delivered_Other": S.DELIVERED,
    "Exception_Other": S.EXCEPTION,
    "Exception_Returning": S.RETURNED,
    "Exception_Returned": S.RETURNED,
    "Exception_NoBody": S.EXCEPTION,
    "Exception_Security": S.EXCEPTION,
    "Exception_Damage": S.EXCEPTION,
    "Exception_Rejected": S.EXCEPTION,
    "Exception_Delayed": S.IN_TRANSIT,  # delayed is not a status
    "Exception_Lost": S.EXCEPTION,
    "Exception_Destroyed": S.EXCEPTION,
    "Exception_Cancel": S.CANCELLED,
}
"""``latest_status.sub_status`` and event ``sub_status``; unknown ones go by the part before ``_``."""

STAGE: dict[str, S] = {
    "InfoReceived": S.INFO_RECEIVED,
    "PickedUp": S.IN_TRANSIT,
    "Departure": S.IN_TRANSIT,
    "Arrival": S.IN_TRANSIT,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "Delivered": S.DELIVERED,
    "Returning": S.RETURNED,
    "Returned": S.RETURNED,
    **STATUS,
}
"""Event ``stage``: a milestone key, or a status name such as ``Exception``."""

ACTION_REQUIRED: frozenset[str] = frozenset(
    {"InTransit_CustomsRequiringInformation", "DeliveryFailure_Security", "DeliveryFailure_InvalidAddress"}
)
"""Sub statuses that need the recipient to act."""

LEGACY_STATE: dict[int, S] = {
    0: S.PENDING,  # Not Found
    10: S.IN_TRANSIT,
    20: S.EXPIRED,
    30: S.AVAILABLE_FOR_PICKUP,  # Ready to be Picked Up
    35: S.FAILED_ATTEMPT,  # Undelivered
    40: S.DELIVERED,
    50: S.EXCEPTION,  # Alert
}
"""Numeric states of the consumer API (Home Assistant's py17track)."""

CARRIERS: dict[int, str] = {
    3011: "china-post",
    21051: "usps",
    100001: "dhl",
    100002: "ups",
    100003: "fedex",
    7041: "dhl-germany",
}
"""17TRACK carrier ids -> AfterShip courier slugs (others go by the provider's name)."""

AUTH_ERRORS: frozenset[int] = frozenset({-18010001, -18010002})
"""IP not whitelisted, invalid key."""

QUOTA_ERRORS: frozenset[int] = frozenset({-18019907, -18019908})
"""Daily limit reached, quota exhausted."""
