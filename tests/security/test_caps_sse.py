"""Event-stream lines and events are capped: an endless line ends with a typed error, not a growing buffer."""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.domain import SourceConfig
from services.sources.errors import TooLargeError
from services.sources.ordertrack.client import OrdertrackClient
from services.sources.sse import MAX_SSE_LINE, SSEDecoder
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.push import PushListener
from tests.support.waiting import wait_until

from .caps_hostile import HostileBackend


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    """A hostile backend whose stream is one line that never ends."""
    server = HostileBackend(stream="endless_line").start()
    yield server
    server.stop()


def test_endless_line_ends_with_a_typed_error_and_bounded_memory(backend: HostileBackend) -> None:
    """The stream never sends a newline: TooLargeError once the line passes 256 KiB; memory stays small."""
    client = OrdertrackClient(backend.url, None)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError) as refused:
            for _ in client.stream(read_timeout=10):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert str(refused.value) == f"{backend.url}: an event stream line is longer than 256 KiB; stream dropped"
    assert peak < 4 * MAX_SSE_LINE, f"peak {peak / 1024:.0f} KiB"
    assert backend.stream_connections == 1


def test_an_event_of_many_short_lines_is_capped_too(backend: HostileBackend) -> None:
    """Thousands of 1 KB ``data:`` lines in one event: TooLargeError at 1 MiB of data."""
    backend.stream = "fat_event"
    client = OrdertrackClient(backend.url, None)
    try:
        with pytest.raises(TooLargeError, match="carries more than 1024 KiB of data"):
            for _ in client.stream(read_timeout=10):
                pass
    finally:
        client.close()


def test_push_listener_drops_the_stream_says_why_and_reconnects(backend: HostileBackend, tmp_path: Path) -> None:
    """The push thread survives: down with "Answer too large", reconnects with backoff, stops cleanly."""
    store = Store.open(tmp_path / "cache.db")
    client = OrdertrackClient(backend.url, None)
    src = SourceRuntime(
        config=SourceConfig(name="shop", kind="ordertrack", url=backend.url),
        orders=OrdertrackOrderSource(client, source="shop"),
    )
    engine = SyncEngine(store, [src])
    statuses: list[tuple[bool, str | None]] = []
    lock = threading.Lock()

    def on_status(live: bool, reason: str | None) -> None:
        with lock:
            statuses.append((live, reason))

    listener = PushListener(
        engine, src, client, request_sync=lambda: None, on_status=on_status, reconnect_initial=0.05, reconnect_max=0.2
    )
    listener.start()
    try:
        assert wait_until(lambda: backend.stream_connections >= 3, 30), backend.stream_bytes
        assert listener.alive
    finally:
        listener.stop()
        engine.close()
        store.close()
    assert not listener.alive
    downs = {reason for live, reason in statuses if not live and reason}
    assert f"Answer too large: {backend.url}: an event stream line is longer than 256 KiB; stream dropped" in downs


def test_decoder_keeps_normal_events_whatever_the_chunking() -> None:
    """Honest streams still parse: CRLF split across chunks, comments, ids that persist, multi-line data."""
    wire = b': hello\r\nid: 7\r\nevent: shipment.updated\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: two\n\n'
    for size in (1, 2, 3, 7, len(wire)):
        decoder = SSEDecoder()
        events = []
        for start in range(0, len(wire), size):
            events.extend(decoder.feed(wire[start : start + size]))
        assert [(e.event, e.data, e.id) for e in events] == [
            ("shipment.updated", '{"a":\n1}', "7"),
            ("message", "two", "7"),
        ], size


def test_decoder_refuses_a_complete_line_that_is_too_long() -> None:
    """A long line delivered with its newline in one chunk is refused as well (not only an unfinished one)."""
    decoder = SSEDecoder(max_line=1024)
    with pytest.raises(TooLargeError):
        decoder.feed(b"data: " + b"x" * 2000 + b"\n\n")
