"""A real HTTP server on 127.0.0.1 replaying the vendors' documented payloads (fixtures/vendor/).

One Starlette app serves every vendor under its own prefix, checking each vendor's auth header:

    /shop/admin/api/2026-07/...   Shopify     X-Shopify-Access-Token
    /woo/wp-json/...              WooCommerce HTTP Basic consumer key / secret
    /aftership/v4/...             AfterShip   aftership-api-key
    /17track/...                  17TRACK     17token (POST, JSON arrays of at most 40)

Replayed as documented, with two marked test variants: Shopify page 2 is the documented order
again under id 450789470 / "#1002" whose fulfillment carries the 17TRACK fixture's UPS number (so a
17TRACK refresh has a cached shipment to attach to), and the AfterShip single-tracking answer is the
documented FedEx delivered tracking re-addressed to the slug and number asked for.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
import time
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.paths import VENDOR_FIXTURES

FIXTURES = VENDOR_FIXTURES
SHOPIFY_TOKEN = "shpat_replay_0123456789"
WOO_KEY, WOO_SECRET = "ck_replay_key", "cs_replay_secret"
AFTERSHIP_KEY = "as_replay_key"
SEVENTEEN_KEY = "st_replay_key"
SEVENTEEN_NUMBER = "1Z2617V10397725789"
AFTERSHIP_KNOWN = "1Z1234512345123456"
WOO_DENIED = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list.", "data": {"status": 401}}


def fixture(relative: str) -> Any:
    """Return a decoded fixture file (a fresh copy each call)."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@dataclass
class Hit:
    """One request the server answered (no header values are kept)."""

    vendor: str
    method: str
    path: str
    query: str
    authorized: bool
    body: Any = None


@dataclass
class ReplayState:
    """What the server saw, for assertions."""

    hits: list[Hit] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)

    def of(self, vendor: str) -> list[Hit]:
        """Return the requests sent to one vendor."""
        return [h for h in self.hits if h.vendor == vendor]


def _shopify_orders() -> list[dict[str, Any]]:
    first = fixture("shopify/rest_2026-07_GET_orders_450789469__docs-generated-test.json")["order"]
    second = copy.deepcopy(first)
    second.update(id=450789470, name="#1002", order_number=1002, updated_at="2008-01-11T10:00:00-05:00")
    for fulfillment in second.get("fulfillments") or []:
        fulfillment.update(
            id=int(fulfillment["id"]) + 1,
            tracking_company="UPS",
            tracking_number=SEVENTEEN_NUMBER,
            tracking_numbers=[SEVENTEEN_NUMBER],
            tracking_url=None,
            tracking_urls=[],
        )
    return [first, second]


