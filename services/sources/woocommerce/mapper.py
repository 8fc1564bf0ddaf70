"""WooCommerce REST v3 payload -> domain Orders (pure, total).

    Order / [Order, ...] (REST page, webhook order.*)     ──parse_order──> Order
        line_items -> items · shipment trackings (embedded or meta_data) -> shipments (pending:
        WooCommerce knows numbers, not scans) · date_*_gmt -> order events · status table
    TrackingItem / [TrackingItem, ...]                     ──parse_tracking_item──> Shipments
    {"code", "message", "data": {"status": 401}}           ──> AuthError / VendorError

Quirks handled: every date comes twice, site-local without offset and ``_gmt`` without ``Z``: only
the ``_gmt`` twin is read (as UTC), never the local one; line ``price`` is a JSON number, so unit
prices come from the ``subtotal`` strings; ``tracking_link`` may hold literal newlines (removed);
``date_shipped`` is a date or a unix-timestamp string.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from services.domain import (
    Address,
    Channel,
    Customer,
    LineItem,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    ValidationError,
    check_quantity,
    clean_text,
    in_range,
)

from ..assemble import Summary, build_shipment, note_unknown
from ..carriers import carrier_name, carrier_slug, checked_url
from ..errors import error_for_code
from ..payload import (
    JsonObject,
    Normalized,
    as_list,
    as_object,
    as_utc,
    describe,
    money,
    not_a,
    opt_int,
    opt_list,
    opt_money,
    opt_object,
    opt_str,
    parse_datetime,
    req_str,
)
from ..reconcile import reconcile_carrier
from .schema import Order as OrderPayload
from .schema import TrackingItem
from .status_map import CHANNELS, ORDER_STATUS, TRACKING_META_KEY

KIND = "woocommerce"


def _req_gmt(o: JsonObject, key: str, where: str) -> datetime:
    value = _gmt(o, key, where)
    if value is None:
        raise ValidationError(f"{where}: missing field '{key}_gmt'")
    return value


def _gmt(o: JsonObject, key: str, where: str) -> datetime | None:
    """Read ``<key>_gmt`` as UTC; the site-local twin is never parsed as UTC."""
    text = opt_str(o, f"{key}_gmt", where)
    if text is None:
        return None
    parsed = parse_datetime(text)
    value = as_utc(parsed) if parsed is not None else None
    if value is None:
        raise ValidationError(f"{where}: field '{key}_gmt' is not a timestamp: {text[:40]!r}")
    return value


def _shipped_at(item: JsonObject, where: str) -> datetime | None:
    value = item.get("date_shipped")
    if value is None or value == "":
        return None
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None:
        raise ValidationError(f"{where}: field 'date_shipped' must be a date or a unix timestamp")
    if text.isdigit():
        try:
            shipped = datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError) as err:
            raise ValidationError(f"{where}: field 'date_shipped' is out of range") from err
        if not in_range(shipped):
            raise ValidationError(f"{where}: field 'date_shipped' is out of range")
        return shipped
    parsed = parse_datetime(text)
    return as_utc(parsed) if parsed is not None else None


def parse_tracking_item(raw: object, where: str = "woocommerce tracking") -> Shipment:
    """Map a Shipment Tracking item to a Shipment (``pending``: no carrier data yet)."""
    item = cast(TrackingItem, as_object(raw, where))
    number = req_str(item, "tracking_number", where)
    provider = opt_str(item, "custom_tracking_provider", where) or opt_str(item, "tracking_provider", where)
    declared = carrier_slug(provider)
    slug = reconcile_carrier(declared, number)
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=carrier_name(slug, provider if slug == declared else None),
        tracking_url=checked_url(
            [opt_str(item, "custom_tracking_link", where), opt_str(item, "tracking_link", where)], slug, number
        ),
        drafts=[],
        summary=Summary(ShipmentStatus.PENDING, None),
    )


def _tracking_items(o: JsonObject, where: str) -> list[object]:
    embedded = o.get("shipment_trackings")
    if embedded is not None:
        return as_list(embedded, f"{where}.shipment_trackings")
    for i, meta_raw in enumerate(opt_list(o, "meta_data", where)):
        meta = as_object(meta_raw, f"{where}.meta_data[{i}]")
        if meta.get("key") == TRACKING_META_KEY and isinstance(meta.get("value"), list):
            return as_list(meta.get("value"), f"{where}.meta_data[{i}].value")
    return []


def _item(raw: object, where: str) -> LineItem:
    li = as_object(raw, where)
    quantity = opt_int(li, "quantity", where)
    if quantity is None:
        raise ValidationError(f"{where}: missing field 'quantity'")
    check_quantity(quantity, where)
    subtotal = opt_money(li, "subtotal", where)
    if subtotal is not None:
        exponent = subtotal.as_tuple().exponent
        places = min(exponent, -2) if isinstance(exponent, int) else -2
        unit = (subtotal / quantity).quantize(Decimal(1).scaleb(places))
    else:
        price = li.get("price")
        if price is None:
            raise ValidationError(f"{where}: missing field 'subtotal'")
        unit = money(price, "price", where)
    return LineItem(
        sku=opt_str(li, "sku", where) or "",
        # The REST API serves HTML-escaped names; an entity may spell a control or a bidi override.
        name=clean_text(html.unescape(req_str(li, "name", where))),
        quantity=quantity,
        unit_price=unit,
        tax=opt_money(li, "total_tax", where),
    )


def _party_name(p: JsonObject, where: str) -> str:
    return " ".join(x for x in (opt_str(p, "first_name", where), opt_str(p, "last_name", where)) if x)


def parse_order(raw: object, where: str = "woocommerce order") -> Order:
    """Map one WooCommerce order (with any tracking items) to a domain Order."""
    o = cast(OrderPayload, as_object(raw, where))
    number = opt_str(o, "number", where) or req_str(o, "id", where)
    where = f"woocommerce order {number}"
    placed = _req_gmt(o, "date_created", where)
    status_text = req_str(o, "status", where).lower()
    status = ORDER_STATUS.get(status_text)
    if status is None:
        note_unknown(KIND, "order status", status_text)
        status = OrderStatus.PLACED
    currency = req_str(o, "currency", where).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"{where}: field 'currency' must be an ISO 4217 code, got {currency[:10]!r}")
    total = o.get("total")
    if total is None:
        raise ValidationError(f"{where}: missing field 'total'")
    shipments = []
    events = [OrderEvent(placed, OrderStatus.PLACED, "Order placed")]
    for i, item_raw in enumerate(_tracking_items(o, where)):
        iw = f"{where}.shipment_trackings[{i}]"
        shipment = parse_tracking_item(item_raw, iw)
        shipments.append(shipment)
        shipped = _shipped_at(as_object(item_raw, iw), iw)
        if shipped is not None:
            events.append(
                OrderEvent(
                    shipped, OrderStatus.SHIPPED, f"Shipped with {shipment.carrier_name} {shipment.tracking_number}"
                )
            )
    paid = _gmt(o, "date_paid", where)
    if paid is not None:
        events.append(OrderEvent(paid, OrderStatus.CONFIRMED, "Payment received"))
    completed = _gmt(o, "date_completed", where)
    if completed is not None:
        events.append(OrderEvent(completed, OrderStatus.SHIPPED, "Order completed"))
    modified = _gmt(o, "date_modified", where)
    if status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) and modified is not None:
        events.append(OrderEvent(modified, status, f"Order {status.value}"))
    billing = opt_object(o, "billing", where) or {}
    shipping = opt_object(o, "shipping", where)
    customer_name = _party_name(billing, where)
    email = opt_str(billing, "email", where) or ""
    address = None
    if shipping is not None:
        address = Address(
            name=_party_name(shipping, where),
            line1=opt_str(shipping, "address_1", where) or "",
            line2=opt_str(shipping, "address_2", where) or "",
            city=opt_str(shipping, "city", where) or "",
            region=opt_str(shipping, "state", where) or "",
            postal_code=opt_str(shipping, "postcode", where) or "",
            country=opt_str(shipping, "country", where) or "",
        )
    return Order(
        order_number=number,
        source=KIND,
        channel=CHANNELS.get((opt_str(o, "created_via", where) or "").lower(), Channel.OTHER),
        placed_at=placed,
        status=status,
        currency=currency,
        total=money(total, "total", where),
        tax_total=opt_money(o, "total_tax", where) or Decimal("0"),
        items=tuple(_item(li, f"{where}.line_items[{i}]") for i, li in enumerate(opt_list(o, "line_items", where))),
        events=tuple(sorted(events, key=lambda e: e.occurred_at)),
        shipments=tuple(shipments),
        customer=Customer(name=customer_name, email=email) if customer_name or email else None,
        shipping_address=address,
        updated_at=modified,
    )


def _is_order(body: JsonObject) -> bool:
    return "line_items" in body or ("status" in body and "date_created_gmt" in body)


def _is_tracking_item(body: JsonObject) -> bool:
    return "tracking_number" in body and any(
        k in body for k in ("tracking_provider", "custom_tracking_provider", "tracking_id", "tracking_link")
    )


def normalize(payload: object) -> Normalized:
    """Detect the WooCommerce payload shape (order/s or tracking item/s) and map it."""
    if isinstance(payload, list):
        objects = [as_object(x, f"woocommerce [{i}]") for i, x in enumerate(payload)]
        if objects and all(_is_tracking_item(x) for x in objects):
            return "shipments", [parse_tracking_item(x, f"woocommerce trackings[{i}]") for i, x in enumerate(objects)]
        return "orders", [parse_order(x, f"woocommerce orders[{i}]") for i, x in enumerate(objects)]
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object or list, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "code" in body and "message" in body and not _is_order(body):
        data = opt_object(body, "data", KIND) or {}
        status = opt_int(data, "status", KIND) or 400
        raise error_for_code(KIND, status, opt_str(body, "code", KIND), opt_str(body, "message", KIND) or "error")
    if _is_order(body):
        return "orders", [parse_order(body)]
    if _is_tracking_item(body):
        return "shipments", [parse_tracking_item(body)]
    raise not_a(KIND, "expected an order ('line_items', 'status', 'date_created_gmt') or a shipment tracking item")
