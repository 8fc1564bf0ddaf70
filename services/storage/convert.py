"""Value conversions between the domain and the cache's columns (times, money, JSON, event keys)."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.domain import (
    Address,
    Channel,
    Customer,
    DeliveryWindow,
    LineItem,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SourceConfig,
    SyncState,
    TrackingEvent,
    money,
)

_ADDRESS_FIELDS = tuple(f.name for f in fields(Address))
_SHIPMENT_STATUS = {m.value: m for m in ShipmentStatus}
_ORDER_STATUS = {m.value: m for m in OrderStatus}


# ---------------------------------------------------------------- times


@functools.lru_cache(maxsize=1 << 16)
def ts(value: datetime) -> str:
    """Format an instant as fixed-width UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sorts like time).

    Remembered for the last 65,536 instants: a sync formats the same event times several times
    (content, identity key, comparison with the cached copy). Equal instants give equal text.
    """
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def opt_ts(value: datetime | None) -> str | None:
    """Format an optional instant (``None`` stays ``None``)."""
    return None if value is None else ts(value)


def from_ts(text: str) -> datetime:
    """Parse a stored time back into an aware UTC datetime."""
    return datetime.fromisoformat(text)  # the trailing Z gives tzinfo=UTC (Python 3.11+)


def opt_from_ts(text: str | None) -> datetime | None:
    """Parse an optional stored time."""
    return None if text is None else from_ts(text)


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware datetime in UTC (naive is read as UTC)."""
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now() -> datetime:
    """Return the current instant in UTC, with microseconds (for ``stored_at``)."""
    return datetime.now(UTC)


# ---------------------------------------------------------------- event identity


def event_key(event: TrackingEvent) -> str:
    """Return the stable key of a carrier event: a hash of its ``TrackingEvent.identity``.

    The identity's parts are taken in a fixed form: the instant as stored UTC text, the status, and
    the stripped, casefolded description; so the same event from two sources (or zones) gets one key.
    """
    return key_of(ts(event.occurred_at), event.status.value, event.description)


def key_of(occurred_at: str, status: str, description: str) -> str:
    """Hash the identity parts of a carrier event (see :func:`event_key`)."""
    text = f"{occurred_at}\x1f{status}\x1f{description.strip().casefold()}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def utc_event(event: TrackingEvent) -> TrackingEvent:
    """Return the event with ``occurred_at`` in UTC, so identities compare across sources."""
    if event.occurred_at.tzinfo is UTC:
        return event
    return replace(event, occurred_at=utc(event.occurred_at))


# ---------------------------------------------------------------- JSON columns


