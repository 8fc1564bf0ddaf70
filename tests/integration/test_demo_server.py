"""The embedded demo server over real HTTP on loopback: backend API, AfterShip v4 API, SSE, control."""

from __future__ import annotations

import contextlib
import inspect
import queue
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import httpx_sse
import pytest

from services.demo import DemoServer
from services.domain import ShipmentStatus, order_from_json, parse_utc

TOKEN = "demo-secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WAIT = 10.0


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    # No background ticks: the tests move time themselves, so nothing changes behind their back.
    with DemoServer(orders=150, seed=11, token=TOKEN, tick_seconds=3600) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=WAIT) as c:
        yield c


class SSEReader:
    """Read a server-sent event stream in a thread; events land in a queue the test waits on."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[httpx_sse.ServerSentEvent | Exception] = queue.Queue()
        self.opened = threading.Event()
        self.status = 0
        self._network: Any = None
        self._client = httpx.Client(timeout=httpx.Timeout(WAIT, read=60.0))
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()
        assert self.opened.wait(WAIT), "stream did not open"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            with httpx_sse.connect_sse(self._client, "GET", url, headers=headers) as source:
                self.status = source.response.status_code
                self._network = source.response.extensions.get("network_stream")
                self.opened.set()
                for event in source.iter_sse():
                    self.events.put(event)
        except Exception as err:  # the test closed the client, or the server went away
            self.events.put(err)
        finally:
            self.opened.set()

    def next(self, timeout: float = WAIT) -> httpx_sse.ServerSentEvent:
        item = self.events.get(timeout=timeout)
        assert not isinstance(item, Exception), item
        return item

    def close(self) -> None:
        # Closing the client does not wake a thread blocked in recv(); shutting the socket down does.
        sock = self._network.get_extra_info("socket") if self._network is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(WAIT)
        self._client.close()
        assert not self._thread.is_alive()


def _walk(client: httpx.Client, cursor: str | None = None, limit: int = 17) -> tuple[list[dict[str, Any]], str]:
    orders: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["updated_since"] = cursor
        response = client.get("/v1/orders", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"orders", "next_cursor", "has_more"}
        orders += body["orders"]
        cursor = body["next_cursor"]
        assert isinstance(cursor, str)
        if not body["has_more"]:
            return orders, cursor


def _open_shipment(server: DemoServer, client: httpx.Client) -> tuple[str, str, str]:
    """Return (order_number, carrier, tracking_number) of a shipment that exists right now."""
    for order in server.data.orders:
        for shipment in order.shipments:
            if shipment.status not in (ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED):
                return order.order_number, shipment.carrier, shipment.tracking_number
    raise AssertionError("no open shipment")


def test_binds_loopback_only_and_starts_fast() -> None:
    """The default host is 127.0.0.1; start() returns with the port accepting (its speed: tests/bench)."""
    assert inspect.signature(DemoServer).parameters["host"].default == "127.0.0.1"
    srv = DemoServer().start()
    try:
        assert srv.url.startswith("http://127.0.0.1:")
        assert srv._server is not None
        bound = {s.getsockname()[0] for server in srv._server.servers for s in server.sockets}
        assert bound == {"127.0.0.1"}
        health = httpx.get(f"{srv.url}/_demo/health", timeout=WAIT).json()
        assert health["ok"] is True and health["orders"] == 200
    finally:
        srv.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.url}/_demo/health", timeout=2.0)


def test_pagination_walks_every_order_exactly_once(server: DemoServer, client: httpx.Client) -> None:
    """Following next_cursor visits each order once, oldest change first; an empty page keeps the cursor."""
    orders, cursor = _walk(client)
    numbers = [o["order_number"] for o in orders]
    assert len(numbers) == len(set(numbers)) == len(server.data.orders)
    keys = [(parse_utc(o["updated_at"]), o["order_number"]) for o in orders]
    assert keys == sorted(keys)
    for raw in orders[:20]:
        order = order_from_json(raw)
        assert all(s.events == () for s in order.shipments)
        assert all(s.tracking_number and s.carrier and s.carrier_name and s.tracking_url for s in order.shipments)
    empty = client.get("/v1/orders", params={"updated_since": cursor}).json()
    assert empty == {"orders": [], "next_cursor": cursor, "has_more": False}


def test_limits_and_bad_cursor(client: httpx.Client) -> None:
    """limit defaults to 100 and caps at 500; a bad cursor or limit is a 400 JSON error."""
    assert len(client.get("/v1/orders").json()["orders"]) == 100
    assert len(client.get("/v1/orders", params={"limit": 10_000}).json()["orders"]) == 150
    bad = client.get("/v1/orders", params={"updated_since": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"
    assert client.get("/v1/orders", params={"limit": "x"}).status_code == 400
    assert client.get("/v1/orders", params={"limit": 0}).status_code == 400


def test_etag_and_not_modified(server: DemoServer, client: httpx.Client) -> None:
    """Every 200 has an ETag; sending it back gives 304 without a body until something changes."""
    first = client.get("/v1/orders", params={"limit": 5})
    etag = first.headers["ETag"]
    again = client.get("/v1/orders", params={"limit": 5}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    other_query = client.get("/v1/orders", params={"limit": 6}, headers={"If-None-Match": etag})
    assert other_query.status_code == 200 and other_query.headers["ETag"] != etag
    _, _, tracking_number = _open_shipment(server, client)
    client.post(f"/_demo/shipments/{tracking_number}/events", json={"status": "in_transit"}).raise_for_status()
    changed = client.get("/v1/orders", params={"limit": 5}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_bearer_token_is_required(server: DemoServer) -> None:
    """Without or with a wrong token: 401 with a JSON error (AfterShip routes: AfterShip's envelope); /_demo too."""
    with httpx.Client(base_url=server.url, timeout=WAIT) as anon:
        for path in ("/v1/orders", "/v1/orders/W-1", "/v1/stream"):
            response = anon.get(path)
            assert response.status_code == 401, path
            assert response.json()["error"]["code"] == "unauthorized"
        wrong = anon.get("/v1/orders", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        aftership = anon.get("/aftership/v4/trackings", headers={"aftership-api-key": "nope"})
        assert aftership.status_code == 401
        assert aftership.json() == {
            "meta": {"code": 401, "message": "Invalid API Key.", "type": "Unauthorized"},
            "data": {},
        }
        for header in ("aftership-api-key", "as-api-key"):
            assert anon.get("/aftership/v4/trackings", headers={header: TOKEN}).status_code == 200
        assert anon.get("/_demo/health").status_code == 401
        assert anon.get("/_demo/health", headers=AUTH).status_code == 200


def test_single_order_and_404(server: DemoServer, client: httpx.Client) -> None:
    """GET /v1/orders/{n} returns the order in the list shape; an unknown number is a JSON 404."""
    expected = server.state.order(server.data.orders[3].order_number)
    assert expected is not None
    response = client.get(f"/v1/orders/{expected.order_number}")
    assert response.status_code == 200 and response.headers["ETag"]
    order = order_from_json(response.json())
    assert order.order_number == expected.order_number and order.total == expected.total
    assert [s.status for s in order.shipments] == [s.status for s in expected.shipments]
    embedded = client.get(f"/v1/orders/{expected.order_number}", params={"embed": "events"}).json()
    assert [len(s["events"]) for s in embedded["shipments"]] == [len(s.events) for s in expected.shipments]
    missing = client.get("/v1/orders/W-0")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_aftership_single_tracking_shape(server: DemoServer, client: httpx.Client) -> None:
    """The v4 single-tracking answer has the real envelope and field set; checkpoint times are local."""
    now = server.data.now
    shipments = [s for p in server.data.plans for s in p.shipments if s.created_at <= now]
    with_offset = next(
        s
        for s in shipments
        if len([c for c in s.checkpoints if c.event.occurred_at <= now]) > 3 and s.checkpoints[0].event.offset_known
    )
    without = next(  # a finished one: no test posts control events to it
        s
        for s in shipments
        if s.checkpoints and not s.checkpoints[0].event.offset_known and s.checkpoints[-1].event.occurred_at <= now
    )
    body = client.get(f"/aftership/v4/trackings/{with_offset.carrier}/{with_offset.tracking_number}").json()
    assert body["meta"] == {"code": 200}
    tracking = body["data"]["tracking"]
    for key in (
        "id", "slug", "tracking_number", "tag", "subtag", "subtag_message", "expected_delivery",
        "aftership_estimated_delivery_date", "shipment_delivery_date", "courier_tracking_link", "title",
        "order_id", "checkpoints", "created_at", "updated_at",
    ):  # fmt: skip
        assert key in tracking, key
    assert tracking["slug"] == with_offset.carrier and tracking["courier_tracking_link"] == with_offset.tracking_url
    assert len(tracking["id"]) == 24
    checkpoints = tracking["checkpoints"]
    assert checkpoints and tracking["tag"] == checkpoints[-1]["tag"] and tracking["subtag"] == checkpoints[-1]["subtag"]
    for cp in checkpoints:
        for key in ("checkpoint_time", "created_at", "tag", "subtag", "subtag_message", "message", "location",
                    "city", "state", "country_iso3", "zip", "slug"):  # fmt: skip
            assert key in cp, key
        assert cp["created_at"].endswith("Z")
        assert parse_utc(cp["checkpoint_time"]) == parse_utc(cp["created_at"])
        # carrier-local time with its offset (live events to the millisecond)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,6})?[+-]\d\d:\d\d", cp["checkpoint_time"])
    flat = client.get(f"/aftership/v4/trackings/{without.carrier}/{without.tracking_number}").json()
    assert all(len(cp["checkpoint_time"]) == 19 for cp in flat["data"]["tracking"]["checkpoints"])
    missing = client.get(f"/aftership/v4/trackings/{with_offset.carrier}/1Z0000000000000000")
    assert missing.status_code == 404 and missing.json()["meta"]["code"] == 4004
    wrong_slug = client.get(f"/aftership/v4/trackings/not-{with_offset.carrier}/{with_offset.tracking_number}")
    assert wrong_slug.status_code == 404


def test_aftership_list_pages(server: DemoServer, client: httpx.Client) -> None:
    """The v4 list pages through every existing tracking with page/limit/count."""
    first = client.get("/aftership/v4/trackings", params={"page": 1, "limit": 40}).json()
    data = first["data"]
    assert first["meta"] == {"code": 200}
    assert (data["page"], data["limit"]) == (1, 40) and len(data["trackings"]) == 40
    count = data["count"]
    seen = [t["tracking_number"] for t in data["trackings"]]
    page = 2
    while len(seen) < count:
        more = client.get("/aftership/v4/trackings", params={"page": page, "limit": 40}).json()["data"]["trackings"]
        assert more
        seen += [t["tracking_number"] for t in more]
        page += 1
    assert len(seen) == len(set(seen)) == count
    existing = {s.tracking_number for o in server.state.data.plans for s in o.shipments}
    assert set(seen) <= existing
    ups = client.get("/aftership/v4/trackings", params={"slug": "ups", "limit": 200}).json()["data"]
    assert ups["count"] > 0 and {t["slug"] for t in ups["trackings"]} == {"ups"}
    delivered = client.get("/aftership/v4/trackings", params={"tag": "Delivered", "limit": 5}).json()["data"]
    assert {t["tag"] for t in delivered["trackings"]} == {"Delivered"}


def test_control_event_reaches_aftership_cursor_and_stream(server: DemoServer, client: httpx.Client) -> None:
    """A posted event shows up in AfterShip, after the current cursor, and on the SSE stream."""
    order_number, carrier, tracking_number = _open_shipment(server, client)
    _, cursor = _walk(client)
    reader = SSEReader(f"{server.url}/v1/stream", AUTH)
    try:
        assert reader.status == 200
        posted = client.post(
            f"/_demo/shipments/{tracking_number}/events",
            json={"status": "failed_attempt", "description": "Nobody home", "location": "Louisville, KY, US"},
        )
        assert posted.status_code == 201, posted.text
        created = posted.json()
        assert created["event"]["status"] == "failed_attempt" and created["order_number"] == order_number
        event = reader.next()
        assert event.event == "shipment.updated" and event.id == str(created["stream_id"])
        data = event.json()
        assert data["order_number"] == order_number and data["tracking_number"] == tracking_number
        assert data["event"]["description"] == "Nobody home" and data["status"] == "failed_attempt"
        parse_utc(data["updated_at"])
    finally:
        reader.close()
    tracking = client.get(f"/aftership/v4/trackings/{carrier}/{tracking_number}").json()["data"]["tracking"]
    assert tracking["tag"] == "AttemptFail" and tracking["checkpoints"][-1]["message"] == "Nobody home"
    assert tracking["checkpoints"][-1]["city"] == "Louisville" and tracking["checkpoints"][-1]["state"] == "KY"
    changed, _ = _walk(client, cursor)
    assert [o["order_number"] for o in changed] == [order_number]
    shipment = next(s for s in changed[0]["shipments"] if s["tracking_number"] == tracking_number)
    assert shipment["status"] == "failed_attempt" and shipment["events"] == []
    bad = client.post(f"/_demo/shipments/{tracking_number}/events", json={"status": "teleported"})
    assert bad.status_code == 422
    assert client.post("/_demo/shipments/NOPE/events", json={"status": "delivered"}).status_code == 404


def test_last_event_id_replays_only_later_events(server: DemoServer, client: httpx.Client) -> None:
    """Reconnecting with Last-Event-ID replays exactly the events after it, in order."""
    _, _, tracking_number = _open_shipment(server, client)
    ids = []
    for status in ("in_transit", "out_for_delivery", "delivered"):
        response = client.post(f"/_demo/shipments/{tracking_number}/events", json={"status": status})
        ids.append(response.json()["stream_id"])
    assert ids == sorted(ids) and len(set(ids)) == 3
    reader = SSEReader(f"{server.url}/v1/stream", {**AUTH, "Last-Event-ID": str(ids[0])})
    try:
        replayed = [reader.next(), reader.next()]
        assert [int(e.id) for e in replayed] == ids[1:]
        assert [e.json()["event"]["status"] for e in replayed] == ["out_for_delivery", "delivered"]
        assert reader.events.empty()
    finally:
        reader.close()


def test_advance_moves_shipments_forward(server: DemoServer, client: httpx.Client) -> None:
    """Advancing simulated time publishes the scheduled events that fall due, on the stream and in /v1."""
    _, cursor = _walk(client)
    due = server.state.next_due
    assert due is not None
    minutes = (due - server.state.sim_now()).total_seconds() / 60 + 120
    reader = SSEReader(f"{server.url}/v1/stream", AUTH)
    try:
        response = client.post("/_demo/advance", params={"minutes": f"{minutes:.3f}"}, json={})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["published"] >= 1 and parse_utc(body["now"]) >= due.replace(microsecond=0)
        first = reader.next()
        assert first.event in ("order.updated", "shipment.updated")
        assert int(first.id) <= body["last_event_id"]
    finally:
        reader.close()
    changed, _ = _walk(client, cursor)
    assert first.json()["order_number"] in {o["order_number"] for o in changed}
    assert client.post("/_demo/advance", params={"minutes": "soon"}, json={}).status_code == 400


def test_faults_inject_429_then_recover(server: DemoServer, client: httpx.Client) -> None:
    """POST /_demo/faults makes the next N matching requests fail; DELETE clears the rest."""
    armed = client.post("/_demo/faults", json={"status": 429, "count": 2, "retry_after": 3, "paths": "/v1/orders"})
    assert armed.status_code == 201
    for _ in range(2):
        limited = client.get("/v1/orders", params={"limit": 1})
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
        assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/v1/orders", params={"limit": 1}).status_code == 200
    client.post("/_demo/faults", json={"status": 429, "count": 1, "paths": "/aftership"}).raise_for_status()
    limited = client.get("/aftership/v4/trackings")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.json()["meta"]["type"] == "TooManyRequests"
    client.post("/_demo/faults", json={"status": 503, "count": 5}).raise_for_status()
    assert client.get("/v1/orders/W-0").status_code == 503
    cleared = client.delete("/_demo/faults").json()
    assert cleared == {"cleared": 1}
    assert client.get("/v1/orders", params={"limit": 1}).status_code == 200
    assert client.post("/_demo/faults", json={"status": 418}).status_code == 400


def test_background_ticker_publishes_events_due_in_real_time() -> None:
    """Without any request, scheduled events become visible when their (simulated) time passes."""
    with DemoServer(orders=60, seed=3, tick_seconds=0.1) as srv:
        due = srv.state.next_due
        assert due is not None
        srv.advance((due - srv.state.sim_now()).total_seconds() / 60 - 0.5 / 60)  # half a second before
        published = threading.Event()
        _, unsubscribe = srv.state.subscribe(lambda entry: published.set())
        try:
            assert published.wait(WAIT), "the ticker published nothing"
        finally:
            unsubscribe()
        assert srv.state.next_due is None or srv.state.next_due > due
