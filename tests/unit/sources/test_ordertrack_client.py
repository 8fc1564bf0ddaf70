"""The backend API client on the shared HttpSource: bearer token, ETag/304, cursor, retries, typed errors, SSE."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sources_helpers import Recorder, Sleeper

from services.domain import AuthError, ConfigError, PayloadError, RateLimitedError, SourceUnavailableError
from services.sources.http import HttpSource
from services.sources.ordertrack.client import OrdertrackClient

URL = "http://backend.test"
PAGE = {"orders": [], "next_cursor": "c2", "has_more": False}


def client(recorder: Recorder, sleeper: Sleeper, token: str | None = "tok", **kwargs: Any) -> OrdertrackClient:
    """A backend client on the recorder's transport, never sleeping for real."""
    return OrdertrackClient(URL, token, transport=recorder.transport, sleep=sleeper, **kwargs)


def test_stands_on_the_shared_http_base() -> None:
    """The retry/backoff/429 logic lives in HttpSource only."""
    assert issubclass(OrdertrackClient, HttpSource)
    assert "_request" not in vars(OrdertrackClient) and "request" not in vars(OrdertrackClient)


def test_bearer_token_cursor_and_etag_are_sent(sleeper: Sleeper) -> None:
    """GET /v1/orders carries the bearer token, updated_since, limit and If-None-Match."""
    recorder = Recorder(httpx.Response(200, json=PAGE, headers={"ETag": '"v2"'}))
    with client(recorder, sleeper) as c:
        answer = c.fetch_orders("c1", limit=25, etag='"v1"')
    [request] = recorder.requests
    assert request.url.path == "/v1/orders"
    assert dict(request.url.params) == {"limit": "25", "updated_since": "c1"}
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["If-None-Match"] == '"v1"'
    assert answer.body == PAGE and answer.etag == '"v2"' and not answer.not_modified


def test_no_token_no_authorization_header(sleeper: Sleeper) -> None:
    """Without a token (an open demo) no Authorization header goes out; no cursor, no If-None-Match."""
    recorder = Recorder(httpx.Response(200, json=PAGE))
    with client(recorder, sleeper, token=None) as c:
        c.fetch_orders(None)
    [request] = recorder.requests
    assert "Authorization" not in request.headers and "If-None-Match" not in request.headers
    assert "updated_since" not in request.url.params


def test_304_is_not_modified_in_one_request(sleeper: Sleeper) -> None:
    """A 304 answer is `not_modified`, keeps the etag and costs exactly one request."""
    recorder = Recorder(httpx.Response(304))
    with client(recorder, sleeper) as c:
        answer = c.fetch_orders("c1", etag='"v1"')
        assert answer.not_modified and answer.body is None and answer.etag == '"v1"'
        assert c.requests_sent == 1 and len(recorder.requests) == 1
    assert sleeper.waits == []


def test_rejected_token_is_auth_error_without_retry(sleeper: Sleeper) -> None:
    """401 is AuthError with the same message as before (the CLI prints it), after one request."""
    recorder = Recorder(httpx.Response(401, json={"error": "invalid token"}))
    with client(recorder, sleeper) as c, pytest.raises(AuthError) as caught:
        c.fetch_orders(None)
    assert str(caught.value) == f"{URL}: the server rejected the token (401)"
    assert len(recorder.requests) == 1


def test_429_waits_as_asked_then_succeeds(sleeper: Sleeper) -> None:
    """429 with Retry-After sleeps that long, then the retry's answer is used."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json=PAGE))
    with client(recorder, sleeper) as c:
        assert c.fetch_orders(None).body == PAGE
        assert c.requests_sent == 2
    assert sleeper.waits == [2.0]


def test_persistent_429_is_rate_limited_with_retry_after(sleeper: Sleeper) -> None:
    """Every attempt rate limited: RateLimitedError carrying the wait, after max_attempts requests."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "1"}))
    with client(recorder, sleeper, max_attempts=2) as c, pytest.raises(RateLimitedError) as caught:
        c.fetch_orders(None)
    assert caught.value.retry_after == 1.0 and str(caught.value) == f"{URL}: rate limited (429)"
    assert len(recorder.requests) == 2 and sleeper.waits == [1.0]


def test_long_retry_after_defers_instead_of_sleeping(sleeper: Sleeper) -> None:
    """A Retry-After above 30 s is not slept: the coordinator defers the next poll."""
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "120"}))
    with client(recorder, sleeper) as c, pytest.raises(RateLimitedError) as caught:
        c.fetch_orders(None)
    assert caught.value.retry_after == 120.0 and sleeper.waits == [] and len(recorder.requests) == 1


