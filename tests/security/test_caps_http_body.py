"""Every source answer is read with a cap on its decompressed size, against a real hostile server."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.domain import OrderFilter, PayloadError, RateLimitedError, SourceConfig
from services.sources.errors import TooLargeError
from services.sources.http import HttpSource, RetryPolicy
from services.sources.limits import MAX_BODY_BYTES, read_capped
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource

from .caps_hostile import BOMB_INFLATED, HostileBackend, gunzip_size, gzip_bomb

NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    """A hostile backend (modes switched per test)."""
    gzip_bomb()
    server = HostileBackend().start()
    yield server
    server.stop()


def test_the_bomb_is_what_the_issue_describes() -> None:
    """The hostile input itself: about 300 KB on the wire, about 300 MB once inflated."""
    bomb = gzip_bomb()
    assert 250_000 < len(bomb) < 350_000
    assert gunzip_size(bomb) > BOMB_INFLATED > 15 * MAX_BODY_BYTES


def test_gzip_bomb_stops_at_the_cap_without_inflating(backend: HostileBackend) -> None:
    """GET /v1/orders answering the bomb: TooLargeError naming the cap, and the client never held 300 MB."""
    backend.orders = "bomb"
    client = OrdertrackClient(backend.url, None, policy=NO_RETRY)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError) as refused:
            client.fetch_orders(None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert "GET /v1/orders is larger than 16 MiB once decompressed" in str(refused.value)
    assert refused.value.title == "Answer too large"
    assert peak < 3 * MAX_BODY_BYTES, f"peak {peak / 2**20:.0f} MiB"


def test_a_body_without_content_length_is_counted_as_it_arrives(backend: HostileBackend) -> None:
    """A 64 MiB plain answer with no Content-Length: the read stops at the (smaller) cap."""
    backend.orders = "huge"
    client = OrdertrackClient(backend.url, None, policy=NO_RETRY)
    client.max_body = 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="larger than 1 MiB"):
            client.fetch_orders(None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_the_sync_keeps_the_last_good_data_and_recovers(backend: HostileBackend, tmp_path: Path) -> None:
    """A bomb between two good syncs: one typed error, the cached order stays, the next good answer heals."""
    store = Store.open(tmp_path / "cache.db")
    config = SourceConfig(name="shop", kind="ordertrack", url=backend.url)
    client = OrdertrackClient(backend.url, None, policy=NO_RETRY)
    engine = SyncEngine(store, [SourceRuntime(config=config, orders=OrdertrackOrderSource(client, source="shop"))])
    try:
        backend.orders = "one"
        assert engine.sync_all()[0].error is None
        assert store.orders.count(OrderFilter()) == 1
        backend.orders = "bomb"
        failed = engine.sync_all()[0]
        assert failed.error is not None and failed.error.startswith("Answer too large:"), failed.error
        assert "\n" not in failed.error
        assert store.orders.count(OrderFilter()) == 1
        state = store.sync_state.get("shop")
        assert state.stale_since is not None and state.last_error == failed.error
        backend.orders = "one"
        healed = engine.sync_all()[0]
        assert healed.error is None
        assert store.sync_state.get("shop").stale_since is None
    finally:
        engine.close()
        store.close()


def test_an_error_answer_is_read_only_far_enough_for_its_message(backend: HostileBackend) -> None:
    """A 429 whose body would be huge still becomes a plain RateLimitedError (the body is cut, not refused)."""
    backend.orders = "429"
    backend.retry_after = "1"
    client = OrdertrackClient(backend.url, None, policy=NO_RETRY)
    try:
        with pytest.raises(RateLimitedError, match="rate limited"):
            client.fetch_orders(None)
    finally:
        client.close()


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity"])
def test_honest_compressed_answers_still_decode(encoding: str) -> None:
    """Compressed answers under the cap decode exactly as before (gzip, zlib deflate, raw deflate, none)."""
    body = b'{"orders": [], "has_more": false, "pad": "' + b"z" * 200_000 + b'"}'
    if encoding == "gzip":
        wire, header = gzip.compress(body), "gzip"
    elif encoding == "deflate":
        wire, header = zlib.compress(body), "deflate"
    elif encoding == "raw-deflate":
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        wire, header = packer.compress(body) + packer.flush(), "deflate"
    else:
        wire, header = body, "identity"
    with _OneAnswer(wire, {"Content-Type": "application/json", "Content-Encoding": header}) as url:
        source = HttpSource(url, policy=NO_RETRY)
        try:
            response = source.request("GET", "/x")
        finally:
            source.close()
    assert response.content == body
    assert "content-encoding" not in response.headers
    assert response.json()["has_more"] is False


def test_an_encoding_we_did_not_ask_for_is_refused() -> None:
    """A body in an encoding outside Accept-Encoding (here "br") is a PayloadError, not decoded blindly."""
    with _OneAnswer(b"\x0b\x00\x80", {"Content-Type": "application/json", "Content-Encoding": "br"}) as url:
        source = HttpSource(url, policy=NO_RETRY)
        try:
            with pytest.raises(PayloadError, match="content encoding we did not ask for"):
                source.request("GET", "/x")
        finally:
            source.close()


def test_read_capped_counts_decompressed_bytes_not_the_header() -> None:
    """A Content-Length that claims a tiny body changes nothing: the count runs over what is decoded."""
    bomb = gzip.compress(b"a" * (4 * 1024 * 1024))
    response = httpx.Response(
        200,
        headers={"Content-Encoding": "gzip", "Content-Length": "10"},
        stream=httpx.ByteStream(bomb),
    )
    with pytest.raises(TooLargeError, match="larger than 1 MiB"):
        read_capped(response, 1024 * 1024, what="the test answer")


class _OneAnswer:
    """A loopback server that answers every GET with one fixed raw body and headers."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        self.headers = headers

    def __enter__(self) -> str:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        body, headers = self.body, self.headers

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