def build_app(state: ReplayState) -> Starlette:
    """Return the replay app recording into ``state``."""
    orders = _shopify_orders()
    basic = "Basic " + b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()

    async def record(request: Request, vendor: str, authorized: bool) -> Hit:
        body = None
        if request.method == "POST":
            body = json.loads(await request.body() or b"null")
        hit = Hit(vendor, request.method, request.url.path, request.url.query, authorized, body)
        state.hits.append(hit)
        return hit

    def denied(vendor: str) -> Response:
        if vendor == "aftership":
            return JSONResponse({"meta": {"code": 401, "message": "Invalid API Key.", "type": "Unauthorized"}}, 401)
        return JSONResponse({"errors": "[API] Invalid API key or access token"}, 401)

    async def shopify_orders(request: Request) -> Response:
        ok = request.headers.get("X-Shopify-Access-Token") == SHOPIFY_TOKEN
        await record(request, "shopify", ok)
        if not ok:
            return denied("shopify")
        if request.query_params.get("page_info") == "p2":
            return JSONResponse({"orders": [orders[1]]})
        since = request.query_params.get("updated_at_min")
        chosen = [o for o in orders if since is None or _instant(o["updated_at"]) >= _instant(since)]
        headers = {}
        if since is None:
            chosen = chosen[:1]
            nxt = f"{request.url.scheme}://{request.url.netloc}{request.url.path}?limit=250&page_info=p2"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return JSONResponse({"orders": chosen}, headers=headers)

    async def shopify_events(request: Request) -> Response:
        ok = request.headers.get("X-Shopify-Access-Token") == SHOPIFY_TOKEN
        await record(request, "shopify", ok)
        if not ok:
            return denied("shopify")
        return JSONResponse(fixture("shopify/rest_2026-07_GET_fulfillment_events__docs-generated-test.json"))

    async def woo_orders(request: Request) -> Response:
        ok = request.headers.get("Authorization") == basic
        await record(request, "woocommerce", ok)
        if not ok:
            return JSONResponse(WOO_DENIED, 401)
        order = fixture("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json")
        after = request.query_params.get("modified_after")
        chosen = [order] if after is None or order["date_modified_gmt"] > after else []
        return JSONResponse(chosen, headers={"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": "1"})

    async def woo_trackings(request: Request) -> Response:
        ok = request.headers.get("Authorization") == basic
        await record(request, "woocommerce", ok)
        if not ok:
            return JSONResponse(WOO_DENIED, 401)
        return JSONResponse([fixture("woocommerce/shipment-tracking_POST_create_response__extension-docs.json")])

    async def aftership_list(request: Request) -> Response:
        ok = request.headers.get("aftership-api-key") == AFTERSHIP_KEY
        await record(request, "aftership", ok)
        if not ok:
            return denied("aftership")
        return JSONResponse(fixture("aftership/v4_get_trackings__aftership-sdk-java.json"))

    async def aftership_one(request: Request) -> Response:
        ok = request.headers.get("aftership-api-key") == AFTERSHIP_KEY
        await record(request, "aftership", ok)
        if not ok:
            return denied("aftership")
        slug, number = request.path_params["slug"], request.path_params["number"]
        if number != AFTERSHIP_KNOWN:
            return JSONResponse({"meta": {"code": 4004, "message": "Tracking does not exist."}}, 404)
        body = fixture("aftership/v4_get_tracking_delivered_fedex__aftership-sdk-java.json")
        body["data"]["tracking"].update(slug=slug, tracking_number=number)
        return JSONResponse(body)

    async def seventeen(request: Request) -> Response:
        ok = request.headers.get("17token") == SEVENTEEN_KEY
        hit = await record(request, "17track", ok)
        if not ok:
            return JSONResponse({"code": -18010002, "data": {"errors": [{"code": -18010002, "message": "bad key"}]}})
        items = hit.body if isinstance(hit.body, list) else []
        if len(items) > 40:
            return JSONResponse({"code": -18010014, "data": {"errors": [{"code": -18010014, "message": ">40"}]}})
        accepted: list[Any] = []
        rejected: list[Any] = []
        endpoint = request.path_params["endpoint"]
        for item in items:
            number = item.get("number")
            if endpoint == "register":
                state.registered.append(number)
                accepted.append({"origin": 1, "number": number, "carrier": 0, "tag": None})
            elif number == SEVENTEEN_NUMBER:
                data = fixture("17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json")["data"]
                accepted.append(data)
            else:
                rejected.append({"number": number, "error": {"code": -18019902, "message": "not registered"}})
        return JSONResponse({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    return Starlette(
        routes=[
            Route("/shop/admin/api/2026-07/orders.json", shopify_orders),
            Route("/shop/admin/api/2026-07/orders/{oid}/fulfillments/{fid}/events.json", shopify_events),
            Route("/woo/wp-json/wc/v3/orders", woo_orders),
            Route("/woo/wp-json/wc-shipment-tracking/v3/orders/{oid}/shipment-trackings", woo_trackings),
            Route("/aftership/v4/trackings", aftership_list),
            Route("/aftership/v4/trackings/{slug}/{number}", aftership_one),
            Route("/17track/{endpoint}", seventeen, methods=["POST"]),
        ]
    )


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class ReplayServer:
    """The replay app served by uvicorn in a daemon thread on a free loopback port."""

    def __init__(self) -> None:
        self.state = ReplayState()
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> ReplayServer:
        """Bind, serve, and return once connections are accepted."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.state), log_config=None, log_level="warning", access_log=False, lifespan="off"
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the replay server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Shut down and join the server thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
