"""Shippo ``status`` / ``substatus.code`` -> domain (notes/apis.md §4, §10).

A substatus refines its documented parent status; ``*`` codes need the recipient to act.
"""

from __future__ import annotations

from services.domain import ShipmentStatus as S

STATUS: dict[str, S] = {
    "UNKNOWN": S.PENDING,
    "PRE_TRANSIT": S.INFO_RECEIVED,
    "TRANSIT": S.IN_TRANSIT,
    "DELIVERED": S.DELIVERED,
    "RETURNED": S.RETURNED,
    "FAILURE": S.EXCEPTION,
}
"""``tracking_status.status``."""

SUBSTATUS: dict[str, tuple[str, S]] = {
    "information_received": ("PRE_TRANSIT", S.INFO_RECEIVED),
    "address_issue": ("TRANSIT", S.EXCEPTION),  # *
    "contact_carrier": ("TRANSIT", S.EXCEPTION),  # *
    "delayed": ("TRANSIT", S.IN_TRANSIT),  # delayed is not a status
    "delivery_attempted": ("TRANSIT", S.FAILED_ATTEMPT),  # *
    "delivery_rescheduled": ("TRANSIT", S.IN_TRANSIT),
    "delivery_scheduled": ("TRANSIT", S.IN_TRANSIT),
    "location_inaccessible": ("TRANSIT", S.EXCEPTION),  # *
    "notice_left": ("TRANSIT", S.FAILED_ATTEMPT),  # *
    "out_for_delivery": ("TRANSIT", S.OUT_FOR_DELIVERY),
    "package_accepted": ("TRANSIT", S.IN_TRANSIT),
    "package_arrived": ("TRANSIT", S.IN_TRANSIT),
    "package_damaged": ("TRANSIT", S.EXCEPTION),  # *
    "package_departed": ("TRANSIT", S.IN_TRANSIT),
    "package_forwarded": ("TRANSIT", S.IN_TRANSIT),
    "package_held": ("TRANSIT", S.EXCEPTION),  # *
    "package_processed": ("TRANSIT", S.IN_TRANSIT),
    "package_processing": ("TRANSIT", S.IN_TRANSIT),
    "pickup_available": ("TRANSIT", S.AVAILABLE_FOR_PICKUP),  # *
    "reschedule_delivery": ("TRANSIT", S.EXCEPTION),  # *
    "delivered": ("DELIVERED", S.DELIVERED),
    "return_to_sender": ("RETURNED", S.RETURNED),
    "package_unclaimed": ("RETURNED", S.RETURNED),  # * really a failed pickup, heading back
    "package_undeliverable": ("FAILURE", S.EXCEPTION),  # *
    "package_disposed": ("FAILURE", S.EXCEPTION),
    "package_lost": ("FAILURE", S.EXCEPTION),  # *
    "other": ("UNKNOWN", S.PENDING),
}
"""``substatus.code`` -> (its documented parent status, domain status)."""

ACTION_REQUIRED: frozenset[str] = frozenset(
    {
        "address_issue",
        "contact_carrier",
        "delivery_attempted",
        "location_inaccessible",
        "notice_left",
        "package_damaged",
        "package_held",
        "pickup_available",
        "reschedule_delivery",
        "package_unclaimed",
        "package_undeliverable",
        "package_lost",
    }
)
"""The ``*`` substatus codes."""
