"""A primary status that ended the parcel (cancelled, voided, returned, expired) is never shown as hopeful.

For every vendor mapper, generated payloads carry that primary status next to secondary fields and
carrier events that still read "label printed", "in transit" or "out for delivery" (stale, or
newer than the verdict). The mapped shipment, and the shipment after the storage merge rules, keep
the verdict; an order whose every shipment ended is not "shipped".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.domain import Order, OrderStatus, Shipment, ShipmentStatus
from services.sources.registry import normalize
from services.storage.merge import merge_shipment

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOPEFUL = frozenset(
    {
        ShipmentStatus.PENDING,
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.AVAILABLE_FOR_PICKUP,
        ShipmentStatus.FAILED_ATTEMPT,
        ShipmentStatus.DELIVERED,
    }
)
HOPEFUL_ORDER = frozenset(
    {
        OrderStatus.SHIPPED,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.PARTIALLY_DELIVERED,
    }
)
BASE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

offsets = st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), min_size=0, max_size=5)


def _times(minutes: list[int], fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> list[str]:
    return [(BASE + timedelta(minutes=m)).strftime(fmt) for m in minutes]


def _one(kind: str, payload: Any) -> Shipment:
    result_kind, items = normalize(kind, payload)
    assert result_kind == "shipments" and len(items) == 1
    shipment = items[0]
    assert isinstance(shipment, Shipment)
    return shipment


def _assert_kept(shipment: Shipment, expected: ShipmentStatus) -> None:
    assert shipment.status is expected, (shipment.status, [e.status for e in shipment.events])
    merged = merge_shipment(None, shipment)
    assert merged.status is expected
    again = merge_shipment(merged, shipment)  # a re-sync of the same payload
    assert again.status is expected


# ---------------------------------------------------------------- Shopify

SHOPIFY_HOPEFUL = ["label_printed", "label_purchased", "confirmed", "in_transit", "out_for_delivery", "delivered"]


@SETTINGS
@given(
    status=st.sampled_from(["cancelled", "failure", "error"]),
    shipment_status=st.sampled_from([*SHOPIFY_HOPEFUL, None]),
    event_codes=st.lists(st.sampled_from(SHOPIFY_HOPEFUL[:5]), max_size=4),
    minutes=offsets,
    order_fulfilled=st.sampled_from(["fulfilled", "partial", None]),
    financial=st.sampled_from(["paid", "pending", "authorized"]),
)
def test_shopify_ended_fulfillment_wins_over_shipment_status(
    status: str,
    shipment_status: str | None,
    event_codes: list[str],
    minutes: list[int],
    order_fulfilled: str | None,
    financial: str,
) -> None:
    """A cancelled / failed fulfillment is never "label printed", and its order is not shipped."""
    times = _times(minutes)
    fulfillment = {
        "id": 1,
        "status": status,
        "shipment_status": shipment_status,
        "tracking_company": "UPS",
        "tracking_numbers": ["1Z999AA10123456784"],
        "created_at": "2026-11-20T08:00:00-05:00",
        "events": [
            {"happened_at": t, "status": c, "message": c, "fulfillment_id": 1}
            for t, c in zip(times, event_codes, strict=False)
        ],
    }
    expected = ShipmentStatus.CANCELLED if status == "cancelled" else ShipmentStatus.EXCEPTION
    shipment = _one("shopify", {"fulfillment": fulfillment})
    assert shipment.status is expected
    if expected is ShipmentStatus.CANCELLED or set(event_codes) <= {"label_printed", "label_purchased", "confirmed"}:
        # the storage merge keeps it too (a failed request whose scans say "in transit" follows the scans there)
        _assert_kept(shipment, expected)

    order_payload = {
        "name": "#1001",
        "processed_at": "2026-11-19T10:00:00-05:00",
        "currency": "USD",
        "total_price": "10.00",
        "financial_status": financial,
        "fulfillment_status": order_fulfilled,
        "line_items": [{"title": "Mug", "quantity": 1, "price": "10.00"}],
        "fulfillments": [fulfillment],
    }
    kind, orders = normalize("shopify", {"order": order_payload})
    assert kind == "orders"
    order = orders[0]
    assert isinstance(order, Order)
    assert order.status not in HOPEFUL_ORDER
    assert order.shipments[0].status is expected


def test_shopify_a_live_fulfillment_next_to_a_cancelled_one_still_ships() -> None:
    """The order's status follows the real shipment, not the cancelled one."""
    cancelled = {"status": "cancelled", "shipment_status": "label_printed", "tracking_numbers": ["1Z999AA10123456784"]}
    live = {"status": "success", "shipment_status": "in_transit", "tracking_numbers": ["1Z999AA10123456785"]}
    order_payload = {
        "name": "#1002",
        "processed_at": "2026-11-19T10:00:00-05:00",
        "currency": "USD",
        "total_price": "10.00",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "line_items": [{"title": "Mug", "quantity": 1, "price": "10.00"}],
        "fulfillments": [cancelled, live],
    }
    _, orders = normalize("shopify", {"order": order_payload})
    order = orders[0]
    assert isinstance(order, Order)
    assert order.status is OrderStatus.SHIPPED
    assert [s.status for s in order.shipments] == [ShipmentStatus.CANCELLED, ShipmentStatus.IN_TRANSIT]


