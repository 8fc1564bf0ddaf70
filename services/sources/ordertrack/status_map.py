"""Status tables of the backend API: it speaks the domain vocabulary, plus a few aliases."""

from __future__ import annotations

from services.domain import OrderStatus, ShipmentStatus

ORDER_STATUS: dict[str, OrderStatus] = {s.value: s for s in OrderStatus} | {
    "pending": OrderStatus.PLACED,
    "paid": OrderStatus.CONFIRMED,
    "fulfilled": OrderStatus.SHIPPED,
    "partially_fulfilled": OrderStatus.PARTIALLY_SHIPPED,
    "canceled": OrderStatus.CANCELLED,
}
"""Backend order status -> domain order status."""

SHIPMENT_STATUS: dict[str, ShipmentStatus] = {s.value: s for s in ShipmentStatus} | {
    "canceled": ShipmentStatus.CANCELLED,
    "attempt_fail": ShipmentStatus.FAILED_ATTEMPT,
    "pre_transit": ShipmentStatus.INFO_RECEIVED,
}
"""Backend shipment/event status -> domain shipment status."""
