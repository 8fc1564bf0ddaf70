"""Sync adapters over each vendor client, driven through httpx.MockTransport with documented payloads."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.runtime import aftership_version, runtime_for, split_woocommerce_token
from services.domain import ConfigError, PayloadError, ShipmentStatus, SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sources.easypost.client import EasyPostClient
from services.sources.karrio.client import KarrioClient
from services.sources.seventeentrack.client import SeventeenTrackClient
from services.sources.shippo.client import ShippoClient
from services.sources.shopify.client import ShopifyClient
from services.sources.woocommerce.client import WooCommerceClient
from services.storage import Store
from services.sync import OrderSource, SourceRuntime, SyncEngine, TrackingSource
from services.sync.adapters.aftership import AfterShipTrackingSource
from services.sync.adapters.easypost import EasyPostTrackingSource
from services.sync.adapters.karrio import KarrioTrackingSource
from services.sync.adapters.seventeentrack import SeventeenTrackSource
from services.sync.adapters.shippo import ShippoTrackingSource
from services.sync.adapters.shopify import ShopifyOrderSource
from services.sync.adapters.woocommerce import WooCommerceOrderSource

from .vendor_replay import FIXTURES

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared vendor fixtures not present")

Handler = Callable[[httpx.Request], httpx.Response]


def fx(relative: str) -> Any:
    """Return a fresh copy of a vendor fixture."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def opts(handler: Handler, seen: list[httpx.Request]) -> dict[str, Any]:
    """Client options: a MockTransport recording requests, and no real sleeping."""

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return {"transport": httpx.MockTransport(record), "sleep": lambda _s: None}


SHOPIFY_ORDER = "shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json"
SHOPIFY_EVENTS = "shopify/rest_2026-07_GET_fulfillment_events__docs-generated-test.json"


def test_ports_are_implemented() -> None:
    """Every adapter satisfies the sync ports structurally (checked by mypy too)."""
    seen: list[httpx.Request] = []
    o = opts(lambda r: httpx.Response(404), seen)
    feeds: list[OrderSource] = [
        ShopifyOrderSource(ShopifyClient("https://x.myshopify.com", "t", **o)),
        WooCommerceOrderSource(WooCommerceClient("https://shop.example", "ck", "cs", **o)),
    ]
    trackers: list[TrackingSource] = [
        AfterShipTrackingSource(AfterShipClient("k", **o)),
        SeventeenTrackSource(SeventeenTrackClient("k", **o)),
        EasyPostTrackingSource(EasyPostClient("k", **o)),
        ShippoTrackingSource(ShippoClient("k", **o)),
        KarrioTrackingSource(KarrioClient("https://karrio.example", "k", **o)),
    ]
    for feed in feeds:
        assert feed.requests_sent == 0
        feed.close()
    for tracker in trackers:
        assert tracker.requests_sent == 0
        tracker.close()


def test_shopify_pages_by_link_then_watermark() -> None:
    """Link rel=next pages first; the cursor then holds the updated_at watermark (inclusive)."""
    order = fx(SHOPIFY_ORDER)["order"]
    second = copy.deepcopy(order)
    second.update(id=2, name="#1002", order_number=1002, updated_at="2008-01-12T00:00:00Z")
    base = "https://shop.example/admin/api/2026-07"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
        if request.url.path.endswith("/events.json"):
            return httpx.Response(200, json=fx(SHOPIFY_EVENTS))
        if request.url.params.get("page_info") == "2":
            return httpx.Response(200, json={"orders": [second]})
        link = f'<{base}/orders.json?page_info=2>; rel="next"'
        return httpx.Response(200, json={"orders": [order]}, headers={"Link": link})

    seen: list[httpx.Request] = []
    feed = ShopifyOrderSource(ShopifyClient("https://shop.example", "shpat_x", **opts(handler, seen)))
    first = feed.fetch_page(None, limit=50, etag=None).page
    assert first is not None and first.has_more
    assert [o.order_number for o in first.orders] == ["#1001"]
    assert seen[0].url.params["order"] == "updated_at asc" and seen[0].url.params["status"] == "any"
    assert "updated_at_min" not in seen[0].url.params
    assert any(r.url.path.endswith("/events.json") for r in seen), "fulfillment events are fetched"
    shipment = first.orders[0].shipments[0]
    assert shipment.events, "the fulfillment events are embedded"
    assert first.next_cursor is not None and "|" in first.next_cursor
    page2 = feed.fetch_page(first.next_cursor, limit=50, etag=None).page
    assert page2 is not None and not page2.has_more
    assert [o.order_number for o in page2.orders] == ["#1002"]
    assert page2.next_cursor == "2008-01-12T00:00:00Z"
    feed.fetch_page(page2.next_cursor, limit=50, etag=None)
    last_list = [r for r in seen if r.url.path.endswith("/orders.json")][-1]
    assert last_list.url.params["updated_at_min"] == "2008-01-12T00:00:00Z"