def items_to_text(items: tuple[LineItem, ...]) -> str:
    """Serialize line items as a JSON list, money as decimal strings."""
    return json.dumps(
        [
            {
                "sku": i.sku,
                "name": i.name,
                "quantity": i.quantity,
                "unit_price": money(i.unit_price),
                "tax": None if i.tax is None else money(i.tax),
            }
            for i in items
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def items_from_text(text: str) -> tuple[LineItem, ...]:
    """Parse the stored JSON list of line items."""
    raw: list[dict[str, Any]] = json.loads(text)
    return tuple(
        LineItem(
            sku=i["sku"],
            name=i["name"],
            quantity=i["quantity"],
            unit_price=Decimal(i["unit_price"]),
            tax=None if i.get("tax") is None else Decimal(i["tax"]),
        )
        for i in raw
    )


def address_to_text(address: Address | None) -> str | None:
    """Serialize an address as a JSON object (``None`` stays NULL)."""
    if address is None:
        return None
    return json.dumps({k: getattr(address, k) for k in _ADDRESS_FIELDS}, ensure_ascii=False, separators=(",", ":"))


def address_from_text(text: str | None) -> Address | None:
    """Parse a stored address."""
    if text is None:
        return None
    raw: dict[str, str] = json.loads(text)
    return Address(**{k: raw.get(k, "") for k in _ADDRESS_FIELDS})


def search_text(order: Order) -> str:
    """Build the casefolded text that the free-text filter searches."""
    parts = [order.order_number, order.merchant]
    if order.customer is not None:
        parts.append(order.customer.name)
    parts.extend(i.name for i in order.items)
    parts.extend(i.sku for i in order.items if i.sku)
    parts.extend(s.tracking_number for s in order.shipments)
    return "\n".join(p for p in parts if p).casefold()


# ---------------------------------------------------------------- rows -> domain


def order_row(order: Order) -> dict[str, Any]:
    """Return the ``orders`` column values of an order (without id and bookkeeping times)."""
    customer = order.customer
    return {
        "order_number": order.order_number,
        "source": order.source,
        "channel": order.channel.value,
        "placed_at": ts(order.placed_at),
        "status": order.status.value,
        "currency": order.currency,
        "total": money(order.total),
        "tax_total": money(order.tax_total),
        "merchant": order.merchant,
        "customer_name": None if customer is None else customer.name,
        "customer_email": None if customer is None else customer.email,
        "shipping_address": address_to_text(order.shipping_address),
        "items": items_to_text(order.items),
        "needs_attention": order.needs_attention,
        "search_text": search_text(order),
        "updated_at": opt_ts(order.updated_at),
    }


def order_from_row(row: Any, events: tuple[OrderEvent, ...], shipments: tuple[Shipment, ...]) -> Order:
    """Build an Order from an ``orders`` row and its loaded children."""
    customer = None
    if row.customer_name is not None or row.customer_email is not None:
        customer = Customer(name=row.customer_name or "", email=row.customer_email or "")
    return Order(
        order_number=row.order_number,
        source=row.source,
        channel=Channel(row.channel),
        placed_at=from_ts(row.placed_at),
        status=_ORDER_STATUS[row.status],
        currency=row.currency,
        total=Decimal(row.total),
        tax_total=Decimal(row.tax_total),
        items=items_from_text(row.items),
        events=events,
        shipments=shipments,
        merchant=row.merchant,
        customer=customer,
        shipping_address=address_from_text(row.shipping_address),
        updated_at=opt_from_ts(row.updated_at),
    )


def order_event_from_row(row: Any) -> OrderEvent:
    """Build an OrderEvent from an ``order_events`` row."""
    return OrderEvent(
        occurred_at=from_ts(row.occurred_at), status=_ORDER_STATUS[row.status], description=row.description
    )


def shipment_row(shipment: Shipment) -> dict[str, Any]:
    """Return the ``shipments`` column values of a shipment (without ids and position)."""
    eta = shipment.estimated_delivery
    latest = shipment.latest_event
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "carrier_name": shipment.carrier_name,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status.value,
        "substatus": shipment.substatus,
        "action_required": shipment.action_required,
        "eta_start": None if eta is None else ts(eta.start),
        "eta_end": None if eta is None else ts(eta.end),
        "eta_date_only": eta is not None and eta.date_only,
        "delivered_at": opt_ts(shipment.delivered_at),
        "last_event_at": None if latest is None else ts(latest.occurred_at),
    }


def eta_from_row(start: str | None, end: str | None, date_only: bool = False) -> DeliveryWindow | None:
    """Build the delivery window from its columns (``date_only``: calendar days, migration 0007)."""
    if start is None:
        return None
    begin = from_ts(start)
    return DeliveryWindow(start=begin, end=from_ts(end) if end is not None else begin, date_only=date_only)


def shipment_from_row(row: Any, events: tuple[TrackingEvent, ...]) -> Shipment:
    """Build a Shipment from a ``shipments`` row and its events."""
    return Shipment(
        tracking_number=row.tracking_number,
        carrier=row.carrier,
        carrier_name=row.carrier_name,
        tracking_url=row.tracking_url,
        status=_SHIPMENT_STATUS[row.status],
        substatus=row.substatus,
        action_required=bool(row.action_required),
        estimated_delivery=eta_from_row(row.eta_start, row.eta_end, bool(row.eta_date_only)),
        delivered_at=opt_from_ts(row.delivered_at),
        events=events,
    )


def tracking_event_content(event: TrackingEvent) -> dict[str, Any]:
    """Return the descriptive ``tracking_events`` columns of an event (no ids, no provenance)."""
    when = ts(event.occurred_at)
    return {
        "event_key": key_of(when, event.status.value, event.description),
        "occurred_at": when,
        "status": event.status.value,
        "description": event.description,
        "offset_known": event.offset_known,
        "local_time": event.local_time,
        "location": event.location,
        "raw_status": event.raw_status,
    }


def tracking_event_from_row(row: Any) -> TrackingEvent:
    """Build a TrackingEvent from a ``tracking_events`` row."""
    return TrackingEvent(
        occurred_at=from_ts(row.occurred_at),
        status=_SHIPMENT_STATUS[row.status],
        description=row.description,
        offset_known=bool(row.offset_known),
        local_time=row.local_time,
        location=row.location,
        raw_status=row.raw_status,
    )


def sync_state_row(state: SyncState) -> dict[str, Any]:
    """Return the ``sync_state`` column values."""
    return {
        "source": state.source,
        "cursor": state.cursor,
        "etag": state.etag,
        "last_attempt_at": opt_ts(state.last_attempt_at),
        "last_success_at": opt_ts(state.last_success_at),
        "last_error": state.last_error,
        "stale_since": opt_ts(state.stale_since),
    }


def sync_state_from_row(row: Any) -> SyncState:
    """Build a SyncState from its row."""
    return SyncState(
        source=row.source,
        cursor=row.cursor,
        etag=row.etag,
        last_attempt_at=opt_from_ts(row.last_attempt_at),
        last_success_at=opt_from_ts(row.last_success_at),
        last_error=row.last_error,
        stale_since=opt_from_ts(row.stale_since),
    )


def source_from_row(row: Any) -> SourceConfig:
    """Build a SourceConfig from its row."""
    return SourceConfig(
        name=row.name,
        kind=row.kind,
        url=row.url,
        created_at=opt_from_ts(row.created_at),
        enabled=bool(row.enabled),
    )
