"""A hostile backend on 127.0.0.1 (real sockets, real HTTP) for the size, paging and wait caps.

    HostileBackend(orders=..., stream=..., trackings=...)   each mode switchable while it runs
      GET /v1/orders                 "empty"  an honest empty page
                                     "one"    one valid order (shipment HOSTILE00000001), then nothing more
                                     "bomb"   a ~300 KB gzip body that inflates to ~300 MB (Content-Length honest)
                                     "huge"   a plain (identity) body with no Content-Length, 64 MiB long
                                     "endless_pages"  a new order and a new cursor on every page, has_more always
                                     "429"    rate limited with ``retry_after`` as the Retry-After header
      GET /aftership/v4/trackings    "none"   404 (no tracking API)
                                     "always_more"  one tracking per page, ``count`` one billion
      GET /v1/stream                 "quiet"  an open stream that only pings
                                     "endless_line"  "data: xxxx..." without ever a newline
                                     "fat_event"     one event of many short data lines, past any cap
                                     "429"    rate limited with ``retry_after``

Every request is counted per path; stream connections and the bytes sent on each are recorded.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import zlib
from collections import Counter
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOMB_INFLATED = 300 * 1024 * 1024
"""What the gzip bomb expands to (about 300 MB of JSON whitespace)."""


@cache
def gzip_bomb() -> bytes:
    """Return a gzip body of about 300 KB that inflates to ~300 MB (built in 1 MiB steps, never whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b'{"orders": [')]
    block = b" " * (1024 * 1024)
    for _ in range(BOMB_INFLATED // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.compress(b'], "next_cursor": null, "has_more": false}'))
    parts.append(packer.flush())
    return b"".join(parts)


def order_json(number: str) -> dict[str, Any]:
    """Return one valid backend-API order."""
    return {
        "order_number": number,
        "source": "hostile",
        "channel": "web",
        "placed_at": "2026-11-20T09:15:00Z",
        "status": "placed",
        "currency": "EUR",
        "total": "10.00",
        "items": [],
        "events": [],
        "shipments": [{"tracking_number": "HOSTILE00000001", "carrier": "dhl", "status": "pending", "events": []}],
    }


def tracking_json(page: int) -> dict[str, Any]:
    """Return an AfterShip v4 list page with one tracking (a different number per page)."""
    return {
        "meta": {"code": 200},
        "data": {
            "page": page,
            "limit": 200,
            "count": 10**9,
            "trackings": [
                {
                    "id": f"t{page}",
                    "tracking_number": f"HOSTILE{page:08d}",
                    "slug": "dhl",
                    "tag": "InTransit",
                    "subtag": "InTransit_001",
                    "checkpoints": [
                        {
                            "checkpoint_time": "2026-11-21T14:02:00+00:00",
                            "tag": "InTransit",
                            "subtag": "InTransit_001",
                            "message": f"Scan {page}",
                            "location": "Leipzig",
                        }
                    ],
                }
            ],
        },
    }


class HostileBackend:
    """Serve the hostile answers above until stopped."""

    def __init__(
        self,
        *,
        orders: str = "empty",
        stream: str = "quiet",
        trackings: str = "none",
        retry_after: str = "1e308",
    ) -> None:
        self.orders = orders
        self.stream = stream
        self.trackings = trackings
        self.retry_after = retry_after
        self.hits: Counter[str] = Counter()
        self.stream_bytes: list[int] = []
        """Bytes written on each stream connection (one entry per connection, growing while it is open)."""
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._pages = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-backend", daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def stream_connections(self) -> int:
        """Return how many stream connections were opened so far."""
        with self._lock:
            return len(self.stream_bytes)

    def start(self) -> HostileBackend:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """End every open stream and stop serving."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _next_page(self) -> int:
        with self._lock:
            self._pages += 1
            return self._pages

    def _new_stream(self) -> int:
        with self._lock:
            self.stream_bytes.append(0)
            return len(self.stream_bytes) - 1

    def _sent(self, index: int, n: int) -> None:
        with self._lock:
            self.stream_bytes[index] += n

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
                pass

            def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _raw(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                backend.hits[parts.path] += 1
                try:
                    if parts.path == "/v1/orders":
                        self._orders()
                    elif parts.path == "/aftership/v4/trackings":
                        self._trackings(parse_qs(parts.query))
                    elif parts.path == "/v1/stream":
                        self._stream()
                    else:
                        self._json(404, {"error": "not found"})
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: exactly what a capped reader does

            def _orders(self) -> None:
                mode = backend.orders
                if mode == "empty":
                    self._json(200, {"orders": [], "next_cursor": None, "has_more": False})
                elif mode == "one":
                    cursor = "c1"
                    if "updated_since=c1" in self.path:
                        self._json(200, {"orders": [], "next_cursor": cursor, "has_more": False})
                    else:
                        self._json(200, {"orders": [order_json("H-1")], "next_cursor": cursor, "has_more": False})
                elif mode == "bomb":
                    bomb = gzip_bomb()
                    self._raw(
                        200,
                        bomb,
                        {
                            "Content-Type": "application/json",
                            "Content-Encoding": "gzip",
                            "Content-Length": str(len(bomb)),
                        },
                    )
                elif mode == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()  # no Content-Length: the body ends when the connection closes
                    self.wfile.write(b'{"orders": [')
                    block = b" " * (1024 * 1024)
                    for _ in range(64):
                        if backend.stopping.is_set():
                            return
                        self.wfile.write(block)
                    self.wfile.write(b'], "has_more": false}')
                elif mode == "endless_pages":
                    page = backend._next_page()
                    self._json(200, {"orders": [order_json(f"H-{page}")], "next_cursor": f"c{page}", "has_more": True})
                elif mode == "429":
                    self._json(429, {"error": "slow down"}, {"Retry-After": backend.retry_after})
                else:  # pragma: no cover - a test typo
                    raise AssertionError(mode)

            def _trackings(self, query: dict[str, list[str]]) -> None:
                if backend.trackings == "none":
                    self._json(404, {"meta": {"code": 404, "message": "no tracking API"}})
                    return
                page = int(query.get("page", ["1"])[0])
                self._json(200, tracking_json(page))

            def _stream(self) -> None:
                mode = backend.stream
                if mode == "429":
                    self._json(429, {"error": "slow down"}, {"Retry-After": backend.retry_after})
                    return
                index = backend._new_stream()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.flush()
                if mode == "quiet":
                    while not backend.stopping.wait(0.5):
                        self.wfile.write(b": ping\n\n")
                        self.wfile.flush()
                    return
                if mode == "endless_line":
                    self.wfile.write(b"data: ")
                    block = b"x" * (64 * 1024)
                elif mode == "fat_event":
                    self.wfile.write(b"event: shipment.updated\n")
                    block = b"data: " + b"y" * 1000 + b"\n"
                else:  # pragma: no cover - a test typo
                    raise AssertionError(mode)
                sent = 0
                while not backend.stopping.is_set() and sent < 4 * 1024**3:  # 4 GiB: far past any sane cap
                    self.wfile.write(block)
                    sent += len(block)
                    backend._sent(index, len(block))

        return Handler


def gunzip_size(data: bytes) -> int:
    """Return how large a gzip body inflates (counted in steps, for the test's own sanity check)."""
    total = 0
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        while chunk := f.read(1024 * 1024):
            total += len(chunk)
    return total
