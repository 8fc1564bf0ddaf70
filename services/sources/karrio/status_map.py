"""Karrio ``status`` and incident ``reason`` -> domain (notes/apis.md §5, §10).

``pending`` is Karrio's "shipment information sent" (label data), hence ``info_received``;
``unknown`` is ``pending``. ``on_hold`` and ``delivery_failed`` depend on the incident reason.
"""

from __future__ import annotations

from services.domain import ShipmentStatus as S

STATUS: dict[str, S] = {
    "pending": S.INFO_RECEIVED,
    "unknown": S.PENDING,
    "picked_up": S.IN_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "on_hold": S.IN_TRANSIT,  # delayed / customs unless the reason is an incident (see below)
    "delivery_delayed": S.IN_TRANSIT,  # delayed is not a status
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "ready_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "delivery_failed": S.FAILED_ATTEMPT,  # an exception when the reason is not a missed attempt
    "delivered": S.DELIVERED,
    "return_to_sender": S.RETURNED,
    "cancelled": S.CANCELLED,
}
"""Tracker and event ``status``."""

DELAY_REASONS: frozenset[str] = frozenset(
    {
        "carrier_delay",
        "customs_delay",
        "weather_delay",
        "natural_disaster",
        "force_majeure",
        "parcel_being_researched",
        "unknown",
    }
)
"""Reasons that leave ``on_hold`` a plain delay (in transit)."""

ATTEMPT_REASONS: frozenset[str] = frozenset(
    {
        "consignee_not_home",
        "consignee_not_available",
        "consignee_business_closed",
        "consignee_access_restricted",
        "carrier_not_enough_time",
        "carrier_vehicle_issue",
        "unknown",
    }
)
"""Reasons that leave ``delivery_failed`` a missed attempt; any other reason makes it an exception."""

REASONS: frozenset[str] = frozenset(
    {
        "carrier_damaged_parcel",
        "carrier_sorting_error",
        "carrier_address_not_found",
        "carrier_parcel_lost",
        "carrier_not_enough_time",
        "carrier_vehicle_issue",
        "carrier_delay",
        "consignee_refused",
        "consignee_business_closed",
        "consignee_not_available",
        "consignee_not_home",
        "consignee_incorrect_address",
        "consignee_access_restricted",
        "customs_delay",
        "customs_documentation",
        "customs_duties_unpaid",
        "weather_delay",
        "natural_disaster",
        "force_majeure",
        "parcel_being_researched",
        "security_issue",
        "regulatory_hold",
        "delivery_exception_hold",
        "unknown",
    }
)
"""Documented TrackingIncidentReason values (``retailer_*`` ones are accepted by prefix)."""

ACTION_REQUIRED: frozenset[str] = frozenset(
    {"customs_duties_unpaid", "customs_documentation", "consignee_incorrect_address"}
)
"""Reasons that need the recipient to act."""
