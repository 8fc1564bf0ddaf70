"""A record that does not fit the domain is skipped and logged; the rest of its page is stored.

Starts from the issue's hostile inputs inside one backend page, synced over real HTTP into a real
SQLite file: a ``1e999999999`` total (was MemoryError), a year-9999 carrier event (was stored and
broke the order screen), a year-1 placed time with an offset (was OverflowError) and an absurd
quantity. Each becomes a typed ``SkippedRecord`` logged as one line with its order number; the good
orders of the page are stored, the cursor advances, and the next sync does not fetch them again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keyring
import pytest

from services.domain import OrderFilter, unified_timeline
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.mapper import parse_orders_page
from services.sources.payload import map_each
from services.sources.shopify.client import API_VERSION, ShopifyClient
from services.sources.woocommerce.client import WooCommerceClient
from services.storage import Store
from services.sync.adapters.aftership import AfterShipTrackingSource
from services.sync.adapters.shopify import ShopifyOrderSource
from services.sync.adapters.woocommerce import WooCommerceOrderSource
from tests.support.cli import run_cli

from .values_support import FORBIDDEN, order, page, raw_page, serving, sync_once

HAS_SECRET_SERVICE = type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"

GOOD = ["W-1", "W-2", "W-3"]
BAD = {
    "W-MONEY": order("W-MONEY", total="1e999999999"),
    "W-9999": order(
        "W-9999",
        shipments=[
            {
                "tracking_number": "1Z9999",
                "carrier": "ups",
                "events": [{"occurred_at": "9999-12-31T23:59:59Z", "status": "delivered", "description": "Delivered"}],
            }
        ],
    ),
    "W-YEAR1": order("W-YEAR1", placed_at="0001-01-01T00:00:00+05:00"),
    "W-QTY": order("W-QTY", items=[{"sku": "X", "name": "X", "quantity": 10**30, "unit_price": "1.00"}]),
}


def mixed_page() -> str:
    """A page where good and hostile orders alternate, plus a NaN total written as a bare JSON literal."""
    parts = []
    for good, bad in zip(GOOD, BAD.values(), strict=False):
        parts += [json.dumps(order(good)), json.dumps(bad)]
    parts.append(json.dumps(list(BAD.values())[-1]))
    parts.append(json.dumps(order("W-NAN")).replace('"total": "129.90"', '"total": NaN'))
    parts.append(json.dumps(order("W-INF")).replace('"total": "129.90"', '"total": 1e999999999'))
    return raw_page(parts, "c1")


def test_hostile_orders_are_skipped_and_logged_the_rest_is_stored(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the good orders are stored; each bad one is one warning line with its number; the cursor moved."""
    caplog.set_level(logging.WARNING, logger="services.sync")
    with serving({"": mixed_page()}) as backend:
        report = sync_once(store, backend)
    assert report.error is None
    assert report.skipped == len(BAD) + 2
    stored = sorted(o.order_number for o in store.orders.list_orders(OrderFilter()))
    assert stored == GOOD
    state = store.sync_state.get("shop")
    assert state.cursor == "c1" and state.last_error is None
    lines = [r for r in caplog.records if "skipped order" in r.getMessage()]
    logged = {
        number for r in lines for number in [*BAD, "W-NAN", "W-INF"] if f"skipped order {number}:" in r.getMessage()
    }
    assert logged == {*BAD, "W-NAN", "W-INF"}
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in lines), "one line, no traceback"
    for o in store.orders.list_orders(OrderFilter()):
        unified_timeline(o)  # the order screen's timeline builds for everything that was stored


def test_a_page_of_only_bad_records_still_moves_the_cursor(store: Store) -> None:
    """The source does not stay stuck: the next page is fetched and stored, and the next sync starts after it."""
    pages = {"": page(list(BAD.values()), "c1"), "c1": page([order("W-10")], "c2")}
    with serving(pages) as backend:
        first = sync_once(store, backend)
        assert first.error is None and first.skipped == len(BAD)
        assert [o.order_number for o in store.orders.list_orders(OrderFilter())] == ["W-10"]
        assert store.sync_state.get("shop").cursor == "c2"
        backend.requests.clear()
        again = sync_once(store, backend)
    assert again.error is None and again.skipped == 0
    asked = [p for p in backend.requests if p.startswith("/v1/orders")]
    assert asked and all("updated_since=c2" in p for p in asked), asked


