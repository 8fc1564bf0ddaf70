"""JSON (de)serialization of the domain in exactly the DESIGN.md shape.

``*_to_json`` return plain dicts ready for ``json.dumps``; ``*_from_json`` validate and raise
:class:`ValidationError` naming the missing or bad field, never ``KeyError``/``TypeError``.
``*_from_json`` is a boundary (the backend API speaks this shape): text passes ``clean_text``,
money ``parse_money``, quantities ``check_quantity`` and times the calendar range of ``times``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from .currency import amount_text
from .enums import Channel, EventKind, OrderStatus, ShipmentStatus
from .errors import ValidationError
from .models import (
    Address,
    Customer,
    DeliveryWindow,
    LineItem,
    Order,
    OrderEvent,
    Shipment,
    TimelineEntry,
    TrackingEvent,
)
from .times import format_utc, parse_utc
from .values import check_quantity, clean_text, parse_money

JSON = dict[str, Any]
E = TypeVar("E", bound=StrEnum)


def money(value: Decimal, currency: str | None = None) -> str:
    """Format a decimal amount as a plain decimal string (never exponent notation).

    With ``currency`` the amount has that currency's minor units (JPY "4000", KWD "1.500").
    """
    return amount_text(value, currency) if currency else format(value, "f")


def _opt_time(value: datetime | None) -> str | None:
    return format_utc(value) if value is not None else None


# ---------------------------------------------------------------- to JSON


def tracking_event_to_json(event: TrackingEvent) -> JSON:
    """Serialize a carrier event."""
    return {
        "occurred_at": format_utc(event.occurred_at),
        "offset_known": event.offset_known,
        "local_time": event.local_time,
        "location": event.location,
        "description": event.description,
        "status": event.status.value,
        "raw_status": event.raw_status,
    }


def eta_to_json(eta: DeliveryWindow | None) -> JSON | None:
    """Serialize an estimate; a date-only one adds ``"date_only": true`` (its days are start[:10]..end[:10])."""
    if eta is None:
        return None
    out: JSON = {"start": format_utc(eta.start), "end": format_utc(eta.end)}
    if eta.date_only:
        out["date_only"] = True
    return out


def shipment_to_json(shipment: Shipment) -> JSON:
    """Serialize a shipment with its events, oldest first."""
    eta = shipment.estimated_delivery
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "carrier_name": shipment.carrier_name,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status.value,
        "substatus": shipment.substatus,
        "action_required": shipment.action_required,
        "estimated_delivery": eta_to_json(eta),
        "delivered_at": _opt_time(shipment.delivered_at),
        "events": [tracking_event_to_json(e) for e in sorted(shipment.events, key=lambda e: e.occurred_at)],
    }


def order_to_json(order: Order) -> JSON:
    """Serialize an order in the DESIGN.md shape (plus optional extension fields)."""
    out: JSON = {
        "order_number": order.order_number,
        "source": order.source,
        "channel": order.channel.value,
        "placed_at": format_utc(order.placed_at),
        "status": order.status.value,
        "currency": order.currency,
        "total": money(order.total, order.currency),
        "tax_total": money(order.tax_total, order.currency),
        "items": [
            {
                "sku": i.sku,
                "name": i.name,
                "quantity": i.quantity,
                "unit_price": money(i.unit_price, order.currency),
                **({"tax": money(i.tax, order.currency)} if i.tax is not None else {}),
            }
            for i in order.items
        ],
        "events": [
            {
                "occurred_at": format_utc(e.occurred_at),
                "kind": EventKind.ORDER.value,
                "status": e.status.value,
                "description": e.description,
            }
            for e in sorted(order.events, key=lambda e: e.occurred_at)
        ],
        "shipments": [shipment_to_json(s) for s in order.shipments],
    }
    if order.merchant:
        out["merchant"] = order.merchant
    if order.customer is not None:
        out["customer"] = {"name": order.customer.name, "email": order.customer.email}
    if order.shipping_address is not None:
        a = order.shipping_address
        out["shipping_address"] = {
            "name": a.name,
            "line1": a.line1,
            "line2": a.line2,
            "city": a.city,
            "region": a.region,
            "postal_code": a.postal_code,
            "country": a.country,
        }
    if order.updated_at is not None:
        out["updated_at"] = format_utc(order.updated_at)
    return out


def timeline_entry_to_json(entry: TimelineEntry) -> JSON:
    """Serialize a unified-timeline entry (carrier fields only for carrier events)."""
    out: JSON = {
        "occurred_at": format_utc(entry.occurred_at),
        "kind": entry.kind.value,
        "status": entry.status,
        "description": entry.description,
    }
    if entry.kind is EventKind.SHIPMENT:
        out["location"] = entry.location
        out["tracking_number"] = entry.tracking_number
        out["carrier"] = entry.carrier
        out["offset_known"] = entry.offset_known
        out["local_time"] = entry.local_time
    return out


# ---------------------------------------------------------------- from JSON


def _req(data: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValidationError(f"{where}: expected an object, got {type(data).__name__}")
    if key not in data or data[key] is None:
        raise ValidationError(f"{where}: missing field {key!r}")
    return data[key]


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _req(data, key, where)
    if not isinstance(value, str):
        raise ValidationError(f"{where}: field {key!r} must be a string")
    return clean_text(value)


def _opt_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}: field {key!r} must be a string")
    return clean_text(value)


def _loose_str(value: object) -> str:
    """Return a lenient text field (customer, address parts) as clean text; anything else is empty."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _time(data: Mapping[str, Any], key: str, where: str) -> datetime:
    try:
        return parse_utc(_str(data, key, where))
    except ValidationError as err:
        raise ValidationError(f"{where}: field {key!r}: {err}") from err


