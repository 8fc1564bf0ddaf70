"""The HTTP base every vendor client stands on (HTTP only: no mapping, no storage).

    client method ──request()──> httpx.Client ──> vendor
         ▲   tenacity Retrying: 429 waits as the vendor says (Retry-After, X-RateLimit-Reset),
         │   5xx / timeouts / network faults back off exponentially, then give up
         └── typed errors: 401/403 AuthError · 429 RateLimitedError · 5xx, timeout, network
             SourceUnavailableError · other 4xx VendorError/AuthError (vendor envelope) ·
             a body that is not JSON PayloadError

Conditional requests need nothing special: a 304 is returned like any 2xx/3xx answer. Statuses a
caller handles itself (``accept=(404,)``) are returned instead of raised. A 503 with Retry-After
waits as asked, like a 429.

Every body is read as a stream with a running count of its *decompressed* size (limits.py): past
``max_body`` (16 MiB) the read stops with ``TooLargeError``; an error answer is read only far enough
for its message. Waits a server asks for are clamped to [0, 1 h] (NaN ignored).

A wait longer than ``RetryPolicy.max_wait`` is not slept: it becomes a ``RateLimitedError`` carrying
``retry_after`` so the coordinator defers the next poll instead. ``sleep`` and ``clock`` are
injectable so tests assert the requested waits without sleeping.
"""

from __future__ import annotations

import email.utils
import functools
import json
import ssl
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from services.domain import AuthError, PayloadError, RateLimitedError, SourceError, SourceUnavailableError

from .errors import TooLargeError, error_for_code, vendor_text
from .limits import ACCEPT_ENCODING, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, buffered, clamp_wait, read_capped

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
USER_AGENT = "OrderTracking/0.1"
MAX_PAGES = 1000
"""The most pages one listing walks (a server that always says "more" must not loop forever)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: attempts in total, the longest wait we sleep, and the backoff curve."""

    max_attempts: int = 4
    max_wait: float = 60.0
    backoff: float = 0.5
    backoff_max: float = 10.0