# ---------------------------------------------------------------- AfterShip


@SETTINGS
@given(
    verdict=st.sampled_from(
        [
            ("Exception", "Exception_010", ShipmentStatus.RETURNED),
            ("Exception", "Exception_011", ShipmentStatus.RETURNED),
            ("Exception", "Exception_020", ShipmentStatus.CANCELLED),
            ("Expired", "Expired_001", ShipmentStatus.EXPIRED),
        ]
    ),
    tags=st.lists(
        st.sampled_from(
            [("InfoReceived", "InfoReceived_001"), ("InTransit", "InTransit_002"), ("OutForDelivery", None)]
        ),
        max_size=5,
    ),
    minutes=offsets,
    offset_less=st.booleans(),
)
def test_aftership_tag_wins_over_checkpoints(
    verdict: tuple[str, str, ShipmentStatus],
    tags: list[tuple[str, str | None]],
    minutes: list[int],
    offset_less: bool,
) -> None:
    """An AfterShip tracking tagged returned / cancelled / expired keeps that over hopeful checkpoints."""
    tag, subtag, expected = verdict
    times = _times(minutes, "%Y-%m-%dT%H:%M:%S" if offset_less else "%Y-%m-%dT%H:%M:%S+01:00")
    tracking = {
        "tracking_number": "1Z999AA10123456784",
        "slug": "ups",
        "tag": tag,
        "subtag": subtag,
        "checkpoints": [
            {"checkpoint_time": t, "tag": a, "subtag": b, "message": a} for t, (a, b) in zip(times, tags, strict=False)
        ],
    }
    _assert_kept(_one("aftership", {"meta": {"code": 200}, "data": {"tracking": tracking}}), expected)


# ---------------------------------------------------------------- 17TRACK


@SETTINGS
@given(
    verdict=st.sampled_from(
        [
            ("Exception", "Exception_Returned", ShipmentStatus.RETURNED),
            ("Exception", "Exception_Returning", ShipmentStatus.RETURNED),
            ("Exception", "Exception_Cancel", ShipmentStatus.CANCELLED),
            ("Expired", "Expired_Other", ShipmentStatus.EXPIRED),
        ]
    ),
    subs=st.lists(st.sampled_from(["InfoReceived", "InTransit_PickedUp", "InTransit_Other", "OutForDelivery_Other"])),
    minutes=offsets,
)
def test_17track_latest_status_wins_over_events(
    verdict: tuple[str, str, ShipmentStatus], subs: list[str], minutes: list[int]
) -> None:
    """A 17TRACK number whose latest_status is returned / cancelled / expired keeps it over its scans."""
    status, sub, expected = verdict
    events = [
        {"time_utc": t, "time_iso": t, "description": s, "sub_status": s}
        for t, s in zip(_times(minutes), subs, strict=False)
    ]
    events.reverse()  # newest first on the wire
    item = {
        "number": "1Z999AA10123456784",
        "carrier": 100002,
        "track_info": {
            "latest_status": {"status": status, "sub_status": sub},
            "tracking": {"providers": [{"provider": {"key": 100002, "name": "UPS"}, "events": events}]},
        },
    }
    _assert_kept(_one("17track", {"event": "TRACKING_UPDATED", "data": item}), expected)


# ---------------------------------------------------------------- EasyPost


@SETTINGS
@given(
    verdict=st.sampled_from([("cancelled", ShipmentStatus.CANCELLED), ("return_to_sender", ShipmentStatus.RETURNED)]),
    details=st.lists(st.sampled_from(["pre_transit", "in_transit", "out_for_delivery", "available_for_pickup"])),
    minutes=offsets,
)
def test_easypost_tracker_status_wins_over_details(
    verdict: tuple[str, ShipmentStatus], details: list[str], minutes: list[int]
) -> None:
    """An EasyPost tracker cancelled or returned to sender keeps that over its tracking details."""
    status, expected = verdict
    tracker = {
        "object": "Tracker",
        "tracking_code": "EZ1000000001",
        "carrier": "USPS",
        "status": status,
        "tracking_details": [
            {"object": "TrackingDetail", "datetime": t, "status": d, "message": d}
            for t, d in zip(_times(minutes), details, strict=False)
        ],
    }
    _assert_kept(_one("easypost", tracker), expected)


