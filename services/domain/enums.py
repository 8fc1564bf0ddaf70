"""The closed vocabularies of DESIGN.md: channels, order statuses, shipment/event statuses."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Sales channel an order was placed on."""

    WEB = "web"
    MOBILE_APP = "mobile_app"
    MARKETPLACE = "marketplace"
    IN_STORE = "in_store"
    PHONE = "phone"
    OTHER = "other"


class OrderStatus(StrEnum):
    """Lifecycle of an order (commerce side)."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class ShipmentStatus(StrEnum):
    """Status of a shipment and of each carrier event."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class EventKind(StrEnum):
    """Kind of an entry in the unified timeline."""

    ORDER = "order"
    SHIPMENT = "shipment"
    ALERT = "alert"


FINAL_SHIPMENT_STATUSES = frozenset(
    {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED, ShipmentStatus.EXPIRED}
)
"""Statuses after which a shipment no longer changes (retired from polling)."""

VERDICT_SHIPMENT_STATUSES = frozenset({ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED, ShipmentStatus.EXPIRED})
"""Shipment-level verdicts that outrank the carrier events: a cancelled label, a parcel sent back or a
tracking the vendor stopped following stays that, even when the newest scan (or a stale secondary
field such as Shopify's ``shipment_status``) still reads "label printed" or "in transit"."""

FINAL_ORDER_STATUSES = frozenset(
    {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED}
)
"""Order statuses that end the order's life (candidates for History)."""

HISTORY_STATUSES = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED)
"""Order statuses History lists and filters by (a refunded order keeps its last shipping status)."""

ATTENTION_SHIPMENT_STATUSES = frozenset(
    {ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.EXCEPTION, ShipmentStatus.AVAILABLE_FOR_PICKUP}
)
"""Shipment statuses that need the customer's attention."""


class SyncHealth(StrEnum):
    """One source's sync verdict (the one vocabulary of CLI, stats and Settings)."""

    NEVER = "never"
    HEALTHY = "healthy"
    STALE = "stale"
    FAILING = "failing"
