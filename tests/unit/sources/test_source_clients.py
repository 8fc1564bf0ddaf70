"""Vendor HTTP clients over httpx.MockTransport: auth, pagination, rate limits, retries, typed errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sources_helpers import Recorder, Sleeper, load_fixture

from services.domain import AuthError, PayloadError, RateLimitedError, SourceUnavailableError
from services.sources.aftership.client import AfterShipClient
from services.sources.easypost.client import EasyPostClient
from services.sources.errors import VendorError
from services.sources.http import RetryPolicy
from services.sources.karrio.client import KarrioClient
from services.sources.registry import normalize
from services.sources.seventeentrack.client import BATCH_LIMIT, SeventeenTrackClient
from services.sources.shippo.client import ShippoClient
from services.sources.shopify.client import ShopifyClient
from services.sources.woocommerce.client import WooCommerceClient


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer."""
    return httpx.Response(status, json=body, headers=headers)


def aftership(recorder: Recorder, sleeper: Sleeper, policy: RetryPolicy, **kwargs: Any) -> AfterShipClient:
    """An AfterShip client on the recorder's transport."""
    return AfterShipClient("as-key", transport=recorder.transport, sleep=sleeper, policy=policy, **kwargs)


# ---------------------------------------------------------------- auth headers


def test_each_client_sends_its_auth_header(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Every vendor gets its own credential header (secrets come in through the constructor)."""
    seen: dict[str, httpx.Headers] = {}

    def capture(name: str) -> Recorder:
        def handler(request: httpx.Request) -> httpx.Response:
            seen[name] = request.headers
            return ok({})

        return Recorder(handler)

    common: dict[str, Any] = {"sleep": sleeper, "policy": fast_policy}
    AfterShipClient("k1", transport=capture("v4").transport, **common).get_tracking("ups", "1Z")
    AfterShipClient("k2", api_version="2025-01", transport=capture("dated").transport, **common).get_tracking_by_id("x")
    SeventeenTrackClient("k3", transport=capture("17").transport, **common).call("gettrackinfo", [])
    EasyPostClient("k4", transport=capture("ep").transport, **common).get_tracker("trk_1")
    ShippoClient("k5", transport=capture("shippo").transport, **common).get_track("usps", "9205")
    KarrioClient("https://karrio.example", "k6", transport=capture("karrio").transport, **common).get_tracker("t")
    ShopifyClient("shop.myshopify.com", "k7", transport=capture("shopify").transport, **common).get_order(1)
    WooCommerceClient("https://woo.example", "ck", "cs", transport=capture("woo").transport, **common).get_order(727)

    assert seen["v4"]["aftership-api-key"] == "k1"
    assert seen["dated"]["as-api-key"] == "k2" and "aftership-api-key" not in seen["dated"]
    assert seen["17"]["17token"] == "k3"
    assert seen["ep"]["authorization"] == httpx.BasicAuth("k4", "")._auth_header
    assert seen["shippo"]["authorization"] == "ShippoToken k5"
    assert seen["karrio"]["authorization"] == "Token k6"
    assert seen["shopify"]["x-shopify-access-token"] == "k7"
    assert seen["woo"]["authorization"] == httpx.BasicAuth("ck", "cs")._auth_header


def test_client_urls_follow_vendor_layout(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Base URLs and paths match the vendors' documented endpoints."""
    recorder = Recorder(ok({}))
    common: dict[str, Any] = {"transport": recorder.transport, "sleep": sleeper, "policy": fast_policy}
    AfterShipClient("k", **common).get_tracking("fedex", "111")
    AfterShipClient("k", api_version="2025-01", **common).get_tracking_by_id("abc")
    ShopifyClient("shop.myshopify.com", "t", **common).get_order(450789469)
    WooCommerceClient("https://woo.example/", "ck", "cs", **common).get_order(727)
    assert [str(r.url) for r in recorder.requests] == [
        "https://api.aftership.com/v4/trackings/fedex/111",
        "https://api.aftership.com/tracking/2025-01/trackings/abc",
        "https://shop.myshopify.com/admin/api/2026-07/orders/450789469.json",
        "https://woo.example/wp-json/wc/v3/orders/727",
    ]


# ---------------------------------------------------------------- pagination


def test_aftership_v4_pages_until_count(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Legacy page/limit paging stops when page * limit reaches ``count``."""
    page = load_fixture("aftership/v4_get_trackings__aftership-sdk-java.json")

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(json.dumps(page))
        body["data"]["count"] = 5
        body["data"]["limit"] = 2
        return ok(body)

    recorder = Recorder(handler)
    pages = list(aftership(recorder, sleeper, fast_policy).iter_tracking_pages(limit=2))
    assert len(pages) == 3
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2", "3"]
    assert all(r.url.params["limit"] == "2" for r in recorder.requests)
    kind, shipments = normalize("aftership", pages[0])
    assert kind == "shipments" and len(shipments) == 3


def test_aftership_dated_versions_page_by_cursor(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """2024+ versions follow ``pagination.next_cursor`` while ``has_next_page``."""
    tracking = {"tracking_number": "1Z5R89390357567127", "slug": "ups", "tag": "InTransit"}

    def page(cursor: str | None, more: bool) -> httpx.Response:
        return ok(
            {
                "meta": {"code": 200},
                "data": {
                    "trackings": [tracking],
                    "pagination": {"total": 2, "next_cursor": cursor, "has_next_page": more},
                },
            }
        )

    recorder = Recorder(page("c2", True), page(None, False))
    client = aftership(recorder, sleeper, fast_policy, api_version="2025-01")
    assert len(list(client.iter_tracking_pages())) == 2
    assert "cursor" not in recorder.requests[0].url.params
    assert recorder.requests[1].url.params["cursor"] == "c2"


def test_easypost_pages_with_before_id(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """The next tracker page asks ``before_id`` = the last tracker's id while ``has_more``."""
    first = load_fixture("easypost/trackers_list__docs-responses.json")
    last = dict(first, has_more=False)
    recorder = Recorder(ok(first), ok(last))
    client = EasyPostClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    assert len(list(client.iter_tracker_pages(page_size=1))) == 2
    assert "before_id" not in recorder.requests[0].url.params
    assert recorder.requests[1].url.params["before_id"] == first["trackers"][-1]["id"]


def test_karrio_follows_next_links(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """DRF limit/offset pages are followed through their absolute ``next`` URL."""
    tracker = load_fixture("karrio/rest_tracker_tracking_response__server-test.json")
    nxt = "https://karrio.example/v1/trackers?limit=1&offset=1"
    recorder = Recorder(
        ok({"count": 2, "next": nxt, "results": [tracker]}), ok({"count": 2, "next": None, "results": [tracker]})
    )
    client = KarrioClient(
        "https://karrio.example", "k", transport=recorder.transport, sleep=sleeper, policy=fast_policy
    )
    assert len(list(client.iter_tracker_pages(limit=1))) == 2
    assert str(recorder.requests[1].url) == nxt


def test_shopify_follows_link_header_and_embeds_events(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Orders page through ``Link: rel="next"``; with_events attaches each fulfillment's events."""
    order = load_fixture("shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json")["order"]
    events = load_fixture("shopify/rest_2026-07_GET_fulfillment_events__docs-generated-test.json")
    nxt = "https://shop.myshopify.com/admin/api/2026-07/orders.json?page_info=abc&limit=1"

    def handler(request: httpx.Request) -> httpx.Response:
        if "events.json" in request.url.path:
            return ok(events)
        if "page_info" in request.url.params:
            return ok({"orders": []})
        return ok({"orders": [order]}, headers={"Link": f'<{nxt}>; rel="next"'})

    recorder = Recorder(handler)
    client = ShopifyClient("shop.myshopify.com", "t", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    pages = list(client.iter_order_pages(limit=1, with_events=True))
    assert len(pages) == 2
    assert recorder.requests[0].url.params["status"] == "any"
    assert recorder.requests[1].url.path.endswith("/orders/450789469/fulfillments/255858046/events.json")
    assert str(recorder.requests[2].url) == nxt
    kind, orders = normalize("shopify", pages[0])
    assert kind == "orders"
    (shipment,) = orders[0].shipments  # type: ignore[union-attr]
    assert [e.status.value for e in shipment.events] == ["in_transit"]


def test_woocommerce_pages_by_total_pages_and_tolerates_missing_extension(
    sleeper: Sleeper, fast_policy: RetryPolicy
) -> None:
    """Pages stop at X-WP-TotalPages; a 404 from the tracking extension means "not installed", asked once."""
    order = load_fixture("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json")

    def handler(request: httpx.Request) -> httpx.Response:
        if "shipment-trackings" in request.url.path:
            return ok({"code": "rest_no_route", "message": "No route", "data": {"status": 404}}, status=404)
        return ok([order, order], headers={"X-WP-TotalPages": "2"})

    recorder = Recorder(handler)
    client = WooCommerceClient(
        "https://woo.example", "ck", "cs", transport=recorder.transport, sleep=sleeper, policy=fast_policy
    )
    pages = list(client.iter_order_pages(per_page=2, with_tracking=True))
    assert len(pages) == 2
    tracking_calls = [r for r in recorder.requests if "shipment-trackings" in r.url.path]
    assert len(tracking_calls) == 1
    assert pages[0][0]["shipment_trackings"] == [] and pages[1][1]["shipment_trackings"] == []
    assert [
        r.url.params.get("page") for r in recorder.requests if "orders" in r.url.path and "shipment" not in r.url.path
    ] == ["1", "2"]


def test_17track_splits_numbers_in_batches_of_40(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """100 numbers go out as 40 + 40 + 20 and the answers are merged."""

    def handler(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        assert len(items) <= BATCH_LIMIT
        accepted = [{"number": i["number"], "carrier": 100002} for i in items[:-1]]
        rejected = [{"number": items[-1]["number"], "error": {"code": -18019902, "message": "not registered"}}]
        return ok({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    recorder = Recorder(handler)
    client = SeventeenTrackClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    merged = client.get_track_info([f"N{i:03d}" for i in range(100)])
    assert [len(json.loads(r.content)) for r in recorder.requests] == [40, 40, 20]
    assert len(merged["data"]["accepted"]) == 97 and len(merged["data"]["rejected"]) == 3
    assert all(r.url.path == "/track/v2.2/gettrackinfo" and r.method == "POST" for r in recorder.requests)


def test_17track_track_list_pages(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """gettracklist walks page_no up to page_total."""
    recorder = Recorder(lambda r: ok({"code": 0, "data": {"page": {"page_total": 3}, "accepted": []}}))
    client = SeventeenTrackClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    assert len(list(client.iter_track_list())) == 3
    assert [json.loads(r.content)["page_no"] for r in recorder.requests] == [1, 2, 3]


def test_17track_error_codes_become_typed_errors(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A bad key is AuthError, an exhausted quota RateLimitedError, the rest VendorError."""

    def answer(code: int) -> Recorder:
        return Recorder(ok({"code": code, "data": {"errors": [{"code": code, "message": "nope"}]}}))

    for code, error in ((-18010002, AuthError), (-18019908, RateLimitedError), (-18010012, VendorError)):
        client = SeventeenTrackClient("k", transport=answer(code).transport, sleep=sleeper, policy=fast_policy)
        with pytest.raises(error):
            client.get_track_info(["1Z2617V10397725789"])


# ---------------------------------------------------------------- errors, rate limits, retries


def test_401_is_auth_error_with_vendor_message(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A 401 is not retried and names the vendor's reason."""
    recorder = Recorder(ok(load_fixture("aftership/v4_error_401_invalid_api_key__pyaftership.json"), status=401))
    with pytest.raises(AuthError, match="Invalid API Key"):
        aftership(recorder, sleeper, fast_policy).get_tracking("ups", "1Z")
    assert len(recorder.requests) == 1 and sleeper.waits == []


def test_vendor_error_envelope_on_4xx(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """AfterShip's 4003 envelope on a 400 is a VendorError carrying the code."""
    recorder = Recorder(ok(load_fixture("aftership/v4_error_4003_already_exists__pyaftership.json"), status=400))
    with pytest.raises(VendorError) as caught:
        aftership(recorder, sleeper, fast_policy).create_tracking("RA123456789HK", "hong-kong-post")
    assert caught.value.code == 4003 and "already exists" in str(caught.value)
    assert json.loads(recorder.requests[0].content) == {
        "tracking": {"tracking_number": "RA123456789HK", "slug": "hong-kong-post"}
    }


def test_429_waits_retry_after_then_succeeds(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Retry-After (seconds) is slept exactly once, then the answer comes through."""
    body = load_fixture("karrio/rest_tracker_tracking_response__server-test.json")
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "7"}), ok(body))
    client = KarrioClient(
        "https://karrio.example", "k", transport=recorder.transport, sleep=sleeper, policy=fast_policy
    )
    assert client.get_tracker("1Z12345E6205277936") == body
    assert sleeper.waits == [7.0]
    assert len(recorder.requests) == 2


def test_429_http_date_retry_after(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """Retry-After as an HTTP date is turned into seconds against the injected clock."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"}), ok({}))
    client = ShopifyClient(
        "s.myshopify.com",
        "t",
        transport=recorder.transport,
        sleep=sleeper,
        policy=fast_policy,
        clock=lambda: 1445412480.0,
    )  # 07:28:00
    client.get_order(1)
    assert sleeper.waits == [10.0]


def test_aftership_429_waits_until_rate_limit_reset(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """AfterShip sends no Retry-After: the wait is X-RateLimit-Reset minus now."""
    now = 1_700_000_000.0
    limited = httpx.Response(
        429,
        json={"meta": {"code": 429, "type": "TooManyRequests"}},
        headers={"X-RateLimit-Reset": str(int(now) + 3), "X-RateLimit-Remaining": "0"},
    )
    recorder = Recorder(limited, ok(load_fixture("aftership/v4_last_checkpoint__aftership-sdk-java.json")))
    client = aftership(recorder, sleeper, fast_policy, clock=lambda: now)
    assert client.last_checkpoint("fedex", "111111111111")["data"]["slug"] == "fedex"
    assert sleeper.waits == [3.0]


def test_429_longer_than_max_wait_defers_instead_of_sleeping(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A long Retry-After becomes RateLimitedError(retry_after) for the coordinator: no sleep, no retry."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}))
    client = ShippoClient("t", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    with pytest.raises(RateLimitedError) as caught:
        client.get_track("usps", "9205590164917312751089")
    assert caught.value.retry_after == 3600.0 and sleeper.waits == [] and len(recorder.requests) == 1


def test_persistent_429_gives_up_as_rate_limited(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """When every attempt is rate limited, the error says so (with the last wait asked)."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "2"}))
    client = EasyPostClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    with pytest.raises(RateLimitedError) as caught:
        client.get_tracker("trk_1")
    assert caught.value.retry_after == 2.0
    assert len(recorder.requests) == 3 and sleeper.waits == [2.0, 2.0]


def test_5xx_is_retried_with_backoff_then_unavailable(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """503 three times: two backoff sleeps, then SourceUnavailableError."""
    recorder = Recorder(httpx.Response(503))
    client = EasyPostClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    with pytest.raises(SourceUnavailableError, match="503"):
        client.get_tracker("trk_1")
    assert len(recorder.requests) == 3
    assert len(sleeper.waits) == 2 and all(0 <= w <= fast_policy.backoff_max for w in sleeper.waits)


def test_5xx_then_success(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A transient 502 is retried and the good answer returned."""
    recorder = Recorder(httpx.Response(502), ok({"code": 0, "data": {"accepted": [], "rejected": []}}))
    client = SeventeenTrackClient("k", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    assert client.get_track_info(["X"])["code"] == 0
    assert len(recorder.requests) == 2 and len(sleeper.waits) == 1


@pytest.mark.parametrize("fault", [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.ConnectError("down")])
def test_timeouts_and_network_faults_become_unavailable(
    fault: Exception, sleeper: Sleeper, fast_policy: RetryPolicy
) -> None:
    """Timeouts and refused connections are retried, then SourceUnavailableError (httpx error chained)."""
    recorder = Recorder(fault)
    client = ShippoClient("t", transport=recorder.transport, sleep=sleeper, policy=fast_policy)
    with pytest.raises(SourceUnavailableError) as caught:
        client.get_track("usps", "1")
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert len(recorder.requests) == 3


def test_malformed_json_is_payload_error(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A 200 that is not JSON is a PayloadError, not a crash."""
    recorder = Recorder(httpx.Response(200, text="<html>maintenance</html>"))
    client = KarrioClient(
        "https://karrio.example", "k", transport=recorder.transport, sleep=sleeper, policy=fast_policy
    )
    with pytest.raises(PayloadError):
        client.get_tracker("x")


def test_unexpected_shape_is_payload_error(sleeper: Sleeper, fast_policy: RetryPolicy) -> None:
    """A JSON array where an object is expected is a PayloadError naming the endpoint."""
    recorder = Recorder(ok([1, 2]))
    with pytest.raises(PayloadError, match="GET /trackings"):
        list(aftership(recorder, sleeper, fast_policy).iter_tracking_pages())
