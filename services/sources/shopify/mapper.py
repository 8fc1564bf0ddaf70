"""Shopify Admin REST payload -> domain Orders (with shipments) or Shipments (pure, total).

    {"order": Order} / {"orders": [...]} / Order (webhook)        ──parse_order──> Order
        line_items -> items · fulfillments (+ embedded events) -> shipments · processed_at,
        fulfillments, refunds, cancelled_at -> order events · status derived from those
    {"fulfillment": ...} / {"fulfillments": [...]} / Fulfillment   ──parse_fulfillment──> Shipments
    {"fulfillment_event": ...} / {"fulfillment_events": [...]}      ──> Shipments keyed by nothing but
        their events (a FulfillmentEvent names no tracking number: tracking_number "")
    {"errors": ...}                                                  ──> AuthError / VendorError

Quirks handled: times carry the shop-local offset (exact); ``tracking_url`` is generated from the
company name (a USPS link for a ``1Z`` number), so URLs are checked against the carrier and a
checksum-valid ``1Z`` number overrules the merchant's company; one Shipment per tracking number;
money stays decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import cast

from services.domain import (
    Address,
    AuthError,
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
)

from ..assemble import Draft, Summary, build_shipment, eta_window, join_location, lookup, reference_time
from ..carriers import carrier_name, carrier_slug, checked_url
from ..errors import VendorError
from ..payload import (
    JsonObject,
    Normalized,
    as_list,
    as_object,
    describe,
    money,
    not_a,
    opt_bool,
    opt_instant,
    opt_int,
    opt_list,
    opt_money,
    opt_object,
    opt_str,
    req_str,
    stamp,
    text_value,
)
from ..reconcile import reconcile_carrier
from .schema import Fulfillment, FulfillmentEvent
from .schema import Order as OrderPayload
from .status_map import (
    ACTION_REQUIRED,
    CHANNELS,
    ENDED_FULFILLMENTS,
    FULFILLMENT_STATUS,
    LIVE_FULFILLMENTS,
    ORDER_FULFILLMENT_STATUS,
    PAID_FINANCIAL_STATUSES,
    SHIPMENT_STATUS,
)

KIND = "shopify"


def _shipment_status(code: str) -> ShipmentStatus:
    return lookup(SHIPMENT_STATUS, code.lower(), vendor=KIND, field="shipment status")


def _event(raw: object, where: str) -> tuple[Draft, str | None]:
    e = cast(FulfillmentEvent, as_object(raw, where))
    when = req_str(e, "happened_at", where)
    code = opt_str(e, "status", where)
    draft = Draft(
        stamp=stamp(when, f"{where}.happened_at", keep_local=False),
        status=_shipment_status(code) if code else None,
        description=(opt_str(e, "message", where) or (code or "update").replace("_", " ").capitalize()).strip(),
        location=join_location(
            opt_str(e, "city", where),
            opt_str(e, "province", where),
            opt_str(e, "zip", where),
            opt_str(e, "country", where),
        ),
        raw_status=code,
    )
    return draft, opt_str(e, "estimated_delivery_at", where)


def _summary(f: JsonObject, where: str) -> Summary | None:
    """The fulfillment's verdict: its own ``status`` when it ended (cancelled, failure, error), else the carrier's.

    ``shipment_status`` is not cleared when a fulfillment is cancelled (it keeps "label_printed"),
    so the fulfillment's own status wins over it (Shopify's FulfillmentStatus CANCELLED).
    """
    status = (opt_str(f, "status", where) or "").lower()
    if status in ENDED_FULFILLMENTS:
        return Summary(FULFILLMENT_STATUS[status], status, final=True)
    shipment_status = opt_str(f, "shipment_status", where)
    if shipment_status:
        return Summary(_shipment_status(shipment_status), shipment_status)
    if status:
        return Summary(lookup(FULFILLMENT_STATUS, status, vendor=KIND, field="fulfillment status"), status)
    return None


def _numbers_and_urls(f: JsonObject, where: str) -> list[tuple[str, list[str | None]]]:
    numbers = [n for n in (text_value(v, where) for v in opt_list(f, "tracking_numbers", where)) if n]
    single = opt_str(f, "tracking_number", where)
    if single and single not in numbers:
        numbers.insert(0, single)
    urls = [text_value(v, where) for v in opt_list(f, "tracking_urls", where)]
    fallback = opt_str(f, "tracking_url", where)
    return [(n.strip(), [urls[i] if i < len(urls) else None, fallback]) for i, n in enumerate(numbers)]


def parse_fulfillment(raw: object, where: str = "shopify fulfillment") -> list[Shipment]:
    """Map a Fulfillment (with any embedded ``events``) to one Shipment per tracking number."""
    f = cast(Fulfillment, as_object(raw, where))
    company = opt_str(f, "tracking_company", where)
    declared = carrier_slug(company)
    pairs = [_event(e, f"{where}.events[{i}]") for i, e in enumerate(opt_list(f, "events", where))]
    drafts = [d for d, _ in pairs]
    eta_text = max(pairs, key=lambda p: p[0].stamp.occurred_at)[1] if pairs else None
    summary = _summary(f, where)
    shipments = []
    for number, urls in _numbers_and_urls(f, where):
        slug = reconcile_carrier(declared, number)
        shipments.append(
            build_shipment(
                tracking_number=number,
                carrier=slug,
                carrier_name=carrier_name(slug, company if slug == declared else None),
                tracking_url=checked_url(urls, slug, number),
                drafts=drafts,
                summary=summary,
                estimated_delivery=eta_window([(eta_text, None)], reference_time(drafts)),
                action_codes=ACTION_REQUIRED,
            )
        )
    return shipments


def _events_only(events: list[object], where: str) -> list[Shipment]:
    """Map bare FulfillmentEvents (no tracking number on them), one Shipment per fulfillment."""
    groups: dict[str, list[object]] = {}
    for i, raw in enumerate(events):
        e = as_object(raw, f"{where}[{i}]")
        key = opt_str(e, "fulfillment_id", f"{where}[{i}]") or ""
        groups.setdefault(key, []).append(raw)
    out = []
    for key, group in groups.items():
        pairs = [_event(e, f"{where} fulfillment {key}") for e in group]
        drafts = [d for d, _ in pairs]
        eta_text = max(pairs, key=lambda p: p[0].stamp.occurred_at)[1]
        out.append(
            build_shipment(
                tracking_number="",
                carrier="unrecognized",
                carrier_name="",
                tracking_url=None,
                drafts=drafts,
                summary=None,
                estimated_delivery=eta_window([(eta_text, None)], reference_time(drafts)),
                action_codes=ACTION_REQUIRED,
            )
        )
    return out


def _item(raw: object, where: str) -> LineItem:
    li = as_object(raw, where)
    quantity = opt_int(li, "quantity", where)
    if quantity is None:
        raise ValidationError(f"{where}: missing field 'quantity'")
    check_quantity(quantity, where)
    price = li.get("price")
    if price is None:
        raise ValidationError(f"{where}: missing field 'price'")
    taxes = [opt_money(as_object(t, f"{where}.tax_lines"), "price", where) for t in opt_list(li, "tax_lines", where)]
    known = [t for t in taxes if t is not None]
    return LineItem(
        sku=opt_str(li, "sku", where) or "",
        name=(opt_str(li, "name", where) or req_str(li, "title", where)).strip(),
        quantity=quantity,
        unit_price=money(price, "price", where),
        tax=sum(known, Decimal("0")) if known else None,
    )


def _address(data: JsonObject | None, where: str) -> Address | None:
    if data is None:
        return None
    name = opt_str(data, "name", where) or " ".join(
        p for p in (opt_str(data, "first_name", where), opt_str(data, "last_name", where)) if p
    )
    return Address(
        name=name or "",
        line1=opt_str(data, "address1", where) or "",
        line2=opt_str(data, "address2", where) or "",
        city=opt_str(data, "city", where) or "",
        region=opt_str(data, "province_code", where) or opt_str(data, "province", where) or "",
        postal_code=opt_str(data, "zip", where) or "",
        country=opt_str(data, "country_code", where) or opt_str(data, "country", where) or "",
    )


def _customer(o: JsonObject, where: str) -> Customer | None:
    c = opt_object(o, "customer", where) or {}
    name = " ".join(p for p in (opt_str(c, "first_name", where), opt_str(c, "last_name", where)) if p)
    email = opt_str(o, "email", where) or opt_str(o, "contact_email", where) or opt_str(c, "email", where) or ""
    if not name and not email:
        return None
    return Customer(name=name, email=email)


def _order_status(o: JsonObject, shipments: list[Shipment], live: int, ended: int, where: str) -> OrderStatus:
    """Derive the order status: cancelled/refunded first, then delivery and shipping progress.

    ``shipments`` are the real ones (from fulfillments that did not end); when every fulfillment
    listed ended (cancelled, failed), the order's ``fulfillment_status`` ("fulfilled") is stale and
    the order is not shipped.
    """
    if opt_str(o, "cancelled_at", where):
        return OrderStatus.CANCELLED
    financial = (opt_str(o, "financial_status", where) or "").lower()
    if financial == "refunded":
        return OrderStatus.REFUNDED
    shipped = ORDER_FULFILLMENT_STATUS.get((opt_str(o, "fulfillment_status", where) or "").lower())
    if shipped is OrderStatus.RETURNED:
        return shipped
    if ended and not live and shipped in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED):
        shipped = None  # nothing real was shipped: every fulfillment was cancelled or failed
    tracked = [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    if tracked and all(s.status is ShipmentStatus.RETURNED for s in tracked):
        return OrderStatus.RETURNED
    delivered = sum(1 for s in tracked if s.status is ShipmentStatus.DELIVERED)
    if delivered and delivered == len(tracked) and shipped is OrderStatus.SHIPPED:
        return OrderStatus.DELIVERED
    if delivered:
        return OrderStatus.PARTIALLY_DELIVERED
    if shipped is not None:
        return shipped
    if live:
        return OrderStatus.PARTIALLY_SHIPPED
    if opt_bool(o, "confirmed", where) or financial in PAID_FINANCIAL_STATUSES:
        return OrderStatus.CONFIRMED
    return OrderStatus.PLACED


def parse_order(raw: object, where: str = "shopify order") -> Order:
    """Map one Shopify Order (with fulfillments) to a domain Order."""
    o = cast(OrderPayload, as_object(raw, where))
    number = opt_str(o, "name", where) or opt_str(o, "order_number", where) or req_str(o, "id", where)
    where = f"shopify order {number}"
    placed_text = opt_str(o, "processed_at", where) or req_str(o, "created_at", where)
    placed = stamp(placed_text, f"{where}.processed_at", keep_local=False).occurred_at
    currency = req_str(o, "currency", where).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"{where}: field 'currency' must be an ISO 4217 code, got {currency[:10]!r}")
    total = o.get("total_price")
    if total is None:
        raise ValidationError(f"{where}: missing field 'total_price'")
    events = [OrderEvent(placed, OrderStatus.PLACED, "Order placed")]
    shipments: list[Shipment] = []
    real: list[Shipment] = []  # shipments of fulfillments that did not end (cancelled, failed)
    live = ended = 0
    for i, f_raw in enumerate(opt_list(o, "fulfillments", where)):
        fw = f"{where}.fulfillments[{i}]"
        f = as_object(f_raw, fw)
        f_status = (opt_str(f, "status", fw) or "").lower()
        mapped = parse_fulfillment(f, fw)
        shipments.extend(mapped)
        if f_status in ENDED_FULFILLMENTS:
            ended += 1
        else:
            real.extend(mapped)
        created = opt_instant(f, "created_at", fw)
        if f_status in LIVE_FULFILLMENTS:
            live += 1
            if created is not None:
                label = opt_str(f, "name", fw) or "fulfillment"
                via = ", ".join(f"{s.carrier_name} {s.tracking_number}".strip() for s in mapped)
                events.append(
                    OrderEvent(created, OrderStatus.SHIPPED, f"Shipped {label}" + (f" ({via})" if via else ""))
                )
    for i, r_raw in enumerate(opt_list(o, "refunds", where)):
        rw = f"{where}.refunds[{i}]"
        r = as_object(r_raw, rw)
        when = opt_instant(r, "processed_at", rw) or opt_instant(r, "created_at", rw)
        if when is not None:
            note = opt_str(r, "note", rw)
            events.append(OrderEvent(when, OrderStatus.REFUNDED, f"Refund: {note}" if note else "Refund"))
    cancelled = opt_instant(o, "cancelled_at", where)
    if cancelled is not None:
        reason = opt_str(o, "cancel_reason", where)
        events.append(
            OrderEvent(cancelled, OrderStatus.CANCELLED, f"Order cancelled ({reason})" if reason else "Order cancelled")
        )
    source_name = (opt_str(o, "source_name", where) or "").lower()
    return Order(
        order_number=number,
        source=KIND,
        channel=CHANNELS.get(source_name, Channel.OTHER),
        placed_at=placed,
        status=_order_status(o, real, live, ended, where),
        currency=currency,
        total=money(total, "total_price", where),
        tax_total=opt_money(o, "total_tax", where) or Decimal("0"),
        items=tuple(_item(li, f"{where}.line_items[{i}]") for i, li in enumerate(opt_list(o, "line_items", where))),
        events=tuple(sorted(events, key=lambda e: e.occurred_at)),
        shipments=tuple(shipments),
        customer=_customer(o, where),
        shipping_address=_address(opt_object(o, "shipping_address", where), f"{where}.shipping_address"),
        updated_at=opt_instant(o, "updated_at", where),
    )


def _raise_errors(body: JsonObject) -> None:
    errors = body.get("errors")
    text = clean_text(errors if isinstance(errors, str) else str(errors))[:200]
    if any(word in text.lower() for word in ("access token", "api key", "unauthorized", "invalid api")):
        raise AuthError(f"{KIND}: {text}")
    raise VendorError(f"{KIND}: {text}", vendor=KIND)


def _is_order(body: JsonObject) -> bool:
    return "line_items" in body and ("total_price" in body or "order_number" in body)


def normalize(payload: object) -> Normalized:
    """Detect the Shopify payload shape (order/s, fulfillment/s, fulfillment event/s) and map it."""
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "errors" in body and len(body) <= 2:
        _raise_errors(body)
    if "order" in body:
        return "orders", [parse_order(body.get("order"))]
    if "orders" in body:
        return "orders", [
            parse_order(o, f"shopify orders[{i}]")
            for i, o in enumerate(as_list(body.get("orders") or [], "shopify orders"))
        ]
    if "fulfillment" in body:
        return "shipments", parse_fulfillment(body.get("fulfillment"))
    if "fulfillments" in body and not _is_order(body):
        items = as_list(body.get("fulfillments") or [], "shopify fulfillments")
        return "shipments", [s for i, f in enumerate(items) for s in parse_fulfillment(f, f"shopify fulfillments[{i}]")]
    if "fulfillment_event" in body:
        return "shipments", _events_only([body.get("fulfillment_event")], "shopify fulfillment_event")
    if "fulfillment_events" in body:
        return "shipments", _events_only(
            as_list(body.get("fulfillment_events") or [], "shopify"), "shopify fulfillment_events"
        )
    if _is_order(body):
        return "orders", [parse_order(body)]
    if "happened_at" in body and "fulfillment_id" in body:
        return "shipments", _events_only([body], "shopify fulfillment_event")
    if "tracking_company" in body or "tracking_numbers" in body or "shipment_status" in body:
        return "shipments", parse_fulfillment(body)
    raise not_a(KIND, "expected an order, a fulfillment or a fulfillment event (bare or under its REST key)")
