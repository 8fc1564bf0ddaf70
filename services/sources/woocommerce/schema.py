"""WooCommerce REST v3 payload shapes (+ the Shipment Tracking extension).

Order {"id", "number", "status", "currency", "date_created" (site tz, no offset),
       "date_created_gmt" (UTC, no Z), "total", "total_tax", "line_items", "shipping", "meta_data"}
[Order, ...]                                        GET /wc/v3/orders (page)
TrackingItem / [TrackingItem]                       /wc-shipment-tracking/v3/orders/<id>/shipment-trackings
Order.shipment_trackings: [TrackingItem]            embedded by our client
Order.meta_data[key="_wc_shipment_tracking_items"]  the extension's own storage
"""

from __future__ import annotations

from typing import TypedDict


class TrackingItem(TypedDict, total=False):
    """A Shipment Tracking item; ``tracking_link`` may contain literal newlines."""

    tracking_id: str
    tracking_provider: str | None
    custom_tracking_provider: str | None
    tracking_link: str | None
    custom_tracking_link: str | None
    tracking_number: str
    date_shipped: str | int | None


class LineItem(TypedDict, total=False):
    """An order line (``price`` is a JSON number: the mapper uses ``subtotal`` / ``quantity``)."""

    name: str
    sku: str | None
    quantity: int
    subtotal: str
    total: str
    total_tax: str
    price: float


class MetaData(TypedDict, total=False):
    """A meta entry."""

    id: int
    key: str
    value: object


class Party(TypedDict, total=False):
    """Billing or shipping party."""

    first_name: str
    last_name: str
    company: str
    address_1: str
    address_2: str
    city: str
    state: str
    postcode: str
    country: str
    email: str


class Order(TypedDict, total=False):
    """An Order (the fields the mapper reads)."""

    id: int
    number: str
    status: str
    created_via: str
    currency: str
    date_created_gmt: str
    date_modified_gmt: str | None
    date_paid_gmt: str | None
    date_completed_gmt: str | None
    total: str
    total_tax: str
    billing: Party
    shipping: Party
    line_items: list[LineItem]
    meta_data: list[MetaData]
    shipment_trackings: list[TrackingItem]
