"""WooCommerce order ``status`` and ``created_via`` -> domain (notes/apis.md §7).

Core WooCommerce has no delivery tracking, so ``completed`` (fulfilled) is ``shipped``; plugin
statuses seen in the wild are listed too. Unknown statuses are logged once and read as ``placed``.
"""

from __future__ import annotations

from services.domain import Channel, OrderStatus

ORDER_STATUS: dict[str, OrderStatus] = {
    "pending": OrderStatus.PLACED,  # awaiting payment
    "on-hold": OrderStatus.PLACED,  # awaiting payment confirmation
    "failed": OrderStatus.PLACED,  # payment failed; the customer can pay again
    "checkout-draft": OrderStatus.PLACED,
    "processing": OrderStatus.PROCESSING,
    "completed": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
    "refunded": OrderStatus.REFUNDED,
    "partial-shipped": OrderStatus.PARTIALLY_SHIPPED,  # Advanced Shipment Tracking plugin
    "shipped": OrderStatus.SHIPPED,  # plugins
    "delivered": OrderStatus.DELIVERED,  # plugins
}
"""Order ``status``."""

CHANNELS: dict[str, Channel] = {
    "checkout": Channel.WEB,
    "store-api": Channel.WEB,
    "pos": Channel.IN_STORE,
    "admin": Channel.OTHER,
    "rest-api": Channel.OTHER,
}
"""``created_via`` -> channel."""

TRACKING_META_KEY = "_wc_shipment_tracking_items"
"""Where the Shipment Tracking extension stores its items in ``meta_data``."""
