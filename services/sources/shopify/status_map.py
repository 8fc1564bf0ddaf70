"""Shopify codes -> domain (notes/apis.md §6, §10).

Shipment side: ``shipment_status`` / FulfillmentEvent ``status`` (REST lower case, GraphQL upper case),
falling back to the Fulfillment ``status`` when no carrier status is known. Order side: channel by
``source_name``; the order status is derived from cancel/refund/fulfillment state in the mapper.
"""

from __future__ import annotations

from services.domain import Channel, OrderStatus
from services.domain import ShipmentStatus as S

SHIPMENT_STATUS: dict[str, S] = {
    "label_printed": S.INFO_RECEIVED,
    "label_purchased": S.INFO_RECEIVED,
    "confirmed": S.INFO_RECEIVED,  # GraphQL default when nothing else is known
    "carrier_picked_up": S.IN_TRANSIT,
    "picked_up": S.IN_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "delayed": S.IN_TRANSIT,  # delayed is not a status
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "ready_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "ready_for_recipient_pickup": S.AVAILABLE_FOR_PICKUP,  # Customer API
    "attempted_delivery": S.FAILED_ATTEMPT,
    "delivered": S.DELIVERED,
    "failure": S.EXCEPTION,
    "buyer_action_required": S.EXCEPTION,  # Customer API
    "returning_to_sender": S.RETURNED,  # Customer API
}
"""``shipment_status`` and FulfillmentEvent ``status`` (compared lower-cased)."""

FULFILLMENT_STATUS: dict[str, S] = {
    "pending": S.PENDING,
    "open": S.PENDING,
    "success": S.INFO_RECEIVED,  # fulfilled, no carrier status yet (GraphQL: CONFIRMED)
    "cancelled": S.CANCELLED,
    "error": S.EXCEPTION,
    "failure": S.EXCEPTION,
}
"""Fulfillment ``status`` when ``shipment_status`` is null."""

ENDED_FULFILLMENTS: frozenset[str] = frozenset({"cancelled", "failure", "error"})
"""Fulfillment ``status`` values that end it: they win over a stale ``shipment_status``."""

ACTION_REQUIRED: frozenset[str] = frozenset({"buyer_action_required"})
"""Codes that need the buyer to act."""

CHANNELS: dict[str, Channel] = {
    "web": Channel.WEB,
    "pos": Channel.IN_STORE,
    "iphone": Channel.MOBILE_APP,
    "android": Channel.MOBILE_APP,
    "shopify_mobile": Channel.MOBILE_APP,
    "mobile_app": Channel.MOBILE_APP,
    "shopify_draft_order": Channel.OTHER,
}
"""``source_name`` -> channel (sales-channel app ids and the rest are ``other``)."""

LIVE_FULFILLMENTS: frozenset[str] = frozenset({"success", "open", "pending"})
"""Fulfillment statuses that mean items are (being) shipped."""

ORDER_FULFILLMENT_STATUS: dict[str, OrderStatus] = {
    "fulfilled": OrderStatus.SHIPPED,
    "partial": OrderStatus.PARTIALLY_SHIPPED,
    "restocked": OrderStatus.RETURNED,
}
"""Order ``fulfillment_status`` (null = nothing shipped yet); delivery progress comes from the shipments."""

PAID_FINANCIAL_STATUSES: frozenset[str] = frozenset({"paid", "partially_paid", "authorized", "partially_refunded"})
"""Order ``financial_status`` values that confirm an order (``pending`` does not; ``refunded`` ends it)."""
