"""Contract tests: every recorded vendor payload in shared/fixtures/vendor goes through ``normalize``.

    fixtures/vendor/<kind>/<file>.json ──registry.normalize(kind, payload)──> domain JSON
        == tests/contract/snapshots/<kind>/<file>.json   (hand-reviewed; regenerate with UPDATE_SNAPSHOTS=1)
    error envelopes ──> the typed error listed in ERRORS

Snapshots hold exactly what ``ordertrack normalize`` prints: ``{"shipments": [...]}`` or ``{"orders": [...]}``.
The facts tests below pin the quirks of notes/apis.md independently of the snapshots.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from services.domain import AppError, AuthError, Order, Shipment, order_to_json, shipment_to_json
from services.sources.errors import VendorError
from services.sources.registry import normalize

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
FIXTURES = SHARED / "fixtures" / "vendor"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
NOT_PAYLOADS = {"tracking_numbers"}

ERRORS: dict[str, tuple[type[AppError], str]] = {
    "aftership/v4_error_401_invalid_api_key__pyaftership.json": (AuthError, "Invalid API Key"),
    "aftership/v4_error__aftership-sdk-java.json": (AuthError, "Invalid API Key"),
    "aftership/v4_error_4003_already_exists__pyaftership.json": (VendorError, "already exists"),
}
"""Error envelopes and the typed error each must raise."""


def _fixture_files() -> list[str]:
    if not FIXTURES.is_dir():
        return []
    return sorted(
        f"{path.parent.name}/{path.name}" for path in FIXTURES.glob("*/*.json") if path.parent.name not in NOT_PAYLOADS
    )


FILES = _fixture_files()


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _render(kind: str, items: list[Order] | list[Shipment]) -> dict[str, Any]:
    if kind == "orders":
        return {"orders": [order_to_json(o) for o in items if isinstance(o, Order)]}
    return {"shipments": [shipment_to_json(s) for s in items if isinstance(s, Shipment)]}


def _normalized(name: str) -> dict[str, Any]:
    kind, items = normalize(name.split("/", 1)[0], _load(name))
    return _render(kind, items)


def test_fixtures_are_present() -> None:
    """The shared fixture set is reachable at <repo root>/../shared (CI clones it beside the repo)."""
    assert FILES, f"no vendor fixtures under {FIXTURES.resolve()}"
    assert len({name.split("/", 1)[0] for name in FILES}) == 7


@pytest.mark.parametrize("name", [n for n in FILES if n not in ERRORS])
def test_fixture_matches_snapshot(name: str) -> None:
    """The full normalized output equals the hand-reviewed snapshot."""
    output = _normalized(name)
    snapshot = SNAPSHOTS / name
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot for {name}: run UPDATE_SNAPSHOTS=1 pytest tests/contract and review it"
    assert output == json.loads(snapshot.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_fixture_raises_typed_error(name: str) -> None:
    """An error envelope becomes the right typed error with the vendor's message, in one line."""
    error_type, text = ERRORS[name]
    with pytest.raises(error_type) as caught:
        normalize(name.split("/", 1)[0], _load(name))
    assert type(caught.value) is error_type
    assert text in str(caught.value) and "\n" not in str(caught.value)


def test_no_stale_snapshots() -> None:
    """Every snapshot belongs to a fixture that still exists (and is not an error fixture)."""
    expected = {n for n in FILES if n not in ERRORS}
    present = {f"{p.parent.name}/{p.name}" for p in SNAPSHOTS.glob("*/*.json")}
    assert present == expected


# ---------------------------------------------------------------- facts from notes/apis.md


def _shipments(name: str) -> list[dict[str, Any]]:
    shipments: list[dict[str, Any]] = _normalized(name)["shipments"]
    return shipments


def _only(name: str) -> dict[str, Any]:
    (shipment,) = _shipments(name)
    return shipment


