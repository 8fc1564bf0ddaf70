"""Domain JSON codec: exactly the DESIGN.md shape, lossless, clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain import (
    Channel,
    Order,
    OrderStatus,
    ShipmentStatus,
    ValidationError,
    format_utc,
    order_from_json,
    order_to_json,
    parse_utc,
)

DESIGN_EXAMPLE = {
    "order_number": "W-10023",
    "source": "demo",
    "channel": "web",
    "placed_at": "2026-11-20T09:15:00Z",
    "status": "shipped",
    "currency": "EUR",
    "total": "129.90",
    "tax_total": "20.74",
    "items": [{"sku": "SKU-1", "name": "Trail shoe", "quantity": 1, "unit_price": "64.95"}],
    "events": [
        {"occurred_at": "2026-11-20T09:15:00Z", "kind": "order", "status": "placed", "description": "Order placed"}
    ],
    "shipments": [
        {
            "tracking_number": "1Z999AA10123456784",
            "carrier": "ups",
            "carrier_name": "UPS",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            "status": "in_transit",
            "substatus": "InTransit_003",
            "action_required": False,
            "estimated_delivery": {"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T18:00:00Z"},
            "delivered_at": None,
            "events": [
                {
                    "occurred_at": "2026-11-21T14:02:00Z",
                    "offset_known": True,
                    "local_time": "2026-11-21T09:02:00-05:00",
                    "location": "Louisville, KY, US",
                    "description": "Arrival scan",
                    "status": "in_transit",
                    "raw_status": "InTransit_003",
                }
            ],
        }
    ],
}


def test_design_example_round_trips_exactly() -> None:
    """The DESIGN.md example parses and serializes back to the same JSON."""
    order = order_from_json(DESIGN_EXAMPLE)
    assert order.channel is Channel.WEB
    assert order.status is OrderStatus.SHIPPED
    assert order.total == Decimal("129.90")
    assert order.shipments[0].status is ShipmentStatus.IN_TRANSIT
    assert order_to_json(order) == DESIGN_EXAMPLE


def test_money_is_a_decimal_string_never_float() -> None:
    """Totals print as decimal strings, trailing zeros kept."""
    order = order_from_json(DESIGN_EXAMPLE)
    out = order_to_json(order)
    assert out["total"] == "129.90" and isinstance(out["total"], str)
    assert json.loads(json.dumps(out))["items"][0]["unit_price"] == "64.95"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("order_number"), "missing field 'order_number'"),
        (lambda d: d.update(channel="fax"), "unknown value 'fax'"),
        (lambda d: d.update(total=12.5), "must be a decimal string"),
        (lambda d: d.update(currency="EURO"), "ISO 4217"),
        (lambda d: d.update(placed_at="yesterday"), "not an ISO 8601 timestamp"),
        (lambda d: d["shipments"][0].pop("tracking_number"), "missing field 'tracking_number'"),
        (lambda d: d["shipments"][0]["events"][0].update(status="lost_in_space"), "unknown value"),
    ],
)
def test_bad_input_names_the_problem(mutate, message) -> None:  # type: ignore[no-untyped-def]
    """Malformed orders raise ValidationError naming the field, never KeyError/TypeError."""
    data = json.loads(json.dumps(DESIGN_EXAMPLE))
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        order_from_json(data)


def test_times_are_utc_with_z() -> None:
    """Offsets are converted to UTC; output always ends with Z."""
    assert format_utc(parse_utc("2026-11-21T09:02:00-05:00")) == "2026-11-21T14:02:00Z"
    assert parse_utc("2026-11-21T14:02:00") == datetime(2026, 11, 21, 14, 2, tzinfo=UTC)


def test_order_is_frozen() -> None:
    """Domain objects are immutable."""
    order: Order = order_from_json(DESIGN_EXAMPLE)
    with pytest.raises(AttributeError):
        order.status = OrderStatus.DELIVERED  # type: ignore[misc]
