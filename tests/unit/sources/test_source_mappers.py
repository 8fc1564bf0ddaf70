"""Mapper building blocks: status tables, unknown codes, times, ETA windows, carriers, registry shapes."""

from __future__ import annotations

import copy
import logging
import sys
import types
from datetime import UTC, datetime
from typing import Any

import pytest
from sources_helpers import load_fixture

from services.domain import Order, Shipment, ShipmentStatus, ValidationError
from services.sources import assemble
from services.sources.aftership import mapper as aftership
from services.sources.aftership.status_map import ACTION_REQUIRED as AS_ACTION
from services.sources.aftership.status_map import SUBTAGS, TAGS
from services.sources.carriers import carrier_name, carrier_slug, checked_url, tracking_url
from services.sources.easypost.status_map import STATUS as EP_STATUS
from services.sources.karrio import mapper as karrio
from services.sources.karrio.status_map import STATUS as KARRIO_STATUS
from services.sources.payload import estimate, stamp, wall_clock_stamp
from services.sources.registry import KINDS, normalize
from services.sources.seventeentrack.status_map import STAGE, STATUS, SUB_STATUS
from services.sources.shippo import mapper as shippo
from services.sources.shippo.status_map import ACTION_REQUIRED as SHIPPO_ACTION
from services.sources.shippo.status_map import SUBSTATUS
from services.sources.shopify.status_map import SHIPMENT_STATUS as SHOPIFY_STATUS
from services.sources.woocommerce.status_map import ORDER_STATUS as WOO_STATUS

S = ShipmentStatus

# ---------------------------------------------------------------- status tables cover notes/apis.md


def test_aftership_table_covers_every_documented_subtag() -> None:
    """Every tag and subtag listed in notes/apis.md §1 maps, delays stay in transit, returns are returned."""
    documented = (
        ["Pending_001", "Pending_004", "InfoReceived_001", "AvailableForPickup_001", "Expired_001"]
        + [f"InTransit_00{i}" for i in range(1, 10)]
        + ["OutForDelivery_001", "OutForDelivery_003", "OutForDelivery_004"]
        + [f"AttemptFail_00{i}" for i in range(1, 4)]
        + [f"Delivered_00{i}" for i in range(1, 6)]
        + [f"Exception_0{i:02d}" for i in range(1, 14)]
        + [f"Exception_0{i:02d}" for i in range(16, 22)]
    )
    assert set(documented) <= set(SUBTAGS)
    assert set(TAGS) == {
        "Pending",
        "InfoReceived",
        "InTransit",
        "OutForDelivery",
        "AttemptFail",
        "Delivered",
        "AvailableForPickup",
        "Exception",
        "Expired",
    }
    assert {SUBTAGS[c] for c in ("Exception_004", "Exception_005", "Exception_016", "Exception_017")} == {S.IN_TRANSIT}
    assert SUBTAGS["Exception_010"] is SUBTAGS["Exception_011"] is S.RETURNED
    assert SUBTAGS["Exception_020"] is S.CANCELLED
    assert {"Exception_006", "Exception_007", "Exception_018"} == AS_ACTION


def test_17track_tables_cover_every_documented_code() -> None:
    """All 17TRACK statuses, sub statuses and milestone stages of notes/apis.md §2 map."""
    assert set(STATUS) == {
        "NotFound",
        "InfoReceived",
        "InTransit",
        "Expired",
        "AvailableForPickup",
        "OutForDelivery",
        "DeliveryFailure",
        "Delivered",
        "Exception",
    }
    for code in (
        "NotFound_InvalidCode",
        "InTransit_CustomsRequiringInformation",
        "InTransit_TransportDeparted",
        "DeliveryFailure_InvalidAddress",
        "Exception_Destroyed",
    ):
        assert code in SUB_STATUS
    assert SUB_STATUS["Exception_Returning"] is SUB_STATUS["Exception_Returned"] is S.RETURNED
    assert SUB_STATUS["Exception_Delayed"] is S.IN_TRANSIT and SUB_STATUS["Exception_Cancel"] is S.CANCELLED
    for stage in (
        "InfoReceived",
        "PickedUp",
        "Departure",
        "Arrival",
        "AvailableForPickup",
        "OutForDelivery",
        "Delivered",
        "Returning",
        "Returned",
    ):
        assert stage in STAGE


