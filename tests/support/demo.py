"""Driving a running demo backend from a test: pick a shipment still on its way, post a carrier event."""

from __future__ import annotations

import httpx

from services.domain import FINAL_SHIPMENT_STATUSES, Order, OrderFilter, Shipment
from services.storage import Store


def open_shipment(store: Store) -> tuple[Order, Shipment]:
    """Return the first cached order with a shipment not yet final, and that shipment."""
    order = next(
        o
        for o in store.orders.list_orders(OrderFilter())
        if any(s.status not in FINAL_SHIPMENT_STATUSES for s in o.shipments)
    )
    return order, next(s for s in order.shipments if s.status not in FINAL_SHIPMENT_STATUSES)


def post_event(url: str, tracking_number: str, token: str, **event: str) -> None:
    """Post a carrier event to the demo at ``url`` (bearer ``token``); it must be accepted (201)."""
    posted = httpx.post(
        f"{url}/_demo/shipments/{tracking_number}/events", json=event, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 201, posted.text