def test_aftership_status_follows_latest_checkpoint_after_exception() -> None:
    """An Exception_001 checkpoint followed by Delivered_001 leaves the shipment delivered."""
    first = _shipments("aftership/v4_get_trackings_exception_then_delivered__pyaftership.json")[0]
    assert [e["raw_status"] for e in first["events"]].index("Exception_001") < len(first["events"]) - 1
    assert first["status"] == "delivered" and first["substatus"] == "Delivered_001"
    assert first["delivered_at"] == "2018-08-01T17:19:47Z"  # 13:19:47-04:00


def test_aftership_offsets_and_offsetless_checkpoints() -> None:
    """checkpoint_time with an offset is exact; without one it is kept as local and read as UTC."""
    fedex = _only("aftership/v4_get_tracking_delivered_fedex__aftership-sdk-java.json")
    picked = next(e for e in fedex["events"] if e["description"] == "Picked up")
    assert picked["occurred_at"] == "2018-07-23T08:58:00Z" and picked["local_time"] == "2018-07-23T16:58:00+08:00"
    hook = _only("aftership/webhook_tracking_update_2026-07_TRIMMED__hookdeck-copy-of-docs.json")
    (event,) = hook["events"]
    assert event == {
        "occurred_at": "2021-01-14T00:52:00Z",
        "offset_known": False,
        "local_time": "2021-01-14T00:52:00",
        "location": None,
        "description": "Departed Shipping Partner Facility, USPS Awaiting Item",
        "status": "in_transit",
        "raw_status": "InTransit_001",
    }


def test_aftership_eta_window_and_link_checks() -> None:
    """The v4 EDD min/max become a whole-day window; a courier link for another number is replaced."""
    first = _shipments("aftership/v4_get_trackings__aftership-sdk-java.json")[0]
    assert first["estimated_delivery"] == {
        "start": "2018-08-01T00:00:00Z",
        "end": "2018-08-05T23:59:59Z",
        "date_only": True,
    }
    # the recorded link says tracknumbers=111111111111 (12 ones) for number 1111111111111 (13)
    assert first["tracking_url"] == "https://www.fedex.com/fedextrack/?trknbr=1111111111111"
    ups = _shipments("aftership/v4_get_trackings__aftership-sdk-java.json")[1]
    assert ups["carrier"] == "ups" and ups["tracking_url"].startswith("https://www.ups.com/")
    assert ups["status"] == "expired"


def test_aftership_pending_wrong_carrier_and_inconsistent_mock() -> None:
    """Pending_004 stays pending; the slug-ups/FedEx-checkpoints mock maps without crashing."""
    trackings = _shipments("aftership/2023-10_get_trackings__aftership-sdk-nodejs-test.json")
    assert [(s["status"], s["substatus"]) for s in trackings][:3] == [
        ("info_received", "InfoReceived_001"),
        ("pending", "Pending_004"),
        ("pending", "Pending_001"),
    ]
    mock = _only("aftership/2023-10_get_tracking_by_slug_number__aftership-sdk-nodejs-test.json")
    assert mock["carrier"] == "ups" and mock["estimated_delivery"] is None  # 2022 EDD for a 2018 parcel