def test_other_vendor_tables() -> None:
    """EasyPost, Shippo, Karrio, Shopify and WooCommerce codes follow the §10 table."""
    assert set(EP_STATUS) == {
        "unknown",
        "pre_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "available_for_pickup",
        "return_to_sender",
        "failure",
        "cancelled",
        "error",
    }
    assert set(KARRIO_STATUS) == {
        "pending",
        "picked_up",
        "unknown",
        "on_hold",
        "cancelled",
        "delivered",
        "in_transit",
        "delivery_delayed",
        "out_for_delivery",
        "ready_for_pickup",
        "delivery_failed",
        "return_to_sender",
    }
    assert len(SUBSTATUS) == 27 and len(SHIPPO_ACTION) == 12
    assert shippo.status_of("TRANSIT", "out_for_delivery") is S.OUT_FOR_DELIVERY
    assert shippo.status_of("TRANSIT", "notice_left") is S.FAILED_ATTEMPT
    assert shippo.status_of("TRANSIT", "package_held") is S.EXCEPTION
    assert shippo.status_of("RETURNED", "package_unclaimed") is S.RETURNED
    assert shippo.status_of("DELIVERED", "other") is S.DELIVERED  # a code under a foreign parent is ignored
    assert karrio.status_of("delivery_failed", None) is S.FAILED_ATTEMPT
    assert karrio.status_of("delivery_failed", "consignee_not_home") is S.FAILED_ATTEMPT
    assert karrio.status_of("delivery_failed", "carrier_parcel_lost") is S.EXCEPTION
    assert karrio.status_of("on_hold", "customs_delay") is S.IN_TRANSIT
    assert karrio.status_of("on_hold", "customs_duties_unpaid") is S.EXCEPTION
    for code in (
        "label_printed",
        "label_purchased",
        "attempted_delivery",
        "ready_for_pickup",
        "picked_up",
        "confirmed",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "failure",
        "carrier_picked_up",
        "delayed",
    ):
        assert code in SHOPIFY_STATUS
    assert set(WOO_STATUS) >= {
        "pending",
        "processing",
        "on-hold",
        "completed",
        "cancelled",
        "refunded",
        "failed",
        "trash",
    }


def test_unknown_codes_go_by_main_tag_or_pending_and_log_once(caplog: pytest.LogCaptureFixture) -> None:
    """An unknown subtag maps by its main tag, an unknown tag to pending, each logged once per process."""
    caplog.set_level(logging.WARNING, logger="services.sources")
    assert aftership.status_of("Exception", "Exception_099") is S.EXCEPTION
    assert aftership.status_of(None, "Delivered_077") is S.DELIVERED
    assert aftership.status_of("Teleported", None) is S.PENDING
    assert aftership.status_of("Teleported", None) is S.PENDING
    assert aftership.status_of(None, "Mystery_001") is S.PENDING
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Teleported" in m for m in messages) == 1
    assert sum("Exception_099" in m for m in messages) == 1
    assert all("aftership" in m for m in messages)


def test_unknown_status_in_a_payload_never_becomes_a_plausible_status() -> None:
    """A tracking whose only checkpoint has an unknown tag is pending, with the raw code kept."""
    kind, items = normalize(
        "aftership",
        {
            "tracking_number": "X1",
            "slug": "ups",
            "tag": "Warped",
            "subtag": "Warped_009",
            "checkpoints": [
                {
                    "checkpoint_time": "2026-01-01T10:00:00+01:00",
                    "tag": "Warped",
                    "subtag": "Warped_009",
                    "message": "?",
                }
            ],
        },
    )
    (shipment,) = items
    assert isinstance(shipment, Shipment)
    assert shipment.status is S.PENDING and shipment.substatus == "Warped_009"


# ---------------------------------------------------------------- times and ETA


def test_stamps() -> None:
    """Offsets give exact instants; offset-less strings are local clocks read as UTC; a false Z is dropped."""
    exact = stamp("2021-01-14T00:52:00-05:00", "t")
    assert exact.occurred_at == datetime(2021, 1, 14, 5, 52, tzinfo=UTC) and exact.offset_known
    assert exact.local_time == "2021-01-14T00:52:00-05:00"
    naive = stamp("2021-01-14T00:52:00", "t")
    assert naive.occurred_at == datetime(2021, 1, 14, 0, 52, tzinfo=UTC) and not naive.offset_known
    assert naive.local_time == "2021-01-14T00:52:00"
    assert stamp("2021-01-14T05:52:00Z", "t", keep_local=False).local_time is None
    wall = wall_clock_stamp("2024-04-26T09:26:00.000Z", "t")
    assert (wall.offset_known, wall.local_time) == (False, "2024-04-26T09:26:00.000")
    with pytest.raises(ValidationError, match="t: not a timestamp"):
        stamp("yesterday", "t")
    with pytest.raises(ValidationError):
        stamp("9999-12-31T23:59:59-12:00", "t")  # overflows UTC


