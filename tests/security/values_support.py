"""Shared pieces of the bounded-values tests: a hostile backend on a real loopback port, payload builders.

HostileBackend  a real HTTP server (stdlib, 127.0.0.1, free port) that serves scripted raw JSON text:
    GET /v1/orders?updated_since=C       pages[C] ("" for the first page); an unknown cursor: empty page
    GET <path in routes>                 routes[path] (a vendor's list endpoint)
    GET /aftership/v4/trackings?page=1   trackings (an AfterShip v4 page); other pages empty
    anything else                        404 with AfterShip's "not found" envelope
sync_once(store, backend)  one sync of an ``ordertrack`` source over that server (the app's real path)
FORBIDDEN / HOSTILE / assert_clean  what must never survive the boundary, and a walker that checks for it
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.domain import SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine, SyncReport
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking

FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]"
)
"""Characters no stored text may hold: C0/C1 controls (CR, LF, ESC ...), bidi controls, separators, BOM, surrogates."""

HOSTILE = "\u202e\x1b[31m\x1b]8;;https://evil.example\x07\x9b2J\u2066\u200f\u061c\x00\x7f\ufeff"
"""A prefix of nothing but things to remove (RTL override, ANSI colour, OSC 8 link, C1 CSI, isolate, marks, NUL)."""
HOSTILE_END = "\x1b]8;;\x1b\\\x1b[0m\u2069\u202c"
"""A suffix of nothing but things to remove."""


def order(number: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid backend order (DESIGN.md shape) with ``overrides`` applied."""
    placed = overrides.pop("placed_at", "2026-11-20T09:15:00Z")
    base: dict[str, Any] = {
        "order_number": number,
        "source": "shop",
        "channel": "web",
        "placed_at": placed,
        "status": "shipped",
        "currency": "EUR",
        "total": "129.90",
        "tax_total": "20.74",
        "merchant": "Example Shop",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "items": [{"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "64.95"}],
        "events": [{"occurred_at": placed, "status": "placed", "description": "Order placed"}],
        "shipments": [
            {
                "tracking_number": f"TRK{number.replace('-', '')}",
                "carrier": "ups",
                "carrier_name": "UPS",
                "status": "in_transit",
                "events": [
                    {
                        "occurred_at": "2026-11-21T14:02:00Z",
                        "status": "in_transit",
                        "description": "Arrival scan",
                        "location": "Louisville, KY, US",
                    }
                ],
            }
        ],
    }
    base.update(overrides)
    return base


def page(orders: list[Any], next_cursor: str, *, has_more: bool = False) -> str:
    """Return the JSON text of one ``/v1/orders`` page."""
    return json.dumps({"orders": orders, "next_cursor": next_cursor, "has_more": has_more})


def raw_page(orders_json: list[str], next_cursor: str) -> str:
    """Return a page whose orders are given as raw JSON text (for literals json.dumps cannot write)."""
    return '{"orders": [' + ", ".join(orders_json) + '], "next_cursor": "' + next_cursor + '", "has_more": false}'


class HostileBackend:
    """A real loopback HTTP server answering with scripted raw JSON text."""

    def __init__(
        self, pages: dict[str, str], trackings: str | None = None, routes: dict[str, str] | None = None
    ) -> None:
        self.pages = pages
        self.trackings = trackings
        self.routes = routes or {}
        self.requests: list[str] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
                return

            def do_GET(self) -> None:
                backend.requests.append(self.path)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/v1/orders":
                    cursor = query.get("updated_since", "")
                    body = backend.pages.get(cursor, page([], cursor))
                    self._send(200, body)
                elif url.path in backend.routes:
                    self._send(200, backend.routes[url.path])
                elif url.path == "/aftership/v4/trackings" and backend.trackings is not None:
                    empty = '{"meta": {"code": 200}, "data": {"page": 2, "limit": 200, "count": 0, "trackings": []}}'
                    self._send(200, backend.trackings if query.get("page") == "1" else empty)
                else:
                    self._send(
                        404, '{"meta": {"code": 4004, "message": "Tracking does not exist.", "type": "NotFound"}}'
                    )

            def _send(self, status: int, text: str) -> None:
                data = text.encode("utf-8", "surrogatepass")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileBackend:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@contextmanager
def serving(
    pages: dict[str, str], trackings: str | None = None, routes: dict[str, str] | None = None
) -> Iterator[HostileBackend]:
    """Run a :class:`HostileBackend` for the duration of a ``with`` block."""
    with HostileBackend(pages, trackings, routes) as backend:
        yield backend


def engine_for(store: Store, backend: HostileBackend, *, page_size: int = 50) -> SyncEngine:
    """Return the app's sync engine over one ``ordertrack`` source (orders + AfterShip-compatible tracking)."""
    runtime = SourceRuntime(
        config=SourceConfig(name="shop", kind="ordertrack", url=backend.url),
        orders=OrdertrackOrderSource(OrdertrackClient(backend.url, "t0ken", max_attempts=1), source="shop"),
        tracking=AfterShipTracking(AfterShipClient("k3y", base_url=backend.url + "/aftership/v4")),
    )
    return SyncEngine(store, [runtime], page_size=page_size)


def sync_once(store: Store, backend: HostileBackend) -> SyncReport:
    """Sync the backend's source once into ``store`` and return the report."""
    engine = engine_for(store, backend)
    try:
        [report] = engine.sync_all()
    finally:
        engine.close()
    return report


def strings_in(value: object) -> Iterator[str]:
    """Yield every string (keys included) inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings_in(v)


def assert_clean(value: object) -> None:
    """Fail when any string inside ``value`` holds a control, escape or bidi character."""
    bad = [s for s in strings_in(value) if FORBIDDEN.search(s)]
    assert not bad, f"unclean strings: {bad[:5]!r}"
