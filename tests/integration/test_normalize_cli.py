"""`ordertrack normalize` and `ordertrack detect` through the real CLI (subprocess)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.paths import VENDOR_FIXTURES

FIXTURES = VENDOR_FIXTURES
NEEDS_FIXTURES = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared vendor fixtures not present")

CASES = [
    ("shopify", "shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json", "orders", "#1001"),
    (
        "shopify",
        "shopify/rest_2026-07_GET_orders_450789469_fulfillments__docs-generated-test.json",
        "shipments",
        "1Z1234512345123456",
    ),
    ("woocommerce", "woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json", "orders", "727"),
    ("woocommerce", "woocommerce/shipment-tracking_POST_create_response__extension-docs.json", "shipments", "12345678"),
    ("aftership", "aftership/v4_get_tracking_delivered_fedex__aftership-sdk-java.json", "shipments", "111111111111"),
    (
        "17track",
        "17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json",
        "shipments",
        "1Z2617V10397725789",
    ),
    ("easypost", "easypost/tracker_retrieve_pre_transit__docs-responses.json", "shipments", "EZ1000000001"),
    (
        "shippo",
        "shippo/track_usps_delivered_with_substatus__docs-tracking-page-2023-via-trackage-test.json",
        "shipments",
        "9205590164917312751089",
    ),
    ("karrio", "karrio/rest_tracker_tracking_response__server-test.json", "shipments", "1Z12345E6205277936"),
]

ORDER_KEYS = {
    "order_number",
    "source",
    "channel",
    "placed_at",
    "status",
    "currency",
    "total",
    "tax_total",
    "items",
    "events",
    "shipments",
}
SHIPMENT_KEYS = {
    "tracking_number",
    "carrier",
    "carrier_name",
    "tracking_url",
    "status",
    "substatus",
    "action_required",
    "estimated_delivery",
    "delivered_at",
    "events",
}


def _one_line_error(r: Any, *fragments: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return str(lines[0])


@NEEDS_FIXTURES
@pytest.mark.parametrize(("kind", "relative", "shape", "key"), CASES, ids=[c[1].split("/")[1][:40] for c in CASES])
def test_normalize_every_kind(home: Path, kind: str, relative: str, shape: str, key: str) -> None:
    """Each vendor's documented payload becomes the domain JSON, in the shape DESIGN.md fixes."""
    r = run_cli(home, "normalize", "--source", kind, "--format", "json", str(FIXTURES / relative))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == [shape]
    items = out[shape]
    assert items
    if shape == "orders":
        assert set(items[0]) >= ORDER_KEYS
        assert items[0]["order_number"] == key
        assert items[0]["source"] == kind
        assert isinstance(items[0]["total"], str)
        assert items[0]["placed_at"].endswith("Z")
    else:
        assert set(items[0]) >= SHIPMENT_KEYS
        assert items[0]["tracking_number"] == key


def test_normalize_ordertrack_payload(home: Path, tmp_path: Path) -> None:
    """The backend API's own page shape normalizes too (a domain order in, the same order out)."""
    order = {
        "order_number": "W-1",
        "source": "shop",
        "channel": "web",
        "placed_at": "2026-11-20T09:15:00Z",
        "status": "placed",
        "currency": "EUR",
        "total": "10.00",
        "tax_total": "1.60",
        "items": [{"sku": "A", "name": "Mug", "quantity": 1, "unit_price": "10.00"}],
        "events": [],
        "shipments": [],
    }
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"orders": [order], "next_cursor": None, "has_more": False}))
    r = run_cli(home, "normalize", "--source", "ordertrack", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["orders"]
    assert [o["order_number"] for o in out] == ["W-1"]
    assert out[0]["total"] == "10.00"


@NEEDS_FIXTURES
def test_normalize_rejects_bad_input(home: Path, tmp_path: Path) -> None:
    """Not JSON, a foreign payload, a missing field, an unreadable file: exit 2 with one clear line."""
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{'orders': oops")
    _one_line_error(run_cli(home, "normalize", "--source", "shopify", str(garbage)), "not JSON")
    shopify_order = FIXTURES / "shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json"
    _one_line_error(run_cli(home, "normalize", "--source", "aftership", str(shopify_order)), "not a aftership payload")
    body = json.loads(shopify_order.read_text())
    del body["order"]["currency"]
    broken = tmp_path / "no_currency.json"
    broken.write_text(json.dumps(body))
    _one_line_error(run_cli(home, "normalize", "--source", "shopify", str(broken)), "missing field 'currency'")
    _one_line_error(run_cli(home, "normalize", "--source", "shopify", str(tmp_path / "absent.json")), "cannot read")
    _one_line_error(run_cli(home, "normalize", "--source", "shopify", str(tmp_path)), "directory")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    _one_line_error(run_cli(home, "normalize", "--source", "shopify", str(binary)), "not JSON")
    _one_line_error(run_cli(home, "normalize", "--source", "ups", str(garbage)), "invalid choice")
    error_envelope = FIXTURES / "aftership/v4_error_401_invalid_api_key__pyaftership.json"
    _one_line_error(run_cli(home, "normalize", "--source", "aftership", str(error_envelope)), "Invalid API Key")


def test_normalize_reads_stdin(home: Path) -> None:
    """``-`` reads the payload from standard input."""
    r = run_cli(home, "normalize", "--source", "shopify", "-", stdin="[1, 2]")
    _one_line_error(r, "not a shopify payload")


def _detect_cases() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return ``(courier, number)`` pairs of the fixture's valid and invalid test numbers."""
    path = FIXTURES / "tracking_numbers" / "jkeen_test_numbers_vs_tracking-numbers-0.1.8.json"
    if not path.is_file():
        return [], []
    couriers: dict[str, Any] = json.loads(path.read_text())["couriers"]
    valid: list[tuple[str, str]] = []
    invalid: list[tuple[str, str]] = []
    for code, courier in couriers.items():
        for fmt in courier.get("formats") or []:
            valid.extend((code, str(e["number"])) for e in fmt.get("valid") or [])
            invalid.extend((code, str(e["number"])) for e in fmt.get("invalid") or [])
    return valid, invalid


@NEEDS_FIXTURES
def test_detect_json_shape_on_fixture_numbers(home: Path) -> None:
    """`detect` prints ranked candidates with a checksum verdict; garbage gives an empty list, exit 0."""
    valid, invalid = _detect_cases()
    assert valid and invalid
    ups = next(n for c, n in valid if c == "ups" and n.replace(" ", "").upper().startswith("1Z"))
    r = run_cli(home, "detect", ups)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["candidates"]
    first = out["candidates"][0]
    assert set(first) >= {"carrier", "name", "valid", "tracking_url"}
    assert first["carrier"] == "ups" and first["valid"] is True
    assert first["tracking_url"].startswith("https://")
    flags = [c["valid"] for c in out["candidates"]]
    assert flags == sorted(flags, reverse=True), "valid candidates come first"
    bad_ups = next(n for c, n in invalid if c == "ups" and n.replace(" ", "").upper().startswith("1Z"))
    out = json.loads(run_cli(home, "detect", bad_ups).stdout)
    assert all(not c["valid"] for c in out["candidates"] if c["carrier"] == "ups")
    for garbage in ("", "hello world", "!!!"):
        r = run_cli(home, "detect", garbage)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"candidates": []}
    table = run_cli(home, "detect", ups, "--format", "table")
    assert table.returncode == 0 and "UPS" in table.stdout