def _opt_time_in(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    if data.get(key) is None:
        return None
    return _time(data, key, where)


def _decimal(value: Any, key: str, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(f"{where}: field {key!r} must be a decimal string")
    result = parse_money(value)
    if result is None:
        shown = value[:40] if isinstance(value, str) else "a huge integer"
        raise ValidationError(f"{where}: field {key!r} is not a decimal amount: {shown!r}")
    return result


def _enum(enum: type[E], data: Mapping[str, Any], key: str, where: str) -> E:
    value = _str(data, key, where)
    try:
        return enum(value)
    except ValueError as err:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(f"{where}: field {key!r} has unknown value {value!r} (one of {allowed})") from err


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{where}: field {key!r} must be a list")
    return value


def tracking_event_from_json(data: Mapping[str, Any], where: str = "event") -> TrackingEvent:
    """Parse a carrier event."""
    offset_known = data.get("offset_known", True) if isinstance(data, Mapping) else True
    return TrackingEvent(
        occurred_at=_time(data, "occurred_at", where),
        status=_enum(ShipmentStatus, data, "status", where),
        description=_opt_str(data, "description", where) or "",
        offset_known=bool(offset_known),
        local_time=_opt_str(data, "local_time", where),
        location=_opt_str(data, "location", where),
        raw_status=_opt_str(data, "raw_status", where),
    )


def shipment_from_json(data: Mapping[str, Any], where: str = "shipment") -> Shipment:
    """Parse a shipment."""
    eta_raw = data.get("estimated_delivery") if isinstance(data, Mapping) else None
    eta = None
    if eta_raw is not None:
        start = _time(eta_raw, "start", f"{where}.estimated_delivery")
        end = _opt_time_in(eta_raw, "end", f"{where}.estimated_delivery") or start
        given = eta_raw.get("start") if isinstance(eta_raw, Mapping) else None
        # a date-only estimate: flagged, or given as a bare date ("2026-11-24"): whole calendar days
        date_only = eta_raw.get("date_only") is True or (isinstance(given, str) and len(given.strip()) == 10)
        low, high = min(start, end), max(start, end)
        if date_only:
            low = low.replace(hour=0, minute=0, second=0, microsecond=0)
            high = high.replace(hour=23, minute=59, second=59, microsecond=0)
        eta = DeliveryWindow(start=low, end=high, date_only=date_only)
    events = tuple(
        tracking_event_from_json(e, f"{where}.events[{i}]") for i, e in enumerate(_list(data, "events", where))
    )
    return Shipment(
        tracking_number=_str(data, "tracking_number", where),
        carrier=_str(data, "carrier", where),
        carrier_name=_opt_str(data, "carrier_name", where) or "",
        tracking_url=_opt_str(data, "tracking_url", where),
        status=_enum(ShipmentStatus, data, "status", where) if data.get("status") else ShipmentStatus.PENDING,
        substatus=_opt_str(data, "substatus", where),
        action_required=bool(data.get("action_required", False)),
        estimated_delivery=eta,
        delivered_at=_opt_time_in(data, "delivered_at", where),
        events=tuple(sorted(events, key=lambda e: e.occurred_at)),
    )


def order_from_json(data: Mapping[str, Any], where: str = "order") -> Order:
    """Parse an order in the DESIGN.md shape."""
    number = _str(data, "order_number", where)
    where = f"order {number}"
    items = []
    for i, raw in enumerate(_list(data, "items", where)):
        w = f"{where}.items[{i}]"
        qty = check_quantity(_req(raw, "quantity", w), w)
        items.append(
            LineItem(
                sku=_opt_str(raw, "sku", w) or "",
                name=_str(raw, "name", w),
                quantity=qty,
                unit_price=_decimal(_req(raw, "unit_price", w), "unit_price", w),
                tax=_decimal(raw["tax"], "tax", w) if raw.get("tax") is not None else None,
            )
        )
    events = [
        OrderEvent(
            occurred_at=_time(e, "occurred_at", f"{where}.events[{i}]"),
            status=_enum(OrderStatus, e, "status", f"{where}.events[{i}]"),
            description=_opt_str(e, "description", f"{where}.events[{i}]") or "",
        )
        for i, e in enumerate(_list(data, "events", where))
    ]
    shipments = tuple(
        shipment_from_json(s, f"{where}.shipments[{i}]") for i, s in enumerate(_list(data, "shipments", where))
    )
    customer = None
    if isinstance(data.get("customer"), Mapping):
        c = data["customer"]
        customer = Customer(name=_loose_str(c.get("name")), email=_loose_str(c.get("email")))
    address = None
    if isinstance(data.get("shipping_address"), Mapping):
        a = data["shipping_address"]
        address = Address(**{k: _loose_str(a.get(k)) for k in Address.__dataclass_fields__})
    currency = _str(data, "currency", where)
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"{where}: field 'currency' must be an ISO 4217 code, got {currency!r}")
    return Order(
        order_number=number,
        source=_str(data, "source", where),
        channel=_enum(Channel, data, "channel", where),
        placed_at=_time(data, "placed_at", where),
        status=_enum(OrderStatus, data, "status", where),
        currency=currency.upper(),
        total=_decimal(_req(data, "total", where), "total", where),
        tax_total=_decimal(data.get("tax_total", "0"), "tax_total", where),
        items=tuple(items),
        events=tuple(sorted(events, key=lambda e: e.occurred_at)),
        shipments=shipments,
        merchant=_opt_str(data, "merchant", where) or "",
        customer=customer,
        shipping_address=address,
        updated_at=_opt_time_in(data, "updated_at", where),
    )
