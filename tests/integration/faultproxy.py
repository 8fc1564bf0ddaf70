"""A fault-injecting reverse proxy on 127.0.0.1 for sync tests (real sockets, real HTTP).

    client ──> FaultProxy(upstream=demo.url) ──> demo backend
                 │  faults by path prefix, each for the next ``count`` matching requests:
                 │  status (500, 429 + Retry-After), timeout (answer late), reset (drop the
                 │  connection mid-body), truncate (half the JSON), content_type (an HTML page)
                 └─ drop_streams(): end every open /v1/stream response now (a dropped push stream)

Every request is logged (method, path, Last-Event-ID) so tests can count requests per kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from services.domain import OrderFilter, SourceConfig, format_utc
from services.sources.aftership.client import AfterShipClient
from services.sources.http import RetryPolicy
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking

FAULT_KINDS = ("status", "timeout", "reset", "truncate", "content_type")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass
class ProxyFault:
    """The next ``count`` requests whose path starts with ``prefix`` (and not ``exclude``) fail this way."""

    kind: str
    prefix: str
    count: int = 1
    status: int = 500
    retry_after: float | None = None
    delay: float = 2.0
    exact: bool = False


@dataclass
class LoggedRequest:
    """One request the proxy saw."""

    method: str
    path: str
    last_event_id: str | None
    fault: str | None = None


@dataclass
class _Streams:
    drops: list[asyncio.Event] = field(default_factory=list)


class FaultProxy:
    """Forward to ``upstream``; inject the armed faults; run in a daemon thread (uvicorn)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = 0
        self.requests: list[LoggedRequest] = []
        self._faults: list[ProxyFault] = []
        self._lock = threading.Lock()
        self._streams = _Streams()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        """Return the proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        """Bind a free loopback port and serve."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_config=None,
            log_level="critical",
            access_log=False,
            lifespan="off",
            interface="asgi3",
            loop="asyncio",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)

        def run() -> None:
            assert self._server is not None
            try:
                asyncio.run(self._server.serve(sockets=[sock]))
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name=f"fault-proxy:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the fault proxy did not start"
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """End open streams and shut down."""
        self.drop_streams()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ control

    def inject(self, kind: str, prefix: str, count: int = 1, **options: object) -> None:
        """Arm a fault for the next ``count`` requests under ``prefix``."""
        assert kind in FAULT_KINDS, kind
        with self._lock:
            self._faults.append(ProxyFault(kind=kind, prefix=prefix, count=count, **options))  # type: ignore[arg-type]

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        """Return how many fault uses are still armed."""
        with self._lock:
            return sum(f.count for f in self._faults)

    def drop_streams(self) -> int:
        """End every open event stream now; return how many were open."""
        loop = self._loop
        drops = list(self._streams.drops)
        if loop is not None:
            for ev in drops:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(ev.set)
        return len(drops)

    def open_streams(self) -> int:
        """Return how many event streams are open through the proxy."""
        return len(self._streams.drops)

    def count(self, path_prefix: str, *, exact: bool = False) -> int:
        """Return how many requests went to paths under ``path_prefix`` (or exactly it)."""
        return sum(1 for r in self.requests if (r.path == path_prefix if exact else r.path.startswith(path_prefix)))

    def _take(self, path: str) -> ProxyFault | None:
        with self._lock:
            for fault in self._faults:
                hit = path == fault.prefix if fault.exact else path.startswith(fault.prefix)
                if fault.count > 0 and hit:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------ the ASGI app

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self._loop = asyncio.get_running_loop()
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(30.0))
        path: str = scope["path"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        fault = self._take(path)
        self.requests.append(LoggedRequest(scope["method"], path, headers.get("last-event-id"), fault and fault.kind))
        if fault is not None and fault.kind == "status":
            extra = [(b"retry-after", str(int(fault.retry_after)).encode())] if fault.retry_after is not None else []
            await _respond(send, fault.status, b'{"error": {"code": "injected", "message": "fault"}}', extra)
            return
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        body = b""
        while True:
            message: Message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        forward = {k: v for k, v in headers.items() if k not in _HOP}
        query = scope["query_string"].decode("latin-1")
        url = path + ("?" + query if query else "")
        request = self._client.build_request(scope["method"], url, headers=forward, content=body)
        upstream = await self._client.send(request, stream=True)
        try:
            retype = fault is not None and fault.kind == "content_type"
            out_headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in upstream.headers.items()
                if k.lower() not in _HOP and not (retype and k.lower() == "content-type")
            ]
            if fault is not None and fault.kind == "content_type":
                out_headers.append((b"content-type", b"text/html; charset=utf-8"))
            if upstream.headers.get("content-type", "").startswith("text/event-stream"):
                await self._stream(send, upstream, out_headers, fault)
                return
            payload = await upstream.aread()
            if retype:  # what a captive portal or a misrouted gateway answers
                payload = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
            if fault is not None and fault.kind == "truncate":
                payload = payload[: max(1, len(payload) // 2)]
            if fault is not None and fault.kind == "reset":
                await send(
                    {
                        "type": "http.response.start",
                        "status": upstream.status_code,
                        "headers": [*out_headers, (b"content-length", str(len(payload)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": payload[: len(payload) // 3], "more_body": True})
                raise ConnectionResetError("injected reset")  # uvicorn drops the connection mid-body
            await _respond(send, upstream.status_code, payload, out_headers)
        finally:
            await upstream.aclose()

    async def _stream(
        self, send: Send, upstream: httpx.Response, headers: list[tuple[bytes, bytes]], fault: ProxyFault | None
    ) -> None:
        drop = asyncio.Event()
        self._streams.drops.append(drop)
        try:
            await send({"type": "http.response.start", "status": upstream.status_code, "headers": headers})
            if fault is not None and fault.kind in ("reset", "truncate"):
                await send({"type": "http.response.body", "body": b'id: 99999\ndata: {"trunc', "more_body": True})
                return
            chunks: AsyncIterator[bytes] = upstream.aiter_raw()
            dropper = asyncio.ensure_future(drop.wait())
            try:
                while True:
                    nxt = asyncio.ensure_future(chunks.__anext__())
                    done, _ = await asyncio.wait({nxt, dropper}, return_when=asyncio.FIRST_COMPLETED)
                    if dropper in done:
                        nxt.cancel()
                        with contextlib.suppress(BaseException):
                            await nxt
                        return
                    try:
                        chunk = nxt.result()
                    except StopAsyncIteration:
                        return
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finally:
                dropper.cancel()
        finally:
            self._streams.drops.remove(drop)
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    has_type = any(k.lower() == b"content-type" for k, _ in headers)
    base = [] if has_type else [(b"content-type", b"application/json")]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*base, *headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- helpers shared by the sync tests


def ordertrack_runtime(name: str, url: str, token: str | None = None, *, timeout: float = 2.0) -> SourceRuntime:
    """A backend-API source (orders + its AfterShip-compatible tracking) with short timeouts, no sleeps."""
    http_timeout = httpx.Timeout(timeout, connect=timeout)
    orders = OrdertrackClient(url, token, timeout=http_timeout, max_attempts=2, sleep=lambda _: None)
    tracking = AfterShipClient(
        token or "",
        base_url=url + "/aftership/v4",
        timeout=http_timeout,
        policy=RetryPolicy(max_attempts=2, max_wait=5.0, backoff=0.0, backoff_max=0.0),
        sleep=lambda _: None,
    )
    config = SourceConfig(name=name, kind="ordertrack", url=url)
    feed = OrdertrackOrderSource(orders, source=name)  # as app.runtime builds it: orders carry the source name
    return SourceRuntime(config=config, orders=feed, tracking=AfterShipTracking(tracking))


def event_rows(store: Store) -> list[tuple[str, str, str, str]]:
    """Return every stored carrier event as (tracking_number, occurred_at, status, description), sorted."""
    rows = []
    for order in store.orders.list_orders(OrderFilter()):
        for shipment in order.shipments:
            for ev in shipment.events:
                rows.append((shipment.tracking_number, format_utc(ev.occurred_at), ev.status.value, ev.description))
    return sorted(rows)
