"""The embedded demo backend: a real HTTP server on loopback, in a daemon thread.

Serves the backend API of DESIGN.md (``/v1``), an AfterShip-v4-compatible tracking API
(``/aftership/v4``), control endpoints for tests and demos (``/_demo``) and its own API document
(``/openapi.yaml``)::

    with DemoServer(orders=200, seed=7) as server:
        httpx.get(f"{server.url}/v1/orders")

It is a server for this machine (see :mod:`.access`): it binds loopback unless ``allow_public`` is
given (and then only with a token), answers only to a loopback ``Host`` and refuses browser requests
from pages on other hosts. With a token, ``/v1``, ``/aftership`` and ``/_demo`` all require it; the
control endpoints also require a JSON body type on POST, so a web page cannot post to them with a
plain form. Everything a client sends is checked and answered with a 4xx JSON error when it is bad.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.domain import ValidationError, format_utc, parse_utc, utc_now
from services.domain.hosts import is_loopback_host

from .access import HostGuard, check_bind_host
from .aftership import envelope, error_envelope
from .data import DemoData, generate
from .state import DemoState, StreamEntry, json_bytes

log = logging.getLogger(__name__)

JSON = dict[str, Any]
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
AFTERSHIP_DEFAULT_LIMIT = 100
AFTERSHIP_MAX_LIMIT = 200
FAULT_STATUSES = (429, 500, 502, 503, 504)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ordertrack-demo"'}
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 1000
MAX_RETRY_AFTER = 86_400
MAX_FAULT_COUNT = 1_000_000
MAX_ADVANCE_MINUTES = 10 * 365 * 24 * 60
_EVENT_ID = re.compile(r"[0-9]{1,18}")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ud800-\udfff]")
"""Control characters, zero-width and bidi formatting characters, lone surrogates (``ControlText`` in the doc)."""
API_DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "backend-api.yaml"
"""The OpenAPI document served at ``/openapi.yaml`` (absent from packaged builds: then a 404)."""


class BadInput(Exception):
    """A request the demo refuses: carries the HTTP status, error code and one-line message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers

    def response(self) -> JSONResponse:
        """Return the JSON error answer."""
        return _error(self.status, self.code, self.message, self.headers)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _text_field(body: JSON, key: str) -> str | None:
    """Return an optional text field; refuse non-strings, overlong text and control or format characters."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(400, "bad_request", f"{key} must be a string")
    if len(value) > MAX_TEXT_CHARS:
        raise BadInput(400, "bad_request", f"{key} is longer than {MAX_TEXT_CHARS} characters")
    if _UNPRINTABLE.search(value):
        raise BadInput(400, "bad_request", f"{key} contains control or formatting characters")
    return value


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _aftership_error(
    status: int, code: int, message: str, kind: str, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(error_envelope(code, message, kind), status_code=status, headers=headers)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    for part in header.split(","):
        tag = part.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` requests under ``prefix`` answer ``status``."""

    status: int
    remaining: int
    retry_after: float | None
    prefix: str

    def as_json(self) -> JSON:
        """Return the fault as JSON."""
        return {"status": self.status, "count": self.remaining, "retry_after": self.retry_after, "paths": self.prefix}