# ---------------------------------------------------------------- Shippo


@SETTINGS
@given(
    history=st.lists(st.sampled_from(["PRE_TRANSIT", "TRANSIT", "UNKNOWN"])),
    minutes=offsets,
    later=st.integers(min_value=-3000, max_value=30 * 24 * 60),
)
def test_shippo_returned_wins_over_history(history: list[str], minutes: list[int], later: int) -> None:
    """A Shippo tracking whose tracking_status is RETURNED keeps it, even behind newer transit scans."""
    current = {"status": "RETURNED", "status_details": "Returned", "status_date": _times([max(later, 0)])[0]}
    payload = {
        "carrier": "usps",
        "tracking_number": "9400111899223197428490",
        "tracking_status": current,
        "tracking_history": [
            {"status": h, "status_details": h, "status_date": t} for t, h in zip(_times(minutes), history, strict=False)
        ],
    }
    _assert_kept(_one("shippo", payload), ShipmentStatus.RETURNED)


# ---------------------------------------------------------------- Karrio


@SETTINGS
@given(
    verdict=st.sampled_from([("cancelled", ShipmentStatus.CANCELLED), ("return_to_sender", ShipmentStatus.RETURNED)]),
    statuses=st.lists(st.sampled_from(["pending", "in_transit", "out_for_delivery", "ready_for_pickup", None])),
    minutes=offsets,
)
def test_karrio_tracker_status_wins_over_events(
    verdict: tuple[str, ShipmentStatus], statuses: list[str | None], minutes: list[int]
) -> None:
    """A Karrio tracker cancelled or returned to sender keeps that over its (newest-first) events."""
    status, expected = verdict
    events = [
        {"date": t[:10], "time": t[11:16], "code": "X", "description": s or "scan", "status": s}
        for t, s in zip(_times(minutes), statuses, strict=False)
    ]
    events.reverse()
    tracker = {"tracking_number": "1Z999AA10123456784", "carrier_name": "ups", "status": status, "events": events}
    _assert_kept(_one("karrio", tracker), expected)


# ---------------------------------------------------------------- WooCommerce and the backend API


@SETTINGS
@given(
    verdict=st.sampled_from(
        [("cancelled", OrderStatus.CANCELLED), ("trash", OrderStatus.CANCELLED), ("refunded", OrderStatus.REFUNDED)]
    ),
    completed=st.booleans(),
    shipped=st.booleans(),
)
def test_woocommerce_order_status_wins_over_dates_and_trackings(
    verdict: tuple[str, OrderStatus], completed: bool, shipped: bool
) -> None:
    """A cancelled / refunded WooCommerce order stays that with a completion date and a tracking item left over."""
    status, expected = verdict
    order = {
        "id": 7,
        "number": "7",
        "status": status,
        "currency": "EUR",
        "total": "10.00",
        "date_created_gmt": "2026-11-19T10:00:00",
        "date_modified_gmt": "2026-11-25T10:00:00",
        "date_completed_gmt": "2026-11-21T10:00:00" if completed else None,
        "line_items": [{"name": "Mug", "quantity": 1, "subtotal": "10.00"}],
        "shipment_trackings": (
            [{"tracking_number": "1Z999AA10123456784", "tracking_provider": "UPS", "date_shipped": "2026-11-20"}]
            if shipped
            else []
        ),
    }
    _, orders = normalize("woocommerce", order)
    mapped = orders[0]
    assert isinstance(mapped, Order)
    assert mapped.status is expected


@SETTINGS
@given(
    verdict=st.sampled_from(["cancelled", "returned", "expired"]),
    statuses=st.lists(st.sampled_from(["info_received", "in_transit", "out_for_delivery"]), min_size=1),
    minutes=st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), min_size=1, max_size=5),
)
def test_backend_shipment_status_survives_the_merge(verdict: str, statuses: list[str], minutes: list[int]) -> None:
    """A backend shipment sent as cancelled / returned / expired is not re-derived from its hopeful events."""
    order = {
        "order_number": "W-1",
        "source": "shop",
        "channel": "web",
        "placed_at": "2026-11-19T10:00:00Z",
        "status": "shipped",
        "currency": "EUR",
        "total": "10.00",
        "shipments": [
            {
                "tracking_number": "1Z999AA10123456784",
                "carrier": "ups",
                "status": verdict,
                "events": [
                    {"occurred_at": t, "status": s, "description": s}
                    for t, s in zip(_times(minutes), statuses, strict=False)
                ],
            }
        ],
    }
    _, orders = normalize("ordertrack", {"orders": [order]})
    mapped = orders[0]
    assert isinstance(mapped, Order)
    _assert_kept(mapped.shipments[0], ShipmentStatus(verdict))