def test_a_bad_tracking_in_a_backfill_page_is_skipped(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """A year-9999 checkpoint skips its tracking only; the back-fill completes and the good one is stored."""
    caplog.set_level(logging.WARNING, logger="services.sync")
    trackings = {
        "meta": {"code": 200},
        "data": {
            "page": 1,
            "limit": 200,
            "count": 2,
            "trackings": [
                {
                    "tracking_number": "TRKW1",
                    "slug": "ups",
                    "tag": "InTransit",
                    "checkpoints": [
                        {"checkpoint_time": "2026-11-22T08:00:00Z", "tag": "InTransit", "message": "Departed"}
                    ],
                },
                {
                    "tracking_number": "TRKW2",
                    "slug": "ups",
                    "checkpoints": [{"checkpoint_time": "9999-01-01T00:00:00Z", "tag": "Delivered", "message": "x"}],
                },
            ],
        },
    }
    with serving({"": page([order("W-1"), order("W-2")], "c1")}, json.dumps(trackings)) as backend:
        report = sync_once(store, backend)
    assert report.error is None and report.skipped == 1
    assert store.sync_state.get("shop#history").cursor == "done"
    w1 = store.orders.get("W-1")
    w2 = store.orders.get("W-2")
    assert w1 is not None and w2 is not None
    assert "Departed" in [e.description for e in w1.shipments[0].events]
    assert all(e.occurred_at.year < 2100 for e in w2.shipments[0].events)
    assert any("skipped shipment TRKW2:" in r.getMessage() for r in caplog.records)


def test_vendor_tracking_adapter_keeps_the_good_trackings_of_a_page() -> None:
    """AfterShip v4 ``list_page``: the hostile tracking is a SkippedRecord with its number, the others map."""
    body = {
        "meta": {"code": 200},
        "data": {
            "count": 3,
            "trackings": [
                {"tracking_number": "OK1", "slug": "dhl", "tag": "Pending"},
                {
                    "tracking_number": "BAD1",
                    "slug": "dhl",
                    "checkpoints": [{"checkpoint_time": "0001-01-01T00:00:00+05:00"}],
                },
                {"tracking_number": "OK2", "slug": "dhl", "tag": "Pending"},
            ],
        },
    }
    with serving({}, json.dumps(body)) as backend:
        source = AfterShipTrackingSource(AfterShipClient("k3y", base_url=backend.url + "/aftership/v4"))
        try:
            shipments, has_more = source.list_page(1, 200)
        finally:
            source.close()
    assert [s.tracking_number for s in shipments] == ["OK1", "OK2"]
    assert has_more is False
    [skipped] = source.take_skipped()
    assert (skipped.kind, skipped.key) == ("shipment", "BAD1")
    assert "not a timestamp" in skipped.reason
    assert source.take_skipped() == []


def test_parse_orders_page_reports_what_it_skipped() -> None:
    """The backend page mapper keeps the good orders and names each skipped one."""
    result = parse_orders_page({"orders": [order("A-1"), BAD["W-MONEY"], 42, order("A-2")], "next_cursor": "n"})
    assert [o.order_number for o in result.orders] == ["A-1", "A-2"]
    assert [(s.kind, s.key) for s in result.skipped] == [("order", "W-MONEY"), ("order", None)]
    assert result.next_cursor == "n"


def test_map_each_without_a_skip_list_stays_strict() -> None:
    """``normalize`` of one file (no skip list) still fails on the first bad record, with a one-line error."""
    from services.domain import ValidationError

    def parse(raw: object, where: str) -> int:
        if raw == "bad":
            raise ValidationError(f"{where}: bad")
        return 1

    assert map_each(["a", "b"], parse, where="x", kind="order", keys=(), skipped=None) == [1, 1]
    with pytest.raises(ValidationError, match=r"^x\[1\]: bad$"):
        map_each(["a", "bad"], parse, where="x", kind="order", keys=(), skipped=None)


@pytest.mark.skipif(not HAS_SECRET_SERVICE, reason="needs a real Secret Service (run via make test)")
def test_cli_sync_names_the_skipped_orders_in_one_line_each(tmp_path: Path) -> None:
    """`ordertrack sync`: exit 0, the good orders listed, one stderr line per skipped order, no traceback."""
    home = tmp_path / "home"
    home.mkdir()
    hostile_number = order("W-\x1b[31mRED\u202e", total="1e999999999")
    with serving({"": page([order("W-1"), *BAD.values(), hostile_number, order("W-2")], "c1")}) as backend:
        added = run_cli(
            home,
            "sources",
            "add",
            "ordertrack",
            "--url",
            backend.url,
            "--name",
            "shop",
            "--token-stdin",
            stdin="t0ken\n",
        )
        assert added.returncode == 0, added.stderr
        synced = run_cli(home, "sync", "--format", "json")
    assert synced.returncode == 0, synced.stderr
    [source] = json.loads(synced.stdout)["sources"]
    assert source["ok"] and source["new_orders"] == 2 and source["skipped"] == len(BAD) + 1
    assert "Traceback" not in synced.stderr and not FORBIDDEN.search(synced.stderr.replace("\n", ""))
    skipped_lines = [line for line in synced.stderr.splitlines() if "skipped order" in line]
    assert len(skipped_lines) == len(BAD) + 1
    for number in BAD:
        assert any(f"skipped order {number}:" in line for line in skipped_lines), number
    assert any("skipped order W-RED:" in line for line in skipped_lines)
    listed = json.loads(run_cli(home, "orders", "--format", "json").stdout)["orders"]
    assert sorted(o["order_number"] for o in listed) == ["W-1", "W-2"]


def _shopify(name: str, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 1000 + len(name),
        "name": name,
        "order_number": 99,
        "created_at": "2026-11-20T09:15:00+01:00",
        "updated_at": "2026-11-20T09:15:00+01:00",
        "currency": "EUR",
        "total_price": "10.00",
        "line_items": [{"title": "Mug", "quantity": 1, "price": "10.00"}],
    }
    base.update(overrides)
    return base


def _woo(number: str, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 500 + int(number),
        "number": number,
        "status": "processing",
        "date_created_gmt": "2026-11-20T09:15:00",
        "date_modified_gmt": "2026-11-20T09:15:00",
        "currency": "EUR",
        "total": "10.00",
        "line_items": [{"name": "Mug", "quantity": 1, "subtotal": "10.00"}],
    }
    base.update(overrides)
    return base


def test_shopify_page_keeps_its_good_orders() -> None:
    """Shopify orders page: the 1e999999999 and year-9999 orders are skipped by name, the rest map cleanly."""
    orders = [
        _shopify("#1001"),
        _shopify("#1002", total_price="1e999999999"),
        _shopify("#1003", processed_at="9999-12-31T23:59:59+01:00"),
        _shopify("#1004\r\n\u202e", line_items=[{"title": "\x1b[31mMug", "quantity": 2, "price": "5.00"}]),
        _shopify("#1005", line_items=[{"title": "Mug", "quantity": 10**30, "price": "5.00"}]),
    ]
    path = f"/admin/api/{API_VERSION}/orders.json"
    with serving({}, routes={path: json.dumps({"orders": orders})}) as backend:
        source = ShopifyOrderSource(ShopifyClient(backend.url, "shpat_x"), with_events=False, source="shop")
        try:
            fetched = source.fetch_page(None, limit=50, etag=None)
        finally:
            source.close()
    assert fetched.page is not None
    assert [o.order_number for o in fetched.page.orders] == ["#1001", "#1004 "]
    assert fetched.page.orders[1].items[0].name == "Mug"
    assert [s.key for s in fetched.page.skipped] == ["#1002", "#1003", "#1005"]
    assert fetched.page.next_cursor == "2026-11-20T08:15:00Z"


def test_woocommerce_page_keeps_its_good_orders() -> None:
    """WooCommerce orders page: NaN total, zero quantity and a year-9999 ship date are skipped by number."""
    orders = [
        _woo("727"),
        _woo("728", total="NaN"),
        _woo("729", line_items=[{"name": "Mug", "quantity": 0, "subtotal": "10.00"}]),
        _woo(
            "730",
            shipment_trackings=[{"tracking_number": "1Z1", "tracking_provider": "UPS", "date_shipped": "253402300799"}],
        ),
        _woo("731", line_items=[{"name": "&#x202E;Mug&#x1b;[31m", "quantity": 1, "subtotal": "10.00"}]),
    ]
    with serving({}, routes={"/wp-json/wc/v3/orders": json.dumps(orders)}) as backend:
        source = WooCommerceOrderSource(WooCommerceClient(backend.url, "ck_x", "cs_x"), with_tracking=False)
        try:
            fetched = source.fetch_page(None, limit=50, etag=None)
        finally:
            source.close()
    assert fetched.page is not None
    assert [o.order_number for o in fetched.page.orders] == ["727", "731"]
    # Entities are decoded, then cleaned: the RTL override goes; HTML itself drops the ESC, "[31m" is plain text.
    assert fetched.page.orders[1].items[0].name == "Mug[31m"
    assert [s.key for s in fetched.page.skipped] == ["728", "729", "730"]
