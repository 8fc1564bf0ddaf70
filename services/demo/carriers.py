"""Carrier vocabulary of the demo: valid tracking numbers, tracking pages, AfterShip tags and messages.

Tracking numbers carry correct check digits (UPS 1Z mod 10, FedEx Express 12, USPS IMpb 22 mod 10,
DHL Express mod 7, UPU S10 for Royal Mail and Japan Post). DPD and PostNL numbers follow their
public formats; the ``tracking_numbers`` library does not know those carriers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.domain import ShipmentStatus

from .catalog import CARRIERS

# ---------------------------------------------------------------- check digits


def ups_check_digit(serial: str) -> str:
    """Return the UPS 1Z check digit of the 15 characters after ``1Z``."""
    total = 0
    for i, ch in enumerate(serial):
        value = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += value * (2 if i % 2 else 1)
    return str((10 - total % 10) % 10)


def fedex12_check_digit(serial: str) -> str:
    """Return the FedEx Express (12) check digit of the first 11 digits."""
    weights = (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)
    return str(sum(int(d) * w for d, w in zip(serial, weights, strict=True)) % 11 % 10)


def usps_check_digit(serial: str) -> str:
    """Return the USPS IMpb mod-10 check digit (weights 3,1 from the left of the 21-digit serial)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(serial))
    return str((10 - total % 10) % 10)


def dhl_check_digit(serial: str) -> str:
    """Return the DHL Express mod-7 check digit of a 9-digit serial."""
    return str(int(serial) % 7)


def s10_check_digit(serial: str) -> str:
    """Return the UPU S10 check digit of an 8-digit serial (weights 8,6,4,2,3,5,9,7)."""
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    rest = 11 - total % 11
    return "0" if rest == 10 else "5" if rest == 11 else str(rest)


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


UPS_SHIPPERS = ("V8W476", "A4E390", "0F1X62", "R72W89")
UPS_SERVICES = {"domestic": ("03", "01", "02"), "international": ("66", "A1")}
USPS_PREFIXES = ("9400111", "9205590", "9361289", "9405511")
S10_PREFIXES = {"royal-mail": ("RR", "RN", "LX", "ZW"), "japan-post": ("EJ", "RR", "CP", "LX")}
S10_COUNTRY = {"royal-mail": "GB", "japan-post": "JP"}
DPD_DEPOTS = ("0150", "0176", "0218", "0434")
POSTNL_CUSTOMERS = ("TTHR", "DEVC", "KPNL")


def make_tracking_number(rng: random.Random, carrier: str, international: bool) -> str:
    """Draw a tracking number in ``carrier``'s format with a correct check digit."""
    if carrier == "ups":
        service = rng.choice(UPS_SERVICES["international" if international else "domestic"])
        serial = rng.choice(UPS_SHIPPERS) + service + _digits(rng, 7)
        return "1Z" + serial + ups_check_digit(serial)
    if carrier == "fedex":
        serial = str(rng.randint(1, 9)) + _digits(rng, 10)
        return serial + fedex12_check_digit(serial)
    if carrier == "usps":
        serial = rng.choice(USPS_PREFIXES) + _digits(rng, 14)
        return serial + usps_check_digit(serial)
    if carrier == "dhl":
        serial = str(rng.randint(1, 9)) + _digits(rng, 8)
        return serial + dhl_check_digit(serial)
    if carrier in S10_PREFIXES:
        serial = _digits(rng, 8)
        return rng.choice(S10_PREFIXES[carrier]) + serial + s10_check_digit(serial) + S10_COUNTRY[carrier]
    if carrier == "dpd":
        return rng.choice(DPD_DEPOTS) + _digits(rng, 10)
    if carrier == "postnl":
        return "3S" + rng.choice(POSTNL_CUSTOMERS) + _digits(rng, 7)
    raise ValueError(f"unknown demo carrier {carrier!r}")


def tracking_url(carrier: str, number: str, country: str = "", postcode: str = "") -> str:
    """Return the carrier's public tracking page for ``number``."""
    return CARRIERS[carrier].url_template.format(number=number, country=country, postcode=postcode.replace(" ", ""))


LIBRARY_COURIER = {
    "ups": "ups",
    "fedex": "fedex",
    "usps": "usps",
    "dhl": "dhl",
    "royal-mail": "s10",
    "japan-post": "s10",
}
"""Our carrier slug -> the ``tracking_numbers`` courier code that must recognise its numbers."""

