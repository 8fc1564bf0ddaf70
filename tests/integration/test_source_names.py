"""Orders carry the configured source name (``SourceConfig.name``), not the kind or the backend's label."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.runtime import runtime_for
from services.demo import DemoServer
from services.domain import OrderFilter, SourceConfig
from services.sources.ordertrack.client import OrdertrackClient
from services.sources.shopify.client import ShopifyClient
from services.sources.woocommerce.client import WooCommerceClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.adapters.shopify import ShopifyOrderSource
from services.sync.adapters.woocommerce import WooCommerceOrderSource
from services.sync.ordertrack_source import OrdertrackOrderSource

from .vendor_replay import FIXTURES

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared vendor fixtures not present")

SHOPIFY_ORDER = "shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json"
SHOPIFY_EVENTS = "shopify/rest_2026-07_GET_fulfillment_events__docs-generated-test.json"
WOO_ORDER = "woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json"

Handler = Callable[[httpx.Request], httpx.Response]


def fx(relative: str) -> Any:
    """Return a fresh copy of a vendor fixture."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def opts(handler: Handler) -> dict[str, Any]:
    """Client options: a MockTransport and no real sleeping."""
    return {"transport": httpx.MockTransport(handler), "sleep": lambda _s: None}


def shop_handler(number: int) -> Handler:
    """A shop whose only order is ``#<number>`` (the documented payload, renumbered)."""
    order = fx(SHOPIFY_ORDER)["order"]
    order.update(id=number, name=f"#{number}", order_number=number)
    events = fx(SHOPIFY_EVENTS)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events.json"):
            return httpx.Response(200, json=events)
        return httpx.Response(200, json={"orders": [copy.deepcopy(order)]})

    return handler


def woo_handler(request: httpx.Request) -> httpx.Response:
    """A WooCommerce store with order 727 and no tracking items."""
    if "shipment-trackings" in request.url.path:
        return httpx.Response(200, json=[])
    return httpx.Response(200, json=[fx(WOO_ORDER)], headers={"X-WP-TotalPages": "1"})


def test_two_shops_of_one_kind_keep_their_names(tmp_path: Path) -> None:
    """Two Shopify sources and a WooCommerce source: each order says which configured source it came from."""
    runtimes = [
        SourceRuntime(
            SourceConfig(name="my-shop", kind="shopify", url="https://a.example"),
            orders=ShopifyOrderSource(
                ShopifyClient("https://a.example", "t", **opts(shop_handler(1001))), source="my-shop"
            ),
        ),
        SourceRuntime(
            SourceConfig(name="outlet", kind="shopify", url="https://b.example"),
            orders=ShopifyOrderSource(
                ShopifyClient("https://b.example", "t", **opts(shop_handler(2001))), source="outlet"
            ),
        ),
        SourceRuntime(
            SourceConfig(name="my-woo", kind="woocommerce", url="https://w.example"),
            orders=WooCommerceOrderSource(
                WooCommerceClient("https://w.example", "ck", "cs", **opts(woo_handler)), source="my-woo"
            ),
        ),
    ]
    store = Store.open(tmp_path / "cache.db")
    try:
        engine = SyncEngine(store, runtimes)
        assert [r.error for r in engine.sync_all()] == [None, None, None]
        engine.close()
        by_number = {o.order_number: o.source for o in store.orders.list_orders(OrderFilter())}
        assert by_number == {"#1001": "my-shop", "#2001": "outlet", "727": "my-woo"}
        assert [o.order_number for o in store.orders.list_orders(OrderFilter(source="outlet"))] == ["#2001"]
        assert store.orders.list_orders(OrderFilter(source="shopify")) == []
    finally:
        store.close()


def test_adapters_without_a_name_keep_the_mapper_value() -> None:
    """Unnamed (as `normalize` and the contract snapshots use them) the mapper's kind stays."""
    feed = ShopifyOrderSource(ShopifyClient("https://a.example", "t", **opts(shop_handler(1001))))
    page = feed.fetch_page(None, limit=10, etag=None).page
    assert page is not None and [o.source for o in page.orders] == ["shopify"]
    woo = WooCommerceOrderSource(WooCommerceClient("https://w.example", "ck", "cs", **opts(woo_handler)))
    wpage = woo.fetch_page(None, limit=10, etag=None).page
    assert wpage is not None and [o.source for o in wpage.orders] == ["woocommerce"]


def test_ordertrack_orders_carry_the_configured_name(demo: DemoServer, tmp_path: Path) -> None:
    """A backend-API source named 'shop' stores its orders as 'shop', whatever label the backend sends."""
    feed = OrdertrackOrderSource(OrdertrackClient(demo.url, demo.token), source="shop")
    store = Store.open(tmp_path / "cache.db")
    try:
        engine = SyncEngine(
            store, [SourceRuntime(SourceConfig(name="shop", kind="ordertrack", url=demo.url), orders=feed)]
        )
        [report] = engine.sync_all()
        engine.close()
        assert report.error is None
        orders = store.orders.list_orders(OrderFilter())
        assert orders and {o.source for o in orders} == {"shop"}
        assert store.orders.count(OrderFilter(source="shop")) == len(orders)
    finally:
        store.close()


@pytest.mark.parametrize(("kind", "token"), [("ordertrack", "t"), ("shopify", "shpat_x"), ("woocommerce", "ck_a:cs_b")])
def test_runtime_names_every_order_feed(kind: str, token: str) -> None:
    """runtime_for hands the configured name to each order feed; tracking-only kinds create no orders."""
    rt = runtime_for(SourceConfig(name=f"my-{kind}", kind=kind, url="https://api.example"), token)
    try:
        assert isinstance(rt.orders, OrdertrackOrderSource | ShopifyOrderSource | WooCommerceOrderSource)
        assert rt.orders.source == f"my-{kind}"
    finally:
        rt.close()
