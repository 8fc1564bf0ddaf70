"""The demo checks what it is sent: hostile values are a 4xx with a clear JSON error, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from services.demo import DemoServer

TOKEN = "in-t0k"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(orders=20, seed=6, token=TOKEN, tick_seconds=3600) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as c:
        yield c


def _tracking(server: DemoServer) -> str:
    return server.data.orders[1].shipments[0].tracking_number


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return str(error["message"])


def test_event_dated_9999_is_refused_and_the_ticker_keeps_working(
    server: DemoServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """An event in year 9999 is refused (400: outside the instants any source may send, 1970-2099; 422:
    a valid instant far from the demo's clock); publishing due events (the ticker's job) still works after it."""
    before = server.state.last_event_id
    for stamp in ("9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"):
        response = client.post(
            f"/_demo/shipments/{_tracking(server)}/events", json={"status": "in_transit", "occurred_at": stamp}
        )
        assert "outside 1970..2099" in _error(response, 400, "bad_request")
    later = {"status": "in_transit", "occurred_at": "2090-01-01T00:00:00Z"}
    response = client.post(f"/_demo/shipments/{_tracking(server)}/events", json=later)
    assert "outside the accepted range" in _error(response, 422, "invalid_event")
    with pytest.raises(ValueError, match="outside the accepted range"):
        server.state.add_event(_tracking(server), "in_transit", occurred_at=datetime(9999, 12, 31, tzinfo=UTC))
    assert server.state.last_event_id == before
    with caplog.at_level(logging.ERROR):
        server.state.publish_due()  # what the ticker runs every tick: raised OverflowError forever before
        assert server.advance(60)[1] >= 0
    assert client.post(f"/_demo/shipments/{_tracking(server)}/events", json={"status": "in_transit"}).status_code == 201
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "not a time", "9" * 5000])
def test_event_at_the_ends_of_time_or_garbage_is_refused(server: DemoServer, client: httpx.Client, stamp: str) -> None:
    """Year 1 with an offset (OverflowError before), year 1, garbage, a huge string: 4xx, no event."""
    before = server.state.last_event_id
    response = client.post(
        f"/_demo/shipments/{_tracking(server)}/events", json={"status": "in_transit", "occurred_at": stamp}
    )
    assert 400 <= response.status_code < 500 and response.json()["error"]["message"]
    assert server.state.last_event_id == before


@pytest.mark.parametrize(
    "value", [b"9" * 5000, b"12345678901234567890", b"-1", "²".encode("latin-1"), "١٢".encode(), b"1.5", b"abc"]
)
def test_hostile_last_event_id_is_a_400(server: DemoServer, client: httpx.Client, value: bytes) -> None:
    """A 5000-digit (or non-ASCII-digit, negative, fractional) Last-Event-ID is a 400 JSON error, not a 500."""
    response = client.get("/v1/stream", headers={"Last-Event-ID": value})
    message = _error(response, 400, "bad_last_event_id")
    assert len(message) < 200


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "-1", "1e999", "86401", "true", '"5"'])
def test_hostile_retry_after_is_a_400_and_arms_nothing(client: httpx.Client, raw: str) -> None:
    """A NaN/inf/negative/huge retry_after is refused; the next API request is served normally."""
    body = f'{{"status": 429, "count": 1, "retry_after": {raw}, "paths": "/v1/orders"}}'
    response = client.post("/_demo/faults", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert client.get("/v1/orders", params={"limit": 1}).status_code == 200


def test_retry_after_in_range_is_sent_as_whole_seconds(client: httpx.Client) -> None:
    """A fractional retry_after within range is armed and sent rounded up."""
    armed = client.post("/_demo/faults", json={"status": 429, "count": 1, "retry_after": 0.2, "paths": "/v1/orders"})
    assert armed.status_code == 201
    limited = client.get("/v1/orders", params={"limit": 1})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 60_000, 400),  # nesting deep enough to exhaust the parser's recursion
        (b'{"status": "in_transit", "description": "' + b"x" * 70_000 + b'"}', 413),
        (b'{"status": "in_transit", "description": "Pay\\u202e at evil"}', 400),
        (b'{"status": "in_transit", "location": "Berlin\\r\\nBcc: x"}', 400),
        (b'{"status": "in_transit", "description": "\\ud800"}', 400),
        (b'{"status": "in_transit", "description": "' + b"x" * 1001 + b'"}', 400),
        (b"\xff\xfe\x00", 400),
        (b"1" * 5000, 400),
        (b'{"status": 7}', 400),
    ],
)
def test_hostile_event_bodies_are_4xx(server: DemoServer, client: httpx.Client, body: bytes, status: int) -> None:
    """Deep nesting, oversize bodies, control/bidi/surrogate characters, bad encodings: 4xx, nothing stored."""
    before = server.state.last_event_id
    response = client.post(
        f"/_demo/shipments/{_tracking(server)}/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert server.state.last_event_id == before


@pytest.mark.parametrize("minutes", ["nan", "inf", "-5", "1e308", "9" * 5000])
def test_hostile_advance_is_a_400(client: httpx.Client, minutes: str) -> None:
    """advance refuses NaN, infinity, negative and huge minutes."""
    _error(client.post("/_demo/advance", params={"minutes": minutes}, json={}), 400, "bad_request")


def test_advancing_past_the_calendar_is_refused(server: DemoServer, client: httpx.Client) -> None:
    """Repeated maximal advances stop with a 422 long before datetime overflows; the server keeps working."""
    codes = []
    for _ in range(12):
        codes.append(client.post("/_demo/advance", params={"minutes": 5_256_000}, json={}).status_code)
    assert 422 in codes and 500 not in codes
    server.state.publish_due()
    assert client.get("/_demo/health").status_code == 200
