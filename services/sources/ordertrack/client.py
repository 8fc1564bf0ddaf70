"""HTTP client of the backend API (HTTP only: no mapping, no storage).

    OrdertrackClient(base_url, token)          on the shared HttpSource (retries, Retry-After, typed errors)
        fetch_orders(cursor, etag=...)  ──GET /v1/orders?updated_since=&limit= (If-None-Match)──> body | 304
        fetch_order(number)             ──GET /v1/orders/{n}──> body | None (404)
        stream(last_event_id)           ──GET /v1/stream (Last-Event-ID)──> Server-Sent Events

Every foreign error is translated here or in HttpSource: 401/403 -> AuthError, 429 -> RateLimitedError
(after the Retry-After waits allowed), network faults / 5xx -> SourceUnavailableError, a body that is not
the expected JSON -> PayloadError. Messages name the server by its URL.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx

from services.domain import AuthError, ConfigError, PayloadError, RateLimitedError, SourceError, SourceUnavailableError

from ..http import HttpSource, RetryPolicy, shared_transport
from ..limits import decoded_chunks
from ..sse import MAX_SSE_EVENT, MAX_SSE_LINE, SSEDecoder

MAX_RETRY_AFTER = 30.0
"""The longest Retry-After slept; a longer one defers the next sync instead."""
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_POLICY = RetryPolicy(max_attempts=4, max_wait=MAX_RETRY_AFTER, backoff=0.2, backoff_max=5.0)


@dataclass(frozen=True, slots=True)
class OrdersResponse:
    """One ``GET /v1/orders`` answer: a JSON body, or ``not_modified`` (304)."""

    body: dict[str, Any] | None
    etag: str | None
    not_modified: bool


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One Server-Sent Event from ``/v1/stream``."""

    id: str | None
    event: str
    data: str


class OrdertrackClient(HttpSource):
    """Talk to a server speaking the backend API (our own, or the embedded demo)."""

    vendor = "ordertrack"
    max_sse_line = MAX_SSE_LINE
    """The longest event-stream line read (``TooLargeError`` past it: the stream is dropped)."""
    max_sse_event = MAX_SSE_EVENT
    """The most data one pushed event may carry."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_POLICY.max_attempts,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if token and not (token.isascii() and token.isprintable()):
            raise ConfigError("the API token has characters that cannot be sent in an HTTP header")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        policy = policy or replace(DEFAULT_POLICY, max_attempts=max_attempts)
        super().__init__(
            base_url,
            headers=headers,
            transport=transport or shared_transport(retries=1),
            timeout=timeout,
            policy=policy,
            sleep=sleep,
            clock=clock,
        )

    @property
    def label(self) -> str:
        """Name the server by its URL in error messages (a user may configure several)."""
        return self.base_url

    def auth_error(self, response: httpx.Response) -> SourceError:
        """A rejected bearer token."""
        return AuthError(f"{self.label}: the server rejected the token ({response.status_code})")

    def error_for_response(self, response: httpx.Response) -> SourceError:
        """Any other 4xx: the server does not answer as the backend API should."""
        return SourceUnavailableError(
            f"{self.label}: unexpected status {response.status_code} for {response.request.url.path}"
        )

    def json(self, response: httpx.Response) -> Any:
        """Decode a JSON body (the content type must say JSON) or raise ``PayloadError``."""
        ctype = response.headers.get("content-type", "")
        if "json" not in ctype:
            raise PayloadError(f"expected JSON from {response.request.url.path}, got {ctype or 'no content type'!r}")
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise PayloadError(f"malformed JSON from {response.request.url.path}: {err}") from err

    def _object(self, response: httpx.Response) -> dict[str, Any]:
        body = self.json(response)
        if not isinstance(body, dict):
            raise PayloadError(f"expected a JSON object from {response.request.url.path}")
        return body

    def fetch_orders(self, cursor: str | None, *, limit: int = 200, etag: str | None = None) -> OrdersResponse:
        """``GET /v1/orders`` from ``cursor``; a matching ``etag`` may give ``not_modified``."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["updated_since"] = cursor
        headers = {"If-None-Match": etag} if etag else {}
        response = self.request("GET", "/v1/orders", params=params, headers=headers)
        if response.status_code == 304:
            return OrdersResponse(body=None, etag=etag, not_modified=True)
        if response.status_code != 200:
            raise SourceUnavailableError(f"{self.label}: unexpected status {response.status_code} for /v1/orders")
        return OrdersResponse(body=self._object(response), etag=response.headers.get("ETag"), not_modified=False)

    def fetch_order(self, order_number: str) -> dict[str, Any] | None:
        """``GET /v1/orders/{n}``; None when the server does not know it."""
        response = self.request("GET", f"/v1/orders/{order_number}", accept=(404,))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceUnavailableError(f"{self.label}: unexpected status {response.status_code}")
        return self._object(response)

    def stream(
        self,
        last_event_id: str | None = None,
        *,
        read_timeout: float = 60.0,
        on_open: Callable[[Callable[[], None]], None] | None = None,
    ) -> Iterator[StreamMessage]:
        """Yield Server-Sent Events from ``/v1/stream``, resuming after ``last_event_id``.

        ``on_open`` receives, once the server accepted the stream, a function that aborts the stream from another thread
        (the blocked read then ends at once instead of waiting for the read timeout).
        """
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(connect=5.0, read=read_timeout, write=5.0, pool=5.0)
        try:
            with self._client.stream("GET", "/v1/stream", headers=headers, timeout=timeout) as response:
                status = response.status_code
                if status in (401, 403):
                    raise AuthError(f"{self.label}: the server rejected the token")
                if status == 429:
                    wait = self.rate_limit_wait(response)
                    raise RateLimitedError(f"{self.label}: stream rate limited (429)", retry_after=wait)
                if status != 200:
                    raise SourceUnavailableError(f"{self.label}: stream answered {status}")
                ctype = response.headers.get("content-type", "")
                if "text/event-stream" not in ctype:
                    raise PayloadError(f"{self.label}: not an event stream (content type {ctype or 'missing'!r})")
                if on_open is not None:
                    on_open(_aborter(response))
                decoder = SSEDecoder(max_line=self.max_sse_line, max_event=self.max_sse_event)
                for chunk in decoded_chunks(response):
                    try:
                        events = decoder.feed(chunk)
                    except PayloadError as err:
                        raise type(err)(f"{self.label}: {err.message}") from err
                    for sse in events:
                        yield StreamMessage(id=sse.id or None, event=sse.event, data=sse.data)
        except httpx.TransportError as err:
            raise SourceUnavailableError(f"{self.label}: stream interrupted ({type(err).__name__})") from err


def _aborter(response: httpx.Response) -> Callable[[], None]:
    """Return a function that shuts the response's socket down (wakes a read blocked in another thread)."""
    stream = response.extensions.get("network_stream")

    def abort() -> None:
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    return abort