# ---------------------------------------------------------------- AfterShip tags


@dataclass(frozen=True, slots=True)
class Subtag:
    """An AfterShip v4 subtag: its main tag, its message and the domain status it maps to."""

    tag: str
    message: str
    status: ShipmentStatus
    raw_tag: str


S = ShipmentStatus
SUBTAGS: dict[str, Subtag] = {
    "Pending_001": Subtag("Pending", "Pending", S.PENDING, "PE"),
    "InfoReceived_001": Subtag("InfoReceived", "Info Received", S.INFO_RECEIVED, "IR"),
    "InTransit_001": Subtag("InTransit", "In Transit", S.IN_TRANSIT, "IT"),
    "InTransit_002": Subtag("InTransit", "Acceptance scan", S.IN_TRANSIT, "PU"),
    "InTransit_003": Subtag("InTransit", "Arrival scan", S.IN_TRANSIT, "AR"),
    "InTransit_004": Subtag("InTransit", "Arrived at the destination country", S.IN_TRANSIT, "AD"),
    "InTransit_005": Subtag("InTransit", "Customs clearance completed", S.IN_TRANSIT, "CC"),
    "InTransit_006": Subtag("InTransit", "Customs clearance started", S.IN_TRANSIT, "CS"),
    "InTransit_007": Subtag("InTransit", "Departure Scan", S.IN_TRANSIT, "DP"),
    "InTransit_008": Subtag("InTransit", "Problem resolved", S.IN_TRANSIT, "RS"),
    "OutForDelivery_001": Subtag("OutForDelivery", "Out for Delivery", S.OUT_FOR_DELIVERY, "OD"),
    "AttemptFail_001": Subtag("AttemptFail", "Failed Attempt", S.FAILED_ATTEMPT, "FA"),
    "AttemptFail_002": Subtag("AttemptFail", "Addressee not available", S.FAILED_ATTEMPT, "NA"),
    "AttemptFail_003": Subtag("AttemptFail", "Business Closed", S.FAILED_ATTEMPT, "BC"),
    "AvailableForPickup_001": Subtag("AvailableForPickup", "Available for Pickup", S.AVAILABLE_FOR_PICKUP, "AP"),
    "Delivered_001": Subtag("Delivered", "Delivered", S.DELIVERED, "DL"),
    "Delivered_002": Subtag("Delivered", "Picked up by the customer", S.DELIVERED, "PC"),
    "Delivered_003": Subtag("Delivered", "Sign by customer", S.DELIVERED, "SG"),
    "Delivered_005": Subtag("Delivered", "Delivered to neighbour", S.DELIVERED, "NB"),
    "Exception_001": Subtag("Exception", "Exception", S.EXCEPTION, "EX"),
    "Exception_004": Subtag("Exception", "Customs delay", S.IN_TRANSIT, "CD"),
    "Exception_005": Subtag("Exception", "External delay", S.IN_TRANSIT, "ED"),
    "Exception_006": Subtag("Exception", "Held for payment", S.EXCEPTION, "HP"),
    "Exception_007": Subtag("Exception", "Incorrect Address", S.EXCEPTION, "IA"),
    "Exception_010": Subtag("Exception", "Returning to sender", S.RETURNED, "RT"),
    "Exception_011": Subtag("Exception", "Returned to sender", S.RETURNED, "RD"),
    "Exception_012": Subtag("Exception", "Damaged", S.EXCEPTION, "DM"),
    "Exception_013": Subtag("Exception", "Lost", S.EXCEPTION, "LS"),
    "Exception_020": Subtag("Exception", "Cancelled", S.CANCELLED, "CA"),
    "Expired_001": Subtag("Expired", "Expired", S.EXPIRED, "XP"),
}
"""The subtags the demo uses, mapped like the status table of notes/apis.md (delays stay in transit)."""

DEFAULT_SUBTAG: dict[ShipmentStatus, str] = {
    S.PENDING: "Pending_001",
    S.INFO_RECEIVED: "InfoReceived_001",
    S.IN_TRANSIT: "InTransit_001",
    S.OUT_FOR_DELIVERY: "OutForDelivery_001",
    S.AVAILABLE_FOR_PICKUP: "AvailableForPickup_001",
    S.FAILED_ATTEMPT: "AttemptFail_001",
    S.DELIVERED: "Delivered_001",
    S.EXCEPTION: "Exception_001",
    S.RETURNED: "Exception_011",
    S.CANCELLED: "Exception_020",
    S.EXPIRED: "Expired_001",
}
"""The subtag a control event of a given domain status is published with."""