class DemoServer:
    """The demo backend on ``host:port`` (port 0 = a free port), started in a daemon thread."""

    def __init__(
        self,
        orders: int = 200,
        seed: int = 7,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        now: datetime | None = None,
        *,
        tick_seconds: float = 2.0,
        ping_seconds: float = 15.0,
        allow_public: bool = False,
    ) -> None:
        check_bind_host(host, allow_public)
        if not is_loopback_host(host) and not token:
            raise ValueError("a demo server on a non-loopback address needs a token")
        self.allow_public = allow_public
        self.orders = orders
        self.seed = seed
        self.token = token or None
        self.host = host
        self.requested_port = port
        self.now = now
        self.tick_seconds = tick_seconds
        self.ping_seconds = ping_seconds
        self.port = 0
        self._state: DemoState | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self._streams: list[asyncio.Queue[StreamEntry | None]] = []
        self._closing = False
        self._warm_stop = threading.Event()

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if not self.port:
            raise RuntimeError("the demo server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def state(self) -> DemoState:
        """Return the simulation state (available after :meth:`start`)."""
        if self._state is None:
            raise RuntimeError("the demo server is not started")
        return self._state

    @property
    def data(self) -> DemoData:
        """Return the generated demo data (available after :meth:`start`)."""
        return self.state.data

    @property
    def running(self) -> bool:
        """Tell whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive() and not self._closing

    def start(self, timeout: float = 10.0) -> DemoServer:
        """Generate the data, bind, serve in a daemon thread; return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("a DemoServer can be started only once")
        self._state = DemoState(generate(self.seed, self.orders, self.now or utc_now()))
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if os.name != "nt":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="on",
            loop="asyncio",
            http="h11",
            ws="none",
            server_header=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"demo-server:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the demo server did not start: {self._error!r}")
            time.sleep(0.002)
        probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        with socket.create_connection((probe, self.port), timeout=timeout):
            pass
        log.info("demo server with %d orders on %s", self.orders, self.url)
        return self

    def _run(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            asyncio.run(self._server.serve(sockets=[sock]))
        except BaseException as err:  # reported by start()
            self._error = err
        finally:
            sock.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Close the event streams, shut the server down cleanly and join its thread."""
        if self._server is None or self._closing:
            return
        self._closing = True
        self._warm_stop.set()
        loop = self._loop
        if loop is not None:
            for queue in list(self._streams):
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(queue.put_nowait, None)
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)

    def serve_forever(self) -> None:
        """Start (if needed) and block until stopped or interrupted (Ctrl+C)."""
        if self._thread is None:
            self.start()
        # a server of its own: render every order and tracking once while nobody asks yet (pages are then joins)
        threading.Thread(target=self.state.warm, args=(self._warm_stop,), name="demo-warm", daemon=True).start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> DemoServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    # ------------------------------------------------------------ convenience for tests and the app

    def advance(self, minutes: float) -> tuple[datetime, int]:
        """Move simulated time forward (same as ``POST /_demo/advance``)."""
        return self.state.advance(minutes)

    def add_event(self, tracking_number: str, status: str, description: str = "", location: str = "") -> StreamEntry:
        """Append a carrier event stamped now (same as ``POST /_demo/shipments/{n}/events``)."""
        entry, _ = self.state.add_event(tracking_number, status, description or None, location or None)
        return entry

    # ------------------------------------------------------------ the ASGI app

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            """Remember the loop and run the ticker while serving."""
            self._loop = asyncio.get_running_loop()
            ticker = asyncio.create_task(self._ticker())
            try:
                yield
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

        routes = [
            Route("/v1/orders", self._list_orders, methods=["GET"]),
            Route("/v1/orders/{order_number}", self._get_order, methods=["GET"]),
            Route("/v1/stream", self._stream, methods=["GET"]),
            Route("/aftership/v4/trackings", self._list_trackings, methods=["GET"]),
            Route("/aftership/v4/trackings/{slug}/{tracking_number}", self._get_tracking, methods=["GET"]),
            Route("/_demo/health", self._health, methods=["GET"]),
            Route("/_demo/advance", self._advance, methods=["POST"]),
            Route("/_demo/shipments/{tracking_number}/events", self._post_event, methods=["POST"]),
            Route("/_demo/faults", self._set_fault, methods=["POST"]),
            Route("/_demo/faults", self._clear_faults, methods=["DELETE"]),
            Route("/openapi.yaml", self._api_document, methods=["GET"]),
        ]
        return Starlette(
            routes=routes,
            middleware=[Middleware(HostGuard, allow_public=self.allow_public)],
            lifespan=lifespan,
            exception_handlers={HTTPException: self._http_error},  # type: ignore[dict-item]
        )

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                await run_in_threadpool(self.state.publish_due)
            except Exception:  # pragma: no cover - keep ticking whatever happens
                log.exception("demo ticker failed")

    async def _http_error(self, request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/aftership"):
            return _aftership_error(
                exc.status_code, exc.status_code, exc.detail, "NotFound" if exc.status_code == 404 else "BadRequest"
            )
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return _error(exc.status_code, code, exc.detail)

    # ------------------------------------------------------------ gate: faults and auth

    def _gate(self, request: Request) -> Response | None:
        """Return an error response when a fault is armed for this path or the credentials are wrong."""
        path = request.url.path
        aftership = path.startswith("/aftership")
        fault = self._take_fault(path)
        if fault is not None:
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(math.ceil(fault.retry_after))
            if fault.status == 429:
                if aftership:
                    headers["X-RateLimit-Limit"] = "10"
                    headers["X-RateLimit-Remaining"] = "0"
                    headers["X-RateLimit-Reset"] = str(int(time.time() + (fault.retry_after or 1)))
                    return _aftership_error(
                        429, 429, "You have exceeded the API call rate limit.", "TooManyRequests", headers
                    )
                return _error(429, "rate_limited", "Too many requests; retry later", headers)
            if aftership:
                return _aftership_error(
                    fault.status, fault.status, "Something went wrong on our end.", "InternalError", headers
                )
            code = "unavailable" if fault.status == 503 else "server_error"
            return _error(fault.status, code, f"Injected fault {fault.status}", headers)
        if self.token is None:
            return None
        if self._authorized(request, aftership):
            return None
        if aftership:
            return _aftership_error(401, 401, "Invalid API Key.", "Unauthorized")
        return _error(401, "unauthorized", "Missing or invalid bearer token", _CHALLENGE)

    async def _control(self, request: Request) -> JSON:
        """Admit a control request: the token when one is set; for POST a JSON body (an object, or none).

        Raises BadInput (401, 415, 413, 400) otherwise. A browser can post ``text/plain`` or a form to any
        site without asking; ``application/json`` makes it ask first, and this server never says yes.
        """
        if self.token is not None and not self._authorized(request, aftership=False):
            raise BadInput(401, "unauthorized", "Missing or invalid bearer token", _CHALLENGE)
        if request.method != "POST":
            return {}
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media != "application/json":
            raise BadInput(415, "unsupported_media_type", "control requests must be sent as application/json")
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and (len(declared) > 9 or int(declared) > MAX_BODY_BYTES):
            raise BadInput(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise BadInput(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
        if not raw.strip():
            return {}
        try:
            body = json.loads(bytes(raw), parse_constant=_no_constants)
        except (ValueError, RecursionError) as err:
            raise BadInput(400, "bad_request", f"the body must be JSON: {str(err)[:120]}") from None
        if not isinstance(body, dict):
            raise BadInput(400, "bad_request", "the body must be a JSON object")
        return body

    def _authorized(self, request: Request, aftership: bool) -> bool:
        assert self.token is not None
        expected = self.token.encode()
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), expected):
            return True
        if aftership:
            for header in ("aftership-api-key", "as-api-key"):
                key = request.headers.get(header)
                if key is not None and hmac.compare_digest(key.strip().encode(), expected):
                    return True
        return False

    def _take_fault(self, path: str) -> Fault | None:
        if path.startswith("/_demo"):
            return None
        with self._faults_lock:
            for fault in self._faults:
                if fault.remaining > 0 and path.startswith(fault.prefix):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------ /v1

    def _etag(self, key: str, version: int) -> str:
        digest = hashlib.sha256(f"{self.seed}|{key}|{version}".encode()).hexdigest()[:32]
        return f'"{digest}"'

    async def _list_orders(self, request: Request) -> Response:
        denied = self._gate(request)
        if denied is not None:
            return denied
        params = request.query_params
        cursor = params.get("updated_since") or None
        raw_limit = params.get("limit")
        try:
            limit = DEFAULT_LIMIT if raw_limit in (None, "") else int(raw_limit)
        except ValueError:
            return _error(400, "bad_request", f"limit must be an integer, got {raw_limit!r}")
        if limit < 1:
            return _error(400, "bad_request", "limit must be at least 1")
        limit = min(limit, MAX_LIMIT)
        embed = params.get("embed") == "events"
        try:
            page = self.state.page(cursor, limit)
        except ValidationError as err:
            return _error(400, "bad_cursor", str(err))
        etag = self._etag(f"orders|{cursor or ''}|{limit}|{embed}", page.version)
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag})
        body = self.state.page_json(page, embed)
        return Response(body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "no-cache"})

    async def _get_order(self, request: Request) -> Response:
        denied = self._gate(request)
        if denied is not None:
            return denied
        number = request.path_params["order_number"]
        version = self.state.version
        order = self.state.order(number)
        if order is None:
            return _error(404, "not_found", f"no order {number!r}")
        embed = request.query_params.get("embed") == "events"
        etag = self._etag(f"order|{number}|{embed}", version)
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag})
        body = self.state.order_json(order, embed)
        return Response(body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "no-cache"})

    async def _stream(self, request: Request) -> Response:
        denied = self._gate(request)
        if denied is not None:
            return denied
        raw_last = (request.headers.get("last-event-id") or "").strip()
        if raw_last and not _EVENT_ID.fullmatch(raw_last):
            shown = raw_last if len(raw_last) <= 40 else raw_last[:40] + "..."
            return _error(400, "bad_last_event_id", f"Last-Event-ID must be an event id (digits), got {shown!r}")
        last_id = int(raw_last) if raw_last else None
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[StreamEntry | None] = asyncio.Queue()

        def listener(entry: StreamEntry) -> None:
            """Hand a published entry to this connection's loop (called under the state lock)."""
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(queue.put_nowait, entry)

        replay, unsubscribe = self.state.subscribe(listener, last_id)
        self._streams.append(queue)

        async def events() -> AsyncIterator[ServerSentEvent]:
            """Replay what the client missed, then forward live entries until closed."""
            sent = last_id or 0
            try:
                for entry in replay:
                    sent = entry.id
                    yield ServerSentEvent(data=entry.text, event=entry.event, id=str(entry.id))
                while not self._closing:
                    item = await queue.get()
                    if item is None:
                        return
                    if item.id <= sent:
                        continue
                    sent = item.id
                    yield ServerSentEvent(data=item.text, event=item.event, id=str(item.id))
            finally:
                unsubscribe()
                with contextlib.suppress(ValueError):
                    self._streams.remove(queue)

        return EventSourceResponse(events(), ping=self.ping_seconds, headers={"Cache-Control": "no-cache"})

    # ------------------------------------------------------------ /aftership/v4

    async def _get_tracking(self, request: Request) -> Response:
        denied = self._gate(request)
        if denied is not None:
            return denied
        slug = request.path_params["slug"]
        number = request.path_params["tracking_number"]
        tracking = self.state.tracking(slug, number)
        if tracking is None:
            return _aftership_error(404, 4004, "Tracking does not exist.", "NotFound")
        return JSONResponse(envelope({"tracking": tracking}))

    async def _list_trackings(self, request: Request) -> Response:
        denied = self._gate(request)
        if denied is not None:
            return denied
        params = request.query_params
        try:
            page = int(params.get("page") or 1)
            limit = int(params.get("limit") or AFTERSHIP_DEFAULT_LIMIT)
        except ValueError:
            return _aftership_error(400, 400, "page and limit must be integers.", "BadRequest")
        if page < 1 or limit < 1:
            return _aftership_error(400, 400, "page and limit must be at least 1.", "BadRequest")
        limit = min(limit, AFTERSHIP_MAX_LIMIT)
        slugs = [s for s in (params.get("slug") or "").split(",") if s]
        tags = [t for t in (params.get("tag") or "").split(",") if t]
        keyword = params.get("keyword") or ""
        trackings, count = await run_in_threadpool(self.state.trackings_json, page, limit, slugs, tags, keyword)
        data = {
            "page": page,
            "limit": limit,
            "count": count,
            "keyword": keyword,
            "slug": ",".join(slugs),
            "origin": [],
            "destination": [],
            "tag": ",".join(tags),
            "fields": "",
            "created_at_min": None,
            "created_at_max": format_utc(self.state.sim_now().replace(microsecond=0)),
            "last_updated_at": None,
            "return_to_sender": [],
            "courier_destination_country_iso3": [],
            "trackings": [],
        }
        # "trackings" is the last key of "data", itself the last of the envelope: the shell ends in
        # ``[]}}`` and the trackings, rendered once each (see DemoState), go between the brackets
        shell = json_bytes(envelope(data))
        return Response(shell[:-3] + b",".join(trackings) + b"]}}", media_type="application/json")

    # ------------------------------------------------------------ /_demo and the API document

    async def _api_document(self, request: Request) -> Response:
        try:
            text = API_DOCUMENT.read_bytes()
        except OSError:
            return _error(404, "not_found", "the API document is not part of this installation")
        return Response(text, media_type="application/yaml")

    async def _health(self, request: Request) -> Response:
        try:
            await self._control(request)
        except BadInput as bad:
            return bad.response()
        state = self.state
        return JSONResponse(
            {
                "ok": True,
                "orders": len(state.data.plans),
                "seed": self.seed,
                "now": format_utc(state.sim_now().replace(microsecond=0)),
                "version": state.version,
                "last_event_id": state.last_event_id,
            }
        )

    async def _advance(self, request: Request) -> Response:
        try:
            await self._control(request)
        except BadInput as bad:
            return bad.response()
        raw = request.query_params.get("minutes")
        try:
            minutes = float(raw) if raw is not None else float("nan")
        except ValueError:
            minutes = float("nan")
        if not 0 <= minutes <= MAX_ADVANCE_MINUTES:
            shown = raw if raw is None or len(raw) <= 40 else raw[:40] + "..."
            return _error(
                400, "bad_request", f"minutes must be a number from 0 to {MAX_ADVANCE_MINUTES}, got {shown!r}"
            )
        try:
            now, published = await run_in_threadpool(self.state.advance, minutes)
        except ValueError as err:
            return _error(422, "too_far", str(err))
        return JSONResponse(
            {
                "now": format_utc(now.replace(microsecond=0)),
                "published": published,
                "last_event_id": self.state.last_event_id,
            }
        )

    async def _post_event(self, request: Request) -> Response:
        number = request.path_params["tracking_number"]
        try:
            body = await self._control(request)
            if not isinstance(body.get("status"), str):
                raise BadInput(400, "bad_request", "the body must be an object with a string field 'status'")
            texts = {k: _text_field(body, k) for k in ("description", "location", "subtag")}
            occurred_at = None
            if body.get("occurred_at") is not None:
                if not isinstance(body["occurred_at"], str) or len(body["occurred_at"]) > 64:
                    raise BadInput(400, "bad_request", "occurred_at must be an ISO 8601 timestamp")
                try:
                    occurred_at = parse_utc(body["occurred_at"])
                except ValidationError as err:
                    raise BadInput(400, "bad_request", str(err)) from None
                except OverflowError:
                    raise BadInput(400, "bad_request", f"occurred_at {body['occurred_at']!r} is out of range") from None
        except BadInput as bad:
            return bad.response()
        try:
            entry, order = await run_in_threadpool(
                self.state.add_event,
                number,
                body["status"],
                texts["description"],
                texts["location"],
                texts["subtag"],
                occurred_at,
            )
        except KeyError:
            return _error(404, "not_found", f"no shipment {number[:80]!r}")
        except ValueError as err:
            return _error(422, "invalid_event", str(err))
        payload = {
            "order_number": order.order_number,
            "tracking_number": number,
            "stream_id": entry.id,
            "status": entry.data["status"],
            "event": entry.data["event"],
            "updated_at": entry.data["updated_at"],
        }
        return JSONResponse(payload, status_code=201)

    async def _set_fault(self, request: Request) -> Response:
        try:
            body = await self._control(request)
        except BadInput as bad:
            return bad.response()
        status, count = body.get("status", 429), body.get("count", 1)
        retry_after = body.get("retry_after")
        prefix = body.get("paths") or "/"
        if status not in FAULT_STATUSES or isinstance(status, bool):
            return _error(400, "bad_request", f"status must be one of {list(FAULT_STATUSES)}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_FAULT_COUNT:
            return _error(400, "bad_request", f"count must be an integer from 1 to {MAX_FAULT_COUNT}")
        if retry_after is not None and (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, (int, float))
            or not 0 <= retry_after <= MAX_RETRY_AFTER  # also refuses NaN
        ):
            return _error(400, "bad_request", f"retry_after must be a number of seconds from 0 to {MAX_RETRY_AFTER}")
        if not isinstance(prefix, str) or not prefix.startswith("/") or len(prefix) > MAX_TEXT_CHARS:
            return _error(400, "bad_request", "paths must be a path prefix starting with '/'")
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(status=status, remaining=count, retry_after=retry_after, prefix=prefix)
        with self._faults_lock:
            self._faults.append(fault)
            active = [f.as_json() for f in self._faults]
        return JSONResponse({"faults": active}, status_code=201)

    async def _clear_faults(self, request: Request) -> Response:
        try:
            await self._control(request)
        except BadInput as bad:
            return bad.response()
        with self._faults_lock:
            cleared = len(self._faults)
            self._faults.clear()
        return JSONResponse({"cleared": cleared})
