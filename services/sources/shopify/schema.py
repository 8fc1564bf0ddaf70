"""Shopify Admin REST payload shapes (2024-xx .. 2026-07).

{"order": Order} | {"orders": [Order]} | Order (webhook orders/*)
{"fulfillment": Fulfillment} | {"fulfillments": [...]} | Fulfillment (webhook fulfillments/*)
{"fulfillment_event": FulfillmentEvent} | {"fulfillment_events": [...]} | FulfillmentEvent
Fulfillment.events: list[FulfillmentEvent]   embedded by our client (REST serves them separately)
"""

from __future__ import annotations

from typing import TypedDict


class TaxLine(TypedDict, total=False):
    """A tax amount."""

    price: str
    rate: float
    title: str


class LineItem(TypedDict, total=False):
    """An order line."""

    sku: str | None
    name: str
    title: str
    quantity: int
    price: str
    tax_lines: list[TaxLine]


class FulfillmentEvent(TypedDict, total=False):
    """A carrier status posted on a fulfillment; ``happened_at`` has the shop-local offset."""

    id: int
    fulfillment_id: int
    order_id: int
    status: str
    message: str | None
    happened_at: str
    estimated_delivery_at: str | None
    city: str | None
    province: str | None
    zip: str | None
    country: str | None


class Fulfillment(TypedDict, total=False):
    """A shipment of some of the order's items (``tracking_url`` is generated from the company name)."""

    id: int
    order_id: int
    name: str
    status: str
    shipment_status: str | None
    tracking_company: str | None
    tracking_number: str | None
    tracking_numbers: list[str]
    tracking_url: str | None
    tracking_urls: list[str]
    created_at: str
    updated_at: str
    events: list[FulfillmentEvent]


class Address(TypedDict, total=False):
    """A shipping or billing address."""

    name: str | None
    first_name: str | None
    last_name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    province: str | None
    province_code: str | None
    zip: str | None
    country: str | None
    country_code: str | None


class Refund(TypedDict, total=False):
    """A refund on the order."""

    id: int
    created_at: str
    processed_at: str | None
    note: str | None


class Order(TypedDict, total=False):
    """An Order (the fields the mapper reads)."""

    id: int
    name: str
    order_number: int
    source_name: str | None
    processed_at: str | None
    created_at: str
    updated_at: str | None
    cancelled_at: str | None
    cancel_reason: str | None
    closed_at: str | None
    confirmed: bool
    currency: str
    total_price: str
    total_tax: str | None
    financial_status: str | None
    fulfillment_status: str | None
    email: str | None
    contact_email: str | None
    customer: dict[str, object] | None
    shipping_address: Address | None
    line_items: list[LineItem]
    fulfillments: list[Fulfillment]
    refunds: list[Refund]
