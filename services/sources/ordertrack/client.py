"""HTTP client of the backend API (HTTP only: no mapping, no storage).

Every foreign error is translated here: 401/403 -> AuthError, 429 -> RateLimitedError (after the
Retry-After waits allowed), network faults / 5xx -> SourceUnavailableError, a body that is not the
expected JSON -> PayloadError.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx_sse

from services.domain import AuthError, ConfigError, PayloadError, RateLimitedError, SourceUnavailableError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


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


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Return the Retry-After delay in seconds (number or HTTP-date form), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class OrdertrackClient:
    """Talk to a server speaking the backend API (our own, or the embedded demo)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "OrderTracking/0.1"}
        if token and not (token.isascii() and token.isprintable()):
            raise ConfigError("the API token has characters that cannot be sent in an HTTP header")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport or httpx.HTTPTransport(retries=1),
        )
        self._max_attempts = max_attempts
        self._sleep = sleep
        self.requests_sent = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> OrdertrackClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            self.requests_sent += 1
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TimeoutException as err:
                if attempt < self._max_attempts:
                    self._sleep(self._backoff(attempt))
                    continue
                raise SourceUnavailableError(f"{self.base_url}: timed out ({type(err).__name__})") from err
            except httpx.TransportError as err:
                if attempt < self._max_attempts:
                    self._sleep(self._backoff(attempt))
                    continue
                raise SourceUnavailableError(f"{self.base_url}: cannot connect ({type(err).__name__})") from err
            if response.status_code in (401, 403):
                raise AuthError(f"{self.base_url}: the server rejected the token ({response.status_code})")
            if response.status_code in RETRY_STATUSES:
                wait = retry_after_seconds(response)
                if attempt < self._max_attempts and (wait is None or wait <= MAX_RETRY_AFTER):
                    self._sleep(wait if wait is not None else self._backoff(attempt))
                    continue
                if response.status_code == 429:
                    raise RateLimitedError(f"{self.base_url}: rate limited (429)", retry_after=wait)
                raise SourceUnavailableError(f"{self.base_url}: server error {response.status_code}")
            return response

    @staticmethod
    def _backoff(attempt: int) -> float:
        return float(min(0.2 * (2 ** (attempt - 1)), 5.0))

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        ctype = response.headers.get("content-type", "")
        if "json" not in ctype:
            raise PayloadError(f"expected JSON from {response.request.url.path}, got {ctype or 'no content type'!r}")
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise PayloadError(f"malformed JSON from {response.request.url.path}: {err}") from err
        if not isinstance(body, dict):
            raise PayloadError(f"expected a JSON object from {response.request.url.path}")
        return body

    def fetch_orders(self, cursor: str | None, *, limit: int = 200, etag: str | None = None) -> OrdersResponse:
        """``GET /v1/orders`` from ``cursor``; a matching ``etag`` may give ``not_modified``."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["updated_since"] = cursor
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request("GET", "/v1/orders", params=params, headers=headers)
        if response.status_code == 304:
            return OrdersResponse(body=None, etag=etag, not_modified=True)
        if response.status_code != 200:
            raise SourceUnavailableError(f"{self.base_url}: unexpected status {response.status_code} for /v1/orders")
        return OrdersResponse(body=self._json(response), etag=response.headers.get("ETag"), not_modified=False)

    def fetch_order(self, order_number: str) -> dict[str, Any] | None:
        """``GET /v1/orders/{n}``; None when the server does not know it."""
        response = self._request("GET", f"/v1/orders/{order_number}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceUnavailableError(f"{self.base_url}: unexpected status {response.status_code}")
        return self._json(response)

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
            with httpx_sse.connect_sse(self._client, "GET", "/v1/stream", headers=headers, timeout=timeout) as source:
                if source.response.status_code in (401, 403):
                    raise AuthError(f"{self.base_url}: the server rejected the token")
                if source.response.status_code == 429:
                    wait = retry_after_seconds(source.response)
                    raise RateLimitedError(f"{self.base_url}: stream rate limited (429)", retry_after=wait)
                if source.response.status_code != 200:
                    raise SourceUnavailableError(f"{self.base_url}: stream answered {source.response.status_code}")
                if on_open is not None:
                    on_open(_aborter(source.response))
                for sse in source.iter_sse():
                    yield StreamMessage(id=sse.id or None, event=sse.event, data=sse.data)
        except httpx_sse.SSEError as err:
            raise PayloadError(f"{self.base_url}: not an event stream: {err}") from err
        except httpx.TransportError as err:
            raise SourceUnavailableError(f"{self.base_url}: stream interrupted ({type(err).__name__})") from err


def _aborter(response: httpx.Response) -> Callable[[], None]:
    """Return a function that shuts the response's socket down (wakes a read blocked in another thread)."""
    stream = response.extensions.get("network_stream")

    def abort() -> None:
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    return abort