class _Retry(Exception):
    """Internal signal: this attempt failed in a retryable way (carries the final error)."""

    def __init__(self, error: SourceError, wait: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


def _header_seconds(value: str | None, now: float) -> float | None:
    """Parse a delay given as seconds or as an HTTP date, clamped to [0, 1 h] (None when unusable)."""
    if value is None or not value.strip() or len(value) > 100:
        return None
    try:
        return clamp_wait(float(value))
    except (ValueError, OverflowError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return clamp_wait(when.timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def reset_seconds(value: str | None, now: float) -> float | None:
    """Parse a rate-limit reset given as a Unix time, clamped to [0, 1 h] from ``now`` (None when unusable)."""
    if value is None or not value.strip() or len(value) > 100:
        return None
    try:
        return clamp_wait(float(value) - now)
    except (ValueError, OverflowError):
        return None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Return the one verifying TLS context (httpx's defaults) every client shares.

    Building one loads the CA bundle (tens of milliseconds); a sync builds its clients every time.
    """
    return httpx.create_ssl_context()


def shared_transport(retries: int = 0) -> httpx.HTTPTransport:
    """Return an HTTP transport over the shared TLS context."""
    return httpx.HTTPTransport(retries=retries, verify=tls_context())


class HttpSource:
    """A vendor API over httpx with retries, honoured rate limits and typed errors."""

    vendor = "source"
    max_body = MAX_BODY_BYTES
    """The largest decompressed answer body read (``TooLargeError`` past it)."""
    max_pages = MAX_PAGES
    """The most pages one ``iter_*_pages`` listing reads."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_body: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if max_body is not None:
            self.max_body = max_body
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._backoff = wait_exponential_jitter(multiplier=policy.backoff, max=policy.backoff_max)
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": USER_AGENT,
                **dict(headers or {}),
            },
            auth=auth,
            timeout=timeout,
            transport=transport or shared_transport(),
        )
        self.requests_sent = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ hooks for vendors

    @property
    def label(self) -> str:
        """Return how error messages name this source (the vendor by default)."""
        return self.vendor

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Return how long the vendor asked us to wait (Retry-After, else X-RateLimit-Reset), or None."""
        now = self._clock()
        wait = _header_seconds(response.headers.get("Retry-After"), now)
        if wait is not None:
            return wait
        return reset_seconds(response.headers.get("X-RateLimit-Reset"), now)

    def error_message(self, response: httpx.Response) -> str:
        """Return the vendor's error message from an error body (best effort) as one clean, short line."""
        try:
            found = _find_message(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            found = None
        return found or vendor_text(response.reason_phrase) or f"HTTP {response.status_code}"

    def error_for_response(self, response: httpx.Response) -> SourceError:
        """Translate a non-retryable 4xx answer into a typed error."""
        return error_for_code(self.vendor, response.status_code, response.status_code, self.error_message(response))

    def auth_error(self, response: httpx.Response) -> SourceError:
        """Translate a 401/403 answer into a typed error."""
        status = response.status_code
        return AuthError(f"{self.label}: credentials rejected ({status}): {self.error_message(response)}")

    def page_budget(self, pages_read: int, what: str) -> None:
        """Raise ``TooLargeError`` once a listing has read ``max_pages`` pages and the server still says "more"."""
        if pages_read >= self.max_pages:
            raise TooLargeError(
                f"{self.label}: {what} still said more pages follow after {self.max_pages} pages; stopped there"
            )

    # ------------------------------------------------------------ requests

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Retry) and exc.wait is not None:
            return exc.wait
        return float(self._backoff(state))

    def _send_once(self, method: str, url: str, accept: Collection[int], kwargs: dict[str, Any]) -> httpx.Response:
        self.requests_sent += 1
        try:
            with self._client.stream(method, url, **kwargs) as streamed:
                failed = streamed.status_code >= 400
                body = read_capped(
                    streamed,
                    MAX_ERROR_BODY_BYTES if failed else self.max_body,
                    what=f"{self.label}: the answer to {method} {streamed.request.url.path}",
                    truncate=failed,
                )
                response = buffered(streamed, body)
        except httpx.TimeoutException as err:
            raise _Retry(SourceUnavailableError(f"{self.label}: timed out ({type(err).__name__})"), None) from err
        except httpx.TransportError as err:
            raise _Retry(SourceUnavailableError(f"{self.label}: cannot connect ({type(err).__name__})"), None) from err
        status = response.status_code
        if status in accept:
            return response
        if status in (401, 403):
            raise self.auth_error(response)
        if status == 429:
            wait = self.rate_limit_wait(response)
            error = RateLimitedError(f"{self.label}: rate limited (429)", retry_after=wait)
            if wait is not None and wait > self.policy.max_wait:
                raise error
            raise _Retry(error, wait)
        if status >= 500:
            asked = _header_seconds(response.headers.get("Retry-After"), self._clock()) if status == 503 else None
            wait = asked if asked is not None and asked <= self.policy.max_wait else None
            raise _Retry(SourceUnavailableError(f"{self.label}: server error {status}"), wait)
        if status >= 400:
            raise self.error_for_response(response)
        return response

    def request(self, method: str, url: str, *, accept: Collection[int] = (), **kwargs: Any) -> httpx.Response:
        """Send one request with the retry policy; return the (2xx/3xx) response or raise a typed error.

        A status in ``accept`` (e.g. 404 for "unknown") is returned to the caller instead of raised.
        """
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        response: httpx.Response | None = None
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send_once(method, url, accept, kwargs)
        except _Retry as final:
            raise final.error from final.__cause__
        if response is None:  # pragma: no cover - tenacity either returned a result or raised
            raise SourceUnavailableError(f"{self.vendor}: no response")
        return response

    def json(self, response: httpx.Response) -> Any:
        """Decode a JSON body or raise ``PayloadError``."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as err:
            raise PayloadError(f"{self.vendor}: malformed JSON from {response.request.url.path}") from err

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET ``url`` and return its decoded JSON body."""
        return self.json(self.request("GET", url, **kwargs))

    def post_json(self, url: str, body: object, **kwargs: Any) -> Any:
        """POST a JSON body to ``url`` and return the decoded JSON answer."""
        return self.json(self.request("POST", url, json=body, **kwargs))


def _find_message(body: object) -> str | None:
    """Dig the human message out of the usual vendor error envelopes (one clean line, cut to a sane length)."""
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error_description"):
            value = body.get(key)
            if isinstance(value, str) and vendor_text(value):
                return vendor_text(value)
        for key in ("meta", "error", "errors", "data"):
            found = _find_message(body.get(key))
            if found:
                return found
        errors = body.get("errors")
        if isinstance(errors, str) and vendor_text(errors):
            return vendor_text(errors)
    if isinstance(body, list) and body:
        return _find_message(body[0])
    return None


def next_link(response: httpx.Response) -> str | None:
    """Return the RFC 5988 ``Link: <...>; rel="next"`` URL of a page, if any."""
    url = response.links.get("next", {}).get("url")
    return url or None


def expect_object(body: object, vendor: str, what: str) -> dict[str, Any]:
    """Return a decoded body as a JSON object or raise ``PayloadError`` naming the endpoint."""
    if not isinstance(body, dict):
        raise PayloadError(f"{vendor}: {what} answered {type(body).__name__}, not a JSON object")
    return body


def expect_list(body: object, vendor: str, what: str) -> list[Any]:
    """Return a decoded body as a JSON array or raise ``PayloadError`` naming the endpoint."""
    if not isinstance(body, list):
        raise PayloadError(f"{vendor}: {what} answered {type(body).__name__}, not a JSON array")
    return body


def sub_object(body: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``body[key]`` when it is a JSON object, else an empty dict (for reading pagination)."""
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def sub_list(body: dict[str, Any], key: str) -> list[Any]:
    """Return ``body[key]`` when it is a JSON array, else an empty list (for reading pagination)."""
    value = body.get(key)
    return value if isinstance(value, list) else []