def test_17track_events_sorted_and_provider_wins() -> None:
    """Newest-first events come out oldest first; the UPS provider beats the registered China Post id."""
    shipment = _only("17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json")
    times = [e["occurred_at"] for e in shipment["events"]]
    assert times == sorted(times)
    assert shipment["carrier"] == "ups" and shipment["status"] == "delivered"
    assert shipment["substatus"] == "Delivered_Other" and shipment["delivered_at"] == "2022-04-04T23:35:22Z"
    assert [e["status"] for e in shipment["events"]] == [
        "info_received",
        "in_transit",  # "Origin Scan": no stage, between label and movement
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert shipment["events"][-1]["local_time"] == "2022-04-04T16:35:22-07:00"


def test_easypost_latest_by_time_not_by_arrival() -> None:
    """The guide's DELIVERED detail is dated before OUT FOR DELIVERY: the latest by time wins."""
    shipment = _only("easypost/webhook_event_tracker_updated_delivered__tracking-guide.json")
    assert shipment["events"][0]["description"] == "DELIVERED"
    assert shipment["status"] == "out_for_delivery" and shipment["delivered_at"] is None


def test_easypost_eta_and_suspect_times() -> None:
    """Local ETA dates are whole days, year 2875 is dropped, and a detail without a location is a wall clock."""
    transit = _only("easypost/webhook_event_tracker_updated_in_transit__client-library-fixture.json")
    assert transit["estimated_delivery"] == {
        "start": "2024-08-05T00:00:00Z",
        "end": "2024-08-05T23:59:59Z",
        "date_only": True,
    }
    returned = _only("easypost/tracker_return_to_sender_EZ5000000005__third-party-capture-2018.json")
    assert returned["status"] == "returned" and returned["substatus"] == "return"
    assert returned["estimated_delivery"] is not None and returned["estimated_delivery"]["start"].startswith("2018")
    assert returned["events"][0]["offset_known"] is False and returned["events"][1]["offset_known"] is True
    assert _shipments("easypost/webhook_event_envelope__webhooks-guide.json") == []


def test_shippo_substatus_failure_history_and_test_mode() -> None:
    """A FAILURE in the history does not stick; test-mode times are naive; substatus is the code."""
    hook = _only("shippo/webhook_track_updated_SHIPPO_DELIVERED_with_FAILURE_in_history__docs-webhooks-page.json")
    assert hook["status"] == "delivered" and hook["carrier"] == "shippo"
    assert "exception" in [e["status"] for e in hook["events"]]
    usps = _only("shippo/track_usps_delivered_with_substatus__docs-tracking-page-2023-via-trackage-test.json")
    assert usps["substatus"] == "delivered" and usps["events"][0]["raw_status"] == "package_accepted"
    assert usps["estimated_delivery"] == {
        "start": "2023-07-23T00:00:00Z",
        "end": "2023-07-23T23:59:59Z",
        "date_only": True,
    }
    test_mode = _only("shippo/track_SHIPPO_TRANSIT_test_mode__docs-tracking-page.json")
    assert all(e["offset_known"] is False for e in test_mode["events"])
    assert test_mode["events"][-1]["local_time"] == "2018-07-29T16:44:42.589"


def test_karrio_wall_clock_and_failed_attempts() -> None:
    """Karrio's ``Z`` is a local wall clock; DE events are failed attempts; the end is delivered."""
    shipment = _only("karrio/sdk_parsed_tracking_fedex_delivered_after_failed_attempts__connector-test.json")
    assert shipment["status"] == "delivered"
    assert [e["status"] for e in shipment["events"]].count("failed_attempt") == 2
    assert all(e["offset_known"] is False and not e["local_time"].endswith("Z") for e in shipment["events"])
    partial = _only("karrio/sdk_parsed_tracking_fedex_picked_up_plus_errors__connector-test.json")
    assert partial["status"] == "in_transit" and partial["estimated_delivery"] is None  # 2021 ETA, 2018 scan


def test_shopify_order_money_times_and_failed_fulfillment() -> None:
    """Money stays decimal strings, shop-local offsets become UTC, a failed fulfillment is an exception."""
    (order,) = _normalized("shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json")["orders"]
    assert (order["total"], order["tax_total"], order["currency"]) == ("598.94", "11.94", "USD")
    assert order["placed_at"] == "2008-01-10T16:00:00Z"
    (shipment,) = order["shipments"]
    assert (shipment["carrier"], shipment["status"]) == ("usps", "exception")
    label = _only("shopify/rest_legacy_fulfillment_event_label_printed__shopify_python_api-fixture.json")
    assert label["status"] == "info_received" and label["events"][0]["occurred_at"] == "2021-01-25T21:32:23Z"


def test_woocommerce_gmt_dates_and_tracking_link() -> None:
    """Only the _gmt twins are read; the extension's literal newlines leave the link."""
    (order,) = _normalized("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json")["orders"]
    assert order["placed_at"] == "2017-03-22T19:28:02Z" and order["status"] == "processing"
    item = _only("woocommerce/shipment-tracking_POST_create_response__extension-docs.json")
    assert "\n" not in item["tracking_url"] and "cons=12345678" in item["tracking_url"]
    assert (item["carrier"], item["status"]) == ("tnt", "pending")