def test_eta_whole_days_and_sanity() -> None:
    """Dates and midnights are whole days; absurd dates are skipped in favour of the next candidate."""
    day = estimate("2024-08-05")
    assert day is not None and (day.start, day.end) == (
        datetime(2024, 8, 5, tzinfo=UTC),
        datetime(2024, 8, 5, 23, 59, 59, tzinfo=UTC),
    )
    assert estimate("2024-08-05T00:00:00Z") == day
    assert estimate("<ANY>") is None
    reference = datetime(2018, 3, 22, tzinfo=UTC)
    window = assemble.eta_window([("2875-10-22", None), ("2018-04-18T19:18:32Z", None)], reference)
    assert window is not None and window.start == window.end == datetime(2018, 4, 18, 19, 18, 32, tzinfo=UTC)
    spread = assemble.eta_window([("2018-08-01", "2018-08-05")], None)
    assert spread is not None and spread.end == datetime(2018, 8, 5, 23, 59, 59, tzinfo=UTC)


def test_unlabelled_events_are_settled_from_neighbours() -> None:
    """Latest unlabelled -> summary; label -> scan -> movement = in transit; otherwise carried forward."""

    def draft(hour: int, status: ShipmentStatus | None) -> assemble.Draft:
        return assemble.Draft(stamp(f"2026-01-01T{hour:02d}:00:00Z", "t"), status, f"e{hour}")

    shipment = assemble.build_shipment(
        tracking_number="N",
        carrier="ups",
        carrier_name="UPS",
        tracking_url=None,
        drafts=[draft(5, None), draft(1, S.INFO_RECEIVED), draft(2, None), draft(3, S.IN_TRANSIT), draft(4, None)],
        summary=assemble.Summary(S.OUT_FOR_DELIVERY, "OFD"),
    )
    assert [e.status for e in shipment.events] == [
        S.INFO_RECEIVED,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
    ]
    assert (shipment.status, shipment.substatus) == (S.OUT_FOR_DELIVERY, "OFD")


def test_delivered_at_only_when_delivered_and_expired_verdict_wins() -> None:
    """A delivered scan followed by a later scan is not 'delivered'; an Expired tracking is expired."""

    def draft(hour: int, status: ShipmentStatus) -> assemble.Draft:
        return assemble.Draft(stamp(f"2026-01-01T{hour:02d}:00:00Z", "t"), status, "x", raw_status=status.value)

    later = assemble.build_shipment(
        tracking_number="N",
        carrier="x",
        carrier_name="X",
        tracking_url=None,
        drafts=[draft(2, S.OUT_FOR_DELIVERY), draft(1, S.DELIVERED)],
        summary=None,
    )
    assert later.status is S.OUT_FOR_DELIVERY and later.delivered_at is None
    expired = assemble.build_shipment(
        tracking_number="N",
        carrier="x",
        carrier_name="X",
        tracking_url=None,
        drafts=[draft(1, S.IN_TRANSIT)],
        summary=assemble.Summary(S.EXPIRED, "Expired_001"),
    )
    assert (expired.status, expired.substatus) == (S.EXPIRED, "Expired_001")


# ---------------------------------------------------------------- carriers


def test_carrier_slugs_names_and_urls() -> None:
    """Vendor names and codes land on AfterShip slugs; URLs are derived or checked against the carrier."""
    assert [
        carrier_slug(x)
        for x in (
            "UPS",
            "dhl_express",
            "TNT Express (consignment)",
            "canadapost",
            "FedEx",
            "hong-kong-post",
            "Some New Courier",
            None,
            "",
        )
    ] == [
        "ups",
        "dhl",
        "tnt",
        "canada-post",
        "fedex",
        "hong-kong-post",
        "some-new-courier",
        "unrecognized",
        "unrecognized",
    ]
    assert (
        carrier_name("usps") == "USPS"
        and carrier_name("tnt", "TNT Express (consignment)") == "TNT Express (consignment)"
    )
    assert tracking_url("ups", "1Z 5R") == "https://www.ups.com/track?tracknum=1Z%205R"
    assert tracking_url("amazon", "TBA1") == "https://track.amazon.com/tracking/TBA1"
    assert tracking_url("testing-courier", "1") is None
    usps_link = "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206206406260787"
    assert checked_url(usps_link, "usps", "9400111206206406260787") == usps_link
    assert checked_url(usps_link, "fedex", "9400111206206406260787") == (
        "https://www.fedex.com/fedextrack/?trknbr=9400111206206406260787"
    )
    assert checked_url("javascript:alert(1)//9400", "usps", "9400") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400"
    )
    assert checked_url("https://www.tnt.com/x?\ncons=12345678", "tnt", "12345678") == "https://www.tnt.com/x?cons=12345678"
    assert checked_url("http://www.tnt.com/x?cons=12345678", "tnt", "12345678") == tracking_url("tnt", "12345678")


