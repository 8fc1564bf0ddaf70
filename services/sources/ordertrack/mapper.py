"""Backend API payload -> domain (pure).

    /v1/orders page ──parse_orders_page──> OrderPage(orders, next_cursor, has_more, skipped)
    /v1/stream data ──parse_stream_event──> StreamUpdate(order_number, tracking_number, event)

The backend speaks the domain JSON of DESIGN.md; this mapper validates it, normalizes status
aliases and names the offending field on error (``ValidationError``), never crashing otherwise.
Our own backend is a boundary like any vendor: the codec bounds its text, money, quantities and
times, and one order that does not fit is skipped (``OrderPage.skipped``), not the whole page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.domain import (
    Order,
    OrderPage,
    SkippedRecord,
    TrackingEvent,
    ValidationError,
    clean_text,
    order_from_json,
    parse_utc,
    tracking_event_from_json,
)

from ..assemble import checked_links
from ..payload import ORDER_KEYS, map_each
from .status_map import ORDER_STATUS, SHIPMENT_STATUS

log = logging.getLogger(__name__)
_warned: set[str] = set()


@dataclass(frozen=True, slots=True)
class StreamUpdate:
    """One push update from ``/v1/stream``."""

    order_number: str
    tracking_number: str | None
    event: TrackingEvent | None
    carrier: str = ""


def _warn_once(kind: str, code: str) -> None:
    key = f"{kind}:{code}"
    if key not in _warned:
        _warned.add(key)
        log.warning("unknown %s status %r from the backend API; mapped to a safe default", kind, code)


def _normalize_order(raw: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(raw)
    status = data.get("status")
    if isinstance(status, str):
        status = clean_text(status).strip()
        mapped = ORDER_STATUS.get(status.lower())
        if mapped is None:
            _warn_once("order", status)
            mapped = ORDER_STATUS["placed"]
        data["status"] = mapped.value
    events = []
    for ev in data.get("events") or []:
        if isinstance(ev, Mapping) and isinstance(ev.get("status"), str):
            ev = dict(ev)
            ev["status"] = clean_text(ev["status"]).strip()
            mapped_ev = ORDER_STATUS.get(ev["status"].lower())
            if mapped_ev is None:
                _warn_once("order event", str(ev["status"]))
                mapped_ev = ORDER_STATUS["placed"]
            ev["status"] = mapped_ev.value
        events.append(ev)
    if "events" in data:
        data["events"] = events
    shipments = []
    for sh in data.get("shipments") or []:
        if isinstance(sh, Mapping):
            sh = dict(sh)
            sh["status"] = _shipment_status(sh.get("status"))
            sh["events"] = [_normalize_event(e) for e in sh.get("events") or []]
        shipments.append(sh)
    if "shipments" in data:
        data["shipments"] = shipments
    return data


def _shipment_status(value: object) -> str:
    if not isinstance(value, str) or not clean_text(value).strip():
        return "pending"
    value = clean_text(value).strip()
    mapped = SHIPMENT_STATUS.get(value.lower())
    if mapped is None:
        _warn_once("shipment", value)
        return "pending"
    return mapped.value


def _normalize_event(raw: object) -> object:
    if not isinstance(raw, Mapping):
        return raw
    ev = dict(raw)
    if ev.get("raw_status") is None and isinstance(ev.get("status"), str):
        ev["raw_status"] = ev["status"]
    ev["status"] = _shipment_status(ev.get("status"))
    return ev


def parse_order(raw: object) -> Order:
    """Map one backend order object to a domain Order."""
    if not isinstance(raw, Mapping):
        raise ValidationError(f"order: expected an object, got {type(raw).__name__}")
    return checked_links(order_from_json(_normalize_order(raw)))


def parse_orders_payload(payload: object, skipped: list[SkippedRecord] | None = None) -> list[Order]:
    """Map a ``{"orders": [...]}`` body (a page or an export) to domain Orders.

    With a ``skipped`` list an order that does not fit lands there and the others are kept;
    without one the first bad order raises ``ValidationError``.
    """
    if not isinstance(payload, Mapping):
        raise ValidationError("not an ordertrack payload: expected a JSON object")
    if "orders" not in payload:
        if "order_number" in payload:
            return [parse_order(payload)]
        raise ValidationError("not an ordertrack payload: missing field 'orders'")
    orders = payload["orders"]
    if not isinstance(orders, list):
        raise ValidationError("not an ordertrack payload: field 'orders' must be a list")
    return map_each(
        orders, lambda raw, _where: parse_order(raw), where="orders", kind="order", keys=ORDER_KEYS, skipped=skipped
    )


def parse_orders_page(payload: object) -> OrderPage:
    """Map a ``GET /v1/orders`` body to an OrderPage; orders that do not fit go to ``skipped``."""
    skipped: list[SkippedRecord] = []
    orders = parse_orders_payload(payload, skipped)
    assert isinstance(payload, Mapping)
    cursor = payload.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise ValidationError("ordertrack page: field 'next_cursor' must be a string")
    has_more = payload.get("has_more", False)
    if not isinstance(has_more, bool):
        raise ValidationError("ordertrack page: field 'has_more' must be a boolean")
    return OrderPage(orders=tuple(orders), next_cursor=cursor, has_more=has_more, skipped=tuple(skipped))


def parse_stream_event(data: object) -> StreamUpdate:
    """Map the JSON ``data`` of a stream event to a StreamUpdate."""
    if not isinstance(data, Mapping):
        raise ValidationError("stream event: expected a JSON object")
    number = data.get("order_number")
    if not isinstance(number, str) or not clean_text(number).strip():
        raise ValidationError("stream event: missing field 'order_number'")
    number = clean_text(number)
    tracking = data.get("tracking_number")
    if tracking is not None and not isinstance(tracking, str):
        raise ValidationError("stream event: field 'tracking_number' must be a string")
    tracking = clean_text(tracking) if tracking is not None else None
    event = None
    raw_event = data.get("event")
    if isinstance(raw_event, Mapping):
        event = tracking_event_from_json(_normalize_event(raw_event), "stream event")  # type: ignore[arg-type]
    if isinstance(data.get("updated_at"), str):
        parse_utc(str(data["updated_at"]))
    carrier = data.get("carrier")
    return StreamUpdate(
        order_number=number,
        tracking_number=tracking,
        event=event,
        carrier=clean_text(carrier) if isinstance(carrier, str) else "",
    )