def test_shopify_refuses_next_link_to_another_host() -> None:
    """A Link header pointing elsewhere would leak the token: it is refused."""

    def handler(request: httpx.Request) -> httpx.Response:
        link = '<https://evil.example/x?page_info=2>; rel="next"'
        return httpx.Response(200, json={"orders": []}, headers={"Link": link})

    feed = ShopifyOrderSource(ShopifyClient("https://shop.example", "t", **opts(handler, [])))
    with pytest.raises(PayloadError, match="another host"):
        feed.fetch_page(None, limit=10, etag=None)


def test_woocommerce_pages_then_modified_after() -> None:
    """page/per_page until X-WP-TotalPages, trackings embedded, then modified_after the highest seen."""
    order = fx("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json")
    later = copy.deepcopy(order)
    later.update(id=728, number="728", date_modified_gmt="2017-03-23T00:00:00")
    tracking = fx("woocommerce/shipment-tracking_POST_create_response__extension-docs.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"].startswith("Basic ")
        if "shipment-trackings" in request.url.path:
            return httpx.Response(200, json=[tracking] if "/727/" in request.url.path else [])
        page = request.url.params.get("page")
        if request.url.params.get("modified_after"):
            return httpx.Response(200, json=[], headers={"X-WP-TotalPages": "0"})
        body = [order] if page == "1" else [later]
        return httpx.Response(200, json=body, headers={"X-WP-TotalPages": "2"})

    seen: list[httpx.Request] = []
    feed = WooCommerceOrderSource(WooCommerceClient("https://shop.example", "ck_a", "cs_b", **opts(handler, seen)))
    p1 = feed.fetch_page(None, limit=500, etag=None).page
    assert p1 is not None and p1.has_more
    assert seen[0].url.params["per_page"] == "100" and seen[0].url.params["orderby"] == "modified"
    assert [s.tracking_number for s in p1.orders[0].shipments] == ["12345678"]
    p2 = feed.fetch_page(p1.next_cursor, limit=500, etag=None).page
    assert p2 is not None and not p2.has_more and [o.order_number for o in p2.orders] == ["728"]
    assert p2.next_cursor == "2017-03-23T00:00:00Z"
    p3 = feed.fetch_page(p2.next_cursor, limit=500, etag=None).page
    assert p3 is not None and not p3.orders
    assert seen[-1].url.params["modified_after"] == "2017-03-23T00:00:00"


