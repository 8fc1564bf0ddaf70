"""Paging is capped: a server that always says "more pages" cannot keep a sync (or a back-fill) looping."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from services.domain import OrderFilter, SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sources.errors import TooLargeError
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.engine import MAX_BACKFILL_PAGES, MAX_PAGES_PER_PASS
from services.sync.ordertrack_source import OrdertrackOrderSource
from services.sync.tracking import AfterShipTracking

from .caps_hostile import HostileBackend

TRACKINGS = "/aftership/v4/trackings"


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    """A hostile backend whose listings never end."""
    server = HostileBackend(orders="empty", trackings="always_more").start()
    yield server
    server.stop()


def runtime(backend: HostileBackend) -> SourceRuntime:
    """The backend as an ``ordertrack`` source with its AfterShip-compatible tracking API."""
    return SourceRuntime(
        config=SourceConfig(name="shop", kind="ordertrack", url=backend.url),
        orders=OrdertrackOrderSource(OrdertrackClient(backend.url, None), source="shop"),
        tracking=AfterShipTracking(AfterShipClient("", base_url=backend.url + "/aftership/v4")),
    )


def test_the_caps_are_finite_and_sane() -> None:
    """A pass reads at most 1000 pages of a listing; a back-fill at most 1000 pages in all."""
    assert 1 <= MAX_PAGES_PER_PASS <= 1000 and MAX_BACKFILL_PAGES <= 1000


def test_backfill_that_always_has_more_pauses_per_pass_then_ends_with_a_typed_error(
    backend: HostileBackend, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """count = one billion on every page: 4 pages a pass, at most 10 in all, then a typed error and live syncs."""
    engine = SyncEngine(store, [runtime(backend)], max_pages_per_pass=4, max_backfill_pages=10)
    src = engine.sources[0]
    try:
        with caplog.at_level(logging.WARNING, logger="services.sync.engine"):
            first = engine.sync_source(src)
        assert first.error is None
        assert backend.hits[TRACKINGS] == 4
        assert any("paused after 4 pages" in r.getMessage() for r in caplog.records)
        assert engine.sync_source(src).error is None
        assert backend.hits[TRACKINGS] == 8
        third = engine.sync_source(src)
        assert backend.hits[TRACKINGS] == 10
        assert third.error is not None and third.error.startswith("Answer too large: shop: the tracking list")
        assert "after 10 pages" in third.error and "\n" not in third.error
        # What was read is kept, and the source is not stuck: the next sync is an ordinary one.
        assert store.sync_state.get("shop#history").cursor == "done"
        fourth = engine.sync_source(src)
        assert fourth.error is None
        assert backend.hits[TRACKINGS] == 10
        assert store.sync_state.get("shop").last_error is None
    finally:
        engine.close()


def test_backfill_keeps_what_it_read_before_the_cap(backend: HostileBackend, store: Store) -> None:
    """The page read before the cap is stored, and stays stored after the capped pass failed."""
    backend.orders = "one"
    engine = SyncEngine(store, [runtime(backend)], max_pages_per_pass=3, max_backfill_pages=5)
    try:
        assert engine.sync_all()[0].error is None
        assert store.sync_state.get("shop#history").cursor == "4"
        report = engine.sync_all()[0]
        assert report.error is not None and "after 5 pages" in report.error
        order = store.orders.get("H-1")
        assert order is not None
        assert [e.description for e in order.shipments[0].events] == ["Scan 1"]
    finally:
        engine.close()


def test_order_feed_that_always_has_more_stops_each_pass_and_goes_on(backend: HostileBackend, store: Store) -> None:
    """A new order and cursor on every page for ever: each sync reads 5 pages, stores them, and returns."""
    backend.orders = "endless_pages"
    backend.trackings = "none"
    engine = SyncEngine(store, [runtime(backend)], max_pages_per_pass=5)
    try:
        first = engine.sync_all()[0]
        assert first.error is None and first.orders_seen == 5
        assert backend.hits["/v1/orders"] == 5
        assert store.orders.count(OrderFilter()) == 5
        assert store.sync_state.get("shop").cursor == "c5"
        second = engine.sync_all()[0]
        assert second.error is None and backend.hits["/v1/orders"] == 10
        assert store.orders.count(OrderFilter()) == 10
    finally:
        engine.close()


def test_client_listing_stops_after_its_page_budget(backend: HostileBackend) -> None:
    """AfterShipClient.iter_tracking_pages against count = one billion: TooLargeError after max_pages pages."""
    client = AfterShipClient("k", base_url=backend.url + "/aftership/v4")
    client.max_pages = 6
    pages = 0
    try:
        with pytest.raises(TooLargeError, match="still said more pages follow after 6 pages"):
            for _ in client.iter_tracking_pages(limit=1):
                pages += 1
    finally:
        client.close()
    assert pages == 6 and backend.hits[TRACKINGS] == 6