def test_503_honours_retry_after_then_5xx_gives_up(sleeper: Sleeper) -> None:
    """A 503 with Retry-After waits as asked; persistent 5xx ends as SourceUnavailableError."""
    recorder = Recorder(httpx.Response(503, headers={"Retry-After": "3"}), httpx.Response(500))
    with client(recorder, sleeper, max_attempts=3) as c, pytest.raises(SourceUnavailableError) as caught:
        c.fetch_orders(None)
    assert str(caught.value) == f"{URL}: server error 500"
    assert len(recorder.requests) == 3 and sleeper.waits[0] == 3.0 and len(sleeper.waits) == 2


@pytest.mark.parametrize(
    ("fault", "message"),
    [(httpx.ReadTimeout("slow"), "timed out (ReadTimeout)"), (httpx.ConnectError("down"), "cannot connect")],
)
def test_network_faults_retry_then_unavailable(sleeper: Sleeper, fault: Exception, message: str) -> None:
    """Timeouts and refused connections are retried, then SourceUnavailableError naming the server."""
    recorder = Recorder(fault)
    with client(recorder, sleeper, max_attempts=2) as c, pytest.raises(SourceUnavailableError) as caught:
        c.fetch_orders(None)
    assert str(caught.value).startswith(f"{URL}: {message}")
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert len(recorder.requests) == 2


def test_unexpected_4xx_is_unavailable_with_the_path(sleeper: Sleeper) -> None:
    """A 400 is not the backend API speaking: SourceUnavailableError naming the status and path."""
    recorder = Recorder(httpx.Response(400, json={"error": "bad"}))
    with client(recorder, sleeper) as c, pytest.raises(SourceUnavailableError) as caught:
        c.fetch_orders(None)
    assert str(caught.value) == f"{URL}: unexpected status 400 for /v1/orders"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.Response(200, text="<html/>", headers={"content-type": "text/html"}), "expected JSON from /v1/orders"),
        (
            httpx.Response(200, content=b"{", headers={"content-type": "application/json"}),
            "malformed JSON from /v1/orders",
        ),
        (httpx.Response(200, json=[1]), "expected a JSON object from /v1/orders"),
    ],
)
def test_bad_bodies_are_payload_errors(sleeper: Sleeper, answer: httpx.Response, message: str) -> None:
    """A wrong content type, broken JSON or a non-object body is a PayloadError (messages as before)."""
    with client(Recorder(answer), sleeper) as c, pytest.raises(PayloadError) as caught:
        c.fetch_orders(None)
    assert str(caught.value).startswith(message)


def test_fetch_order_404_is_none(sleeper: Sleeper) -> None:
    """GET /v1/orders/{n}: the order, or None when the server does not know it (no retry)."""
    recorder = Recorder(
        httpx.Response(404, json={"error": "not found"}), httpx.Response(200, json={"order_number": "A"})
    )
    with client(recorder, sleeper) as c:
        assert c.fetch_order("X") is None
        assert c.fetch_order("A") == {"order_number": "A"}
    assert [r.url.path for r in recorder.requests] == ["/v1/orders/X", "/v1/orders/A"]


def test_token_that_cannot_be_a_header_is_config_error() -> None:
    """A token with newlines or non-ASCII characters is refused up front."""
    with pytest.raises(ConfigError, match="cannot be sent in an HTTP header"):
        OrdertrackClient(URL, "bad\ntoken")


def test_stream_resumes_with_last_event_id(sleeper: Sleeper) -> None:
    """/v1/stream is asked with Last-Event-ID and yields the events with their ids."""
    body = b'id: 7\nevent: shipment.updated\ndata: {}\n\nid: 8\nevent: order.updated\ndata: {"a": 1}\n\n'
    recorder = Recorder(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    with client(recorder, sleeper) as c:
        messages = list(c.stream("6"))
    [request] = recorder.requests
    assert request.url.path == "/v1/stream"
    assert request.headers["Last-Event-ID"] == "6" and request.headers["Authorization"] == "Bearer tok"
    assert [(m.id, m.event, m.data) for m in messages] == [
        ("7", "shipment.updated", "{}"),
        ("8", "order.updated", '{"a": 1}'),
    ]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (httpx.Response(401), AuthError, "the server rejected the token"),
        (httpx.Response(429, headers={"Retry-After": "9"}), RateLimitedError, "stream rate limited (429)"),
        (httpx.Response(500), SourceUnavailableError, "stream answered 500"),
    ],
)
def test_stream_refusals_are_typed(
    sleeper: Sleeper, answer: httpx.Response, error: type[Exception], message: str
) -> None:
    """A refused stream raises the same typed errors as before (the push listener reacts to each)."""
    with client(Recorder(answer), sleeper) as c, pytest.raises(error) as caught:
        list(c.stream(None))
    assert str(caught.value) == f"{URL}: {message}"
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 9.0