def test_aftership_v4_list_and_get_many_skips_unknown() -> None:
    """v4: page/limit list; get_many reads each number and skips the ones AfterShip does not know."""
    single = fx("aftership/v4_get_tracking_delivered_fedex__aftership-sdk-java.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["aftership-api-key"] == "as_k"
        if request.url.path.endswith("/trackings"):
            return httpx.Response(200, json=fx("aftership/v4_get_trackings__aftership-sdk-java.json"))
        if request.url.path.endswith("/fedex/111111111111"):
            return httpx.Response(200, json=single)
        return httpx.Response(404, json={"meta": {"code": 4004, "message": "Tracking does not exist."}})

    seen: list[httpx.Request] = []
    src = AfterShipTrackingSource(AfterShipClient("as_k", base_url="https://as.example/v4", **opts(handler, seen)))
    shipments, more = src.list_page(1, 100)
    assert [s.tracking_number for s in shipments] == ["1111111111111", "2222222222222", "1231231231231"]
    assert more is False
    got = src.get_many([("fedex", "111111111111"), ("ups", "NOPE")])
    assert [(s.carrier, s.tracking_number, s.status) for s in got] == [
        ("fedex", "111111111111", ShipmentStatus.DELIVERED)
    ]
    assert src.requests_sent == 3


def test_aftership_dated_cursor_paging_and_number_query() -> None:
    """2024+: cursor pages map to page numbers; get_many queries tracking_numbers in one call."""
    listing = fx("aftership/2023-10_get_trackings__aftership-sdk-nodejs-test.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["as-api-key"] == "k"
        body = copy.deepcopy(listing)
        cursor = request.url.params.get("cursor")
        body["data"]["pagination"] = {"total": 8, "next_cursor": None if cursor else "c2", "has_next_page": not cursor}
        return httpx.Response(200, json=body)

    seen: list[httpx.Request] = []
    base = "https://as.example/tracking/2025-01"
    client = AfterShipClient("k", api_version="2025-01", base_url=base, **opts(handler, seen))
    src = AfterShipTrackingSource(client)
    page2, more = src.list_page(2, 50)
    assert page2 and more is False
    assert [r.url.params.get("cursor") for r in seen] == [None, "c2"], "page 2 is reached through page 1's cursor"
    wanted = [("usps", "9434936105536968782556"), ("ups", "UNKNOWN1")]
    got = src.get_many(wanted)
    assert [s.tracking_number for s in got] == ["9434936105536968782556"]
    assert seen[-1].url.params["tracking_numbers"] == "9434936105536968782556,UNKNOWN1"


def test_seventeentrack_batches_of_40_and_registers_unknown() -> None:
    """gettrackinfo goes out in batches of 40; numbers not registered yet get registered."""
    item = fx("17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json")["data"]
    calls: list[tuple[str, list[dict[str, Any]]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["17token"] == "st"
        body = json.loads(request.content)
        calls.append((request.url.path.rsplit("/", 1)[-1], body))
        accepted = [item for x in body if x["number"] == item["number"]]
        rejected = [
            {"number": x["number"], "error": {"code": -18019902, "message": "not registered"}}
            for x in body
            if x["number"] != item["number"]
        ]
        return httpx.Response(200, json={"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    client = SeventeenTrackClient("st", base_url="https://17.example/track/v2.2", **opts(handler, []))
    src = SeventeenTrackSource(client)
    assert src.list_page(1, 200) == ([], False)
    wanted = [("ups", item["number"])] + [("usps", f"9400{i:018d}") for i in range(84)]
    got = src.get_many(wanted)
    assert [(s.tracking_number, s.status) for s in got] == [(item["number"], ShipmentStatus.DELIVERED)]
    info = [b for endpoint, b in calls if endpoint == "gettrackinfo"]
    assert [len(b) for b in info] == [40, 40, 5]
    registered = [x["number"] for endpoint, b in calls if endpoint == "register" for x in b]
    assert len(registered) == 84 and item["number"] not in registered
    assert all(len(b) <= 40 for _, b in calls)


def test_easypost_list_before_id_and_get_many() -> None:
    """List pages follow before_id; get_many POSTs /trackers with EasyPost's carrier name."""
    tracker = fx("easypost/tracker_retrieve_pre_transit__docs-responses.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"].startswith("Basic ")
        if request.method == "POST":
            sent = json.loads(request.content)["tracker"]
            assert sent == {"tracking_code": "EZ1000000001", "carrier": "USPS"}
            return httpx.Response(200, json=tracker)
        listing = fx("easypost/trackers_list__docs-responses.json")
        listing["has_more"] = "before_id" not in request.url.params
        return httpx.Response(200, json=listing)

    seen: list[httpx.Request] = []
    src = EasyPostTrackingSource(EasyPostClient("ez", base_url="https://ep.example/v2", **opts(handler, seen)))
    first, more = src.list_page(1, 100)
    assert [s.tracking_number for s in first] == ["EZ1000000001"] and more is True
    _, more = src.list_page(2, 100)
    assert more is False and seen[-1].url.params["before_id"] == tracker["id"]
    got = src.get_many([("usps", "EZ1000000001")])
    assert [(s.carrier, s.status) for s in got] == [("usps", ShipmentStatus.INFO_RECEIVED)]


def test_shippo_get_many_uses_carrier_tokens() -> None:
    """Shippo: no list; each number is read with Shippo's carrier token, 404 is skipped."""
    track = fx("shippo/track_usps_delivered_with_substatus__docs-tracking-page-2023-via-trackage-test.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "ShippoToken sh"
        if request.url.path == f"/tracks/usps/{track['tracking_number']}":
            return httpx.Response(200, json=track)
        return httpx.Response(404, json={"detail": "Not found."})

    seen: list[httpx.Request] = []
    src = ShippoTrackingSource(ShippoClient("sh", base_url="https://shippo.example", **opts(handler, seen)))
    assert src.list_page(1, 10) == ([], False)
    got = src.get_many([("usps", track["tracking_number"]), ("dhl", "JD0000")])
    assert [(s.carrier, s.status) for s in got] == [("usps", ShipmentStatus.DELIVERED)]
    assert seen[-1].url.path == "/tracks/dhl_express/JD0000"


def test_karrio_list_offset_and_get_many() -> None:
    """Karrio: limit/offset list pages; get_many reads /v1/trackers/{number}."""
    tracker = fx("karrio/rest_tracker_tracking_response__server-test.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Token kk"
        if request.url.path == "/v1/trackers":
            offset = int(request.url.params["offset"])
            nxt = "https://karrio.example/v1/trackers?offset=10" if offset == 0 else None
            return httpx.Response(200, json={"count": 2, "next": nxt, "results": [tracker]})
        if request.url.path.endswith(tracker["tracking_number"]):
            return httpx.Response(200, json=tracker)
        return httpx.Response(404, json={"errors": [{"code": "not_found", "message": "Not found"}]})

    seen: list[httpx.Request] = []
    src = KarrioTrackingSource(KarrioClient("https://karrio.example", "kk", **opts(handler, seen)))
    assert src.list_page(1, 10)[1] is True
    shipments, more = src.list_page(2, 10)
    assert more is False and seen[-1].url.params["offset"] == "10" and len(shipments) == 1
    got = src.get_many([("ups", tracker["tracking_number"]), ("ups", "MISSING")])
    assert [s.tracking_number for s in got] == [tracker["tracking_number"]]


def test_runtime_for_every_kind() -> None:
    """runtime_for builds an order feed for shops and a tracking API for aggregators."""
    cases = {
        "shopify": (ShopifyOrderSource, None, "shpat_x"),
        "woocommerce": (WooCommerceOrderSource, None, "ck_a:cs_b"),
        "aftership": (None, AfterShipTrackingSource, "k"),
        "17track": (None, SeventeenTrackSource, "k"),
        "easypost": (None, EasyPostTrackingSource, "k"),
        "shippo": (None, ShippoTrackingSource, "k"),
        "karrio": (None, KarrioTrackingSource, "k"),
    }
    for kind, (feed_type, tracking_type, token) in cases.items():
        rt = runtime_for(SourceConfig(name=kind, kind=kind, url="https://api.example"), token)
        assert (type(rt.orders) if rt.orders else None) is feed_type, kind
        assert (type(rt.tracking) if rt.tracking else None) is tracking_type, kind
        rt.close()
    with pytest.raises(ConfigError, match="no credentials"):
        runtime_for(SourceConfig(name="s", kind="shopify", url="https://x"), None)
    with pytest.raises(ConfigError, match="CONSUMER_KEY:CONSUMER_SECRET"):
        runtime_for(SourceConfig(name="w", kind="woocommerce", url="https://x"), "ck_only")
    assert split_woocommerce_token("ck_a:cs_b:c") == ("ck_a", "cs_b:c")
    assert aftership_version("https://api.aftership.com/v4") == "v4"
    assert aftership_version("https://api.aftership.com/tracking/2025-01") == "2025-01"


def test_engine_stores_shopify_orders_then_tracking_refresh(tmp_path: Path) -> None:
    """Through the real engine and store: Shopify orders land, then a tracking-only source refreshes them."""
    order = fx(SHOPIFY_ORDER)["order"]
    single = fx("aftership/v4_get_tracking_delivered_fedex__aftership-sdk-java.json")

    def shop(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events.json"):
            return httpx.Response(200, json=fx(SHOPIFY_EVENTS))
        return httpx.Response(200, json={"orders": [order]})

    def aftership(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/trackings"):
            return httpx.Response(200, json={"meta": {"code": 200}, "data": {"trackings": [], "count": 0}})
        slug, number = request.url.path.split("/")[-2:]
        body = copy.deepcopy(single)
        body["data"]["tracking"].update(slug=slug, tracking_number=number)
        return httpx.Response(200, json=body)

    store = Store.open(tmp_path / "cache.db")
    try:
        feed = ShopifyOrderSource(ShopifyClient("https://shop.example", "t", **opts(shop, [])))
        tracker = AfterShipTrackingSource(AfterShipClient("k", base_url="https://as.example/v4", **opts(aftership, [])))
        engine = SyncEngine(
            store,
            [
                SourceRuntime(SourceConfig(name="shop", kind="shopify", url="https://shop.example"), orders=feed),
                SourceRuntime(SourceConfig(name="as", kind="aftership", url="https://as.example/v4"), tracking=tracker),
            ],
        )
        reports = engine.sync_all()
        assert [r.error for r in reports] == [None, None]
        cached = store.orders.get("#1001")
        assert cached is not None
        assert cached.shipments[0].tracking_number == "1Z1234512345123456"
        statuses = {e.status for e in cached.shipments[0].events}
        assert ShipmentStatus.DELIVERED in statuses, "AfterShip's checkpoints were attached to the Shopify shipment"
        assert ShipmentStatus.IN_TRANSIT in statuses, "the Shopify fulfillment events are kept"
        engine.close()
    finally:
        store.close()