def test_shopify_merchant_carrier_overruled_by_valid_ups_number() -> None:
    """A checksum-valid 1Z number filed under USPS is UPS, with a UPS link instead of the generated USPS one."""
    payload = copy.deepcopy(
        load_fixture("shopify/rest_2026-07_GET_orders_450789469_fulfillments__docs-generated-test.json")
    )
    fulfillment = payload["fulfillments"][0]
    fulfillment["tracking_number"] = "1Z5R89390357567127"
    fulfillment["tracking_numbers"] = ["1Z5R89390357567127"]
    fulfillment["tracking_urls"] = [
        "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=1Z5R89390357567127"
    ]
    _, items = normalize("shopify", payload)
    (shipment,) = items
    assert isinstance(shipment, Shipment)
    assert (shipment.carrier, shipment.carrier_name) == ("ups", "UPS")
    assert shipment.tracking_url == "https://www.ups.com/track?tracknum=1Z5R89390357567127"


# ---------------------------------------------------------------- registry


def test_registry_kinds_and_unknown_kind() -> None:
    """KINDS is the DESIGN.md list; an unknown kind is one clear line."""
    assert KINDS == ("ordertrack", "shopify", "woocommerce", "aftership", "17track", "easypost", "shippo", "karrio")
    with pytest.raises(ValidationError, match=r"^unknown source kind 'fedex' \(one of ordertrack, "):
        normalize("fedex", {})


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "ordertrack"])
@pytest.mark.parametrize("payload", [[], "text", 42, None, {"hello": "world"}])
def test_foreign_payloads_are_one_line_validation_errors(kind: str, payload: Any) -> None:
    """Anything that is not one of the vendor's shapes says so in one line, naming the kind."""
    if kind in ("17track", "karrio", "woocommerce") and payload == []:
        assert normalize(kind, payload)[1] == []  # an empty list page is valid for list-shaped vendors
        return
    with pytest.raises(ValidationError) as caught:
        normalize(kind, payload)
    message = str(caught.value)
    assert message.startswith(f"not a {kind} payload: ") and "\n" not in message


def test_missing_field_names_the_field() -> None:
    """A tracking without its number names the missing field and where it was."""
    with pytest.raises(ValidationError, match=r"^aftership tracking: missing field 'tracking_number'$"):
        normalize("aftership", {"meta": {"code": 200}, "data": {"tracking": {"slug": "ups"}}})
    with pytest.raises(ValidationError, match=r"checkpoints\[0\]: missing field 'checkpoint_time'"):
        normalize("aftership", {"tracking_number": "1", "checkpoints": [{"tag": "InTransit"}]})