ACTION_REQUIRED_SUBTAGS = ("Exception_006", "Exception_007", "Exception_018")

# ---------------------------------------------------------------- messages

_GENERIC = {
    "label": "Shipment information received",
    "pickup": "Picked up",
    "depart": "Departed facility",
    "arrive_hub": "Arrived at sort facility",
    "depart_hub": "Departed sort facility",
    "arrive_country": "Arrived in destination country",
    "customs_start": "Handed over to customs",
    "customs_delay": "Clearance delay — awaiting customs inspection",
    "customs_done": "Customs clearance completed",
    "arrive_depot": "Arrived at delivery facility",
    "ofd": "Out for delivery",
    "delivered": "Delivered",
    "delivered_signed": "Delivered — signed for by {surname}",
    "delivered_neighbour": "Delivered to neighbour",
    "attempt_na": "Delivery attempted — addressee not available, notice left",
    "attempt_closed": "Second delivery attempt failed — no one available",
    "attempt": "Delivery attempt failed",
    "pickup_ready": "Available for pickup at the local access point",
    "picked_up": "Picked up by the customer at the access point",
    "exc_address": "Incorrect address — please contact the carrier",
    "exc_payment": "Held for payment of import duties and taxes",
    "exc_damaged": "Package damaged in transit — repackaged",
    "exc_generic": "Shipment exception — label unreadable, replaced",
    "exc_delay": "Delivery delayed due to operational issues",
    "resolved": "Issue resolved — shipment back in transit",
    "returning": "Not collected — returning to sender",
    "returned": "Returned to sender",
    "lost": "Shipment lost — a claim has been opened",
    "expired": "Tracking expired — no carrier updates for 30 days",
    "cancelled": "Shipment cancelled by the sender",
}

_BY_CARRIER: dict[str, dict[str, str]] = {
    "ups": {
        "label": "Order Processed: Ready for UPS",
        "pickup": "Origin Scan",
        "depart": "Departed from Facility",
        "arrive_hub": "Arrived at Facility",
        "depart_hub": "Departed from Facility",
        "arrive_depot": "Destination Scan",
        "ofd": "Out For Delivery Today",
    },
    "fedex": {
        "label": "Shipment information sent to FedEx",
        "depart": "Left FedEx origin facility",
        "arrive_hub": "Arrived at FedEx location",
        "depart_hub": "Departed FedEx location",
        "arrive_depot": "At local FedEx facility",
        "ofd": "On FedEx vehicle for delivery",
    },
    "usps": {
        "label": "Shipping Label Created, USPS Awaiting Item",
        "pickup": "USPS in possession of item",
        "depart": "Departed Post Office",
        "arrive_hub": "Arrived at USPS Regional Facility",
        "depart_hub": "Departed USPS Regional Facility",
        "arrive_depot": "Arrived at Post Office",
        "delivered": "Delivered, In/At Mailbox",
    },
    "dhl": {
        "pickup": "Shipment picked up",
        "arrive_hub": "Arrived at DHL Sort Facility",
        "depart_hub": "Departed Facility",
        "ofd": "With delivery courier",
    },
    "royal-mail": {
        "label": "Sender despatching item",
        "pickup": "We've got it",
        "arrive_hub": "Item received at Mail Centre",
        "depart_hub": "Item has left our Mail Centre",
        "ofd": "Your item is out for delivery",
    },
    "dpd": {
        "label": "Order information has been transmitted to DPD",
        "arrive_hub": "At parcel hub",
        "arrive_depot": "At parcel delivery centre",
    },
    "postnl": {
        "label": "Shipment pre-registered",
        "pickup": "Shipment received by PostNL",
        "arrive_hub": "Shipment sorted",
        "ofd": "Shipment is out for delivery",
        "delivered": "Shipment delivered",
    },
    "japan-post": {
        "label": "Shipping information received",
        "pickup": "Posting/Collection",
        "depart_hub": "Dispatch from outward office of exchange",
        "arrive_country": "Arrival at inward office of exchange",
        "delivered": "Final delivery",
    },
}


def message(carrier: str, key: str) -> str:
    """Return the scan message ``key`` in ``carrier``'s wording."""
    return _BY_CARRIER.get(carrier, {}).get(key) or _GENERIC[key]