def test_ordertrack_is_delegated_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend kind goes to services.sources.ordertrack.mapper.parse_orders_payload at call time."""
    calls: list[object] = []
    fake = types.ModuleType("services.sources.ordertrack.mapper")

    def parse_orders_payload(payload: object) -> list[Order]:
        calls.append(payload)
        return []

    fake.parse_orders_payload = parse_orders_payload  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "services.sources.ordertrack.mapper", fake)
    assert normalize("ordertrack", {"orders": []}) == ("orders", [])
    assert calls == [{"orders": []}]


def test_karrio_partial_batch_keeps_messages_and_all_errors_raise() -> None:
    """Per-number errors ride next to the shipments; a batch of only errors is a VendorError."""
    payload = load_fixture("karrio/sdk_parsed_tracking_fedex_picked_up_plus_errors__connector-test.json")
    batch = karrio.parse_batch(payload)
    assert [s.tracking_number for s in batch.shipments] == ["123456789012"]
    assert [(m.tracking_number, m.code) for m in batch.messages] == [
        ("128667043726", "TRACKING.TRACKINGNUMBER.EMPTY"),
        ("39936862321", "TRACKING.TRACKINGNUMBER.NOTFOUND"),
    ]
    from services.sources.errors import VendorError

    with pytest.raises(VendorError, match="128667043726"):
        normalize("karrio", [[], payload[1]])


def test_17track_batch_partial_success() -> None:
    """gettrackinfo: accepted numbers map (an untracked one as pending), rejected ones become messages."""
    from services.sources.seventeentrack import mapper as seventeentrack

    webhook = load_fixture("17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json")
    answer = {
        "code": 0,
        "data": {
            "accepted": [webhook["data"], {"number": "RR123456789CN", "carrier": 3011, "track_info": None}],
            "rejected": [
                {"number": "XX1", "error": {"code": -18019902, "message": "The tracking number is not registered"}}
            ],
        },
    }
    batch = seventeentrack.parse_batch(answer)
    assert [(s.tracking_number, s.carrier, s.status) for s in batch.shipments] == [
        ("1Z2617V10397725789", "ups", S.DELIVERED),
        ("RR123456789CN", "china-post", S.PENDING),
    ]
    assert [(m.tracking_number, m.code) for m in batch.messages] == [("XX1", "-18019902")]
    assert normalize("17track", answer)[1] == batch.shipments
    assert normalize("17track", {"event": "TRACKING_STOPPED", "data": {"number": "X", "carrier": 3011}}) == (
        "shipments",
        [],
    )


def _shopify_order() -> dict[str, Any]:
    order: dict[str, Any] = copy.deepcopy(
        load_fixture("shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json")
    )
    return order


def test_shopify_order_status_derivation() -> None:
    """Cancelled wins; a fulfilled order whose only shipment was delivered is delivered."""
    cancelled = _shopify_order()
    cancelled["order"]["cancelled_at"] = "2008-01-11T09:00:00-05:00"
    cancelled["order"]["cancel_reason"] = "customer"
    (order,) = normalize("shopify", cancelled)[1]
    assert isinstance(order, Order) and order.status.value == "cancelled"
    assert "Order cancelled (customer)" in [e.description for e in order.events]

    delivered = _shopify_order()
    body = delivered["order"]
    body["fulfillment_status"] = "fulfilled"
    fulfillment = body["fulfillments"][0]
    fulfillment.update(
        status="success",
        shipment_status="delivered",
        tracking_company="UPS",
        tracking_number="1Z5R89390357567127",
        tracking_numbers=["1Z5R89390357567127"],
    )
    fulfillment["events"] = [
        {"status": "in_transit", "happened_at": "2025-07-01T08:00:00-05:00", "city": "Louisville", "province": "KY"},
        {"status": "delivered", "happened_at": "2025-07-02T11:39:28-05:00", "message": "Left at door"},
    ]
    (order,) = normalize("shopify", delivered)[1]
    assert isinstance(order, Order) and order.status.value == "delivered"
    (shipment,) = order.shipments
    assert shipment.status is S.DELIVERED and shipment.delivered_at == datetime(2025, 7, 2, 16, 39, 28, tzinfo=UTC)
    assert shipment.tracking_url == "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    assert [e.description for e in order.events][1] == "Shipped #1001.0 (UPS 1Z5R89390357567127)"


def test_woocommerce_tracking_meta_and_statuses() -> None:
    """Extension items in meta_data become pending shipments; unix date_shipped is a shipped event."""
    raw = copy.deepcopy(load_fixture("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json"))
    raw["status"] = "completed"
    raw["date_completed_gmt"] = "2017-03-24T10:00:00"
    raw["meta_data"].append(
        {
            "id": 1,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "usps",
                    "tracking_number": "9400111206206406260787",
                    "date_shipped": "1490313600",
                    "tracking_id": "a1",
                }
            ],
        }
    )
    (order,) = normalize("woocommerce", raw)[1]
    assert isinstance(order, Order) and order.status.value == "shipped"
    (shipment,) = order.shipments
    assert (shipment.carrier, shipment.status, shipment.tracking_url) == (
        "usps",
        S.PENDING,
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206206406260787",
    )
    assert [(e.status.value, e.occurred_at.isoformat()) for e in order.events] == [
        ("placed", "2017-03-22T19:28:02+00:00"),
        ("confirmed", "2017-03-22T19:28:08+00:00"),
        ("shipped", "2017-03-24T00:00:00+00:00"),
        ("shipped", "2017-03-24T10:00:00+00:00"),
    ]
    raw["status"] = "wc-teleported"
    assert normalize("woocommerce", raw)[1][0].status.value == "placed"
    del raw["date_created_gmt"]
    with pytest.raises(ValidationError, match="missing field 'date_created_gmt'"):
        normalize("woocommerce", raw)
