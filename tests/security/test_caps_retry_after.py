"""A server's Retry-After / rate-limit reset is clamped: 1e308, NaN, negatives or year 9999 give a sane wait."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.domain import RateLimitedError, SourceConfig
from services.sources.http import RetryPolicy, _header_seconds, reset_seconds
from services.sources.limits import MAX_WAIT_SECONDS
from services.sources.ordertrack.client import OrdertrackClient
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine
from services.sync.coordinator import Schedule
from services.sync.ordertrack_source import OrdertrackOrderSource

from .caps_hostile import HostileBackend

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    """A backend that answers every order request with 429."""
    server = HostileBackend(orders="429").start()
    yield server
    server.stop()


def client_for(backend: HostileBackend, waits: list[float]) -> OrdertrackClient:
    """A client that records the waits it would sleep instead of sleeping."""
    return OrdertrackClient(
        backend.url, None, policy=RetryPolicy(max_attempts=3, max_wait=30.0), sleep=waits.append, clock=lambda: NOW
    )


@pytest.mark.parametrize(
    "header", ["1e308", "inf", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "1" + "0" * 90]
)
def test_huge_retry_after_defers_at_most_an_hour(backend: HostileBackend, header: str) -> None:
    """A 429 asking for ages: not slept, and the deferral it carries is one hour."""
    backend.retry_after = header
    waits: list[float] = []
    client = client_for(backend, waits)
    try:
        with pytest.raises(RateLimitedError) as limited:
            client.fetch_orders(None)
    finally:
        client.close()
    assert limited.value.retry_after == MAX_WAIT_SECONDS == HOUR
    assert waits == []  # longer than the policy's max_wait: the coordinator defers instead of sleeping
    assert backend.hits["/v1/orders"] == 1


@pytest.mark.parametrize("header", ["-5", "-1e308", "Thu, 01 Jan 1970 00:00:00 GMT"])
def test_negative_or_past_retry_after_means_now(backend: HostileBackend, header: str) -> None:
    """A wait in the past is no wait: retried at once, never a negative sleep."""
    backend.retry_after = header
    waits: list[float] = []
    client = client_for(backend, waits)
    try:
        with pytest.raises(RateLimitedError) as limited:
            client.fetch_orders(None)
    finally:
        client.close()
    assert waits == [0.0, 0.0]
    assert limited.value.retry_after == 0.0


@pytest.mark.parametrize("header", ["nan", "NaN", "-nan", "soon", "Mon, 99 Foo 2026", "1" + "0" * 400])
def test_unreadable_retry_after_falls_back_to_backoff(backend: HostileBackend, header: str) -> None:
    """NaN, garbage or an overlong value is ignored: the usual bounded backoff applies, no NaN is slept."""
    backend.retry_after = header
    waits: list[float] = []
    client = client_for(backend, waits)
    try:
        with pytest.raises(RateLimitedError) as limited:
            client.fetch_orders(None)
    finally:
        client.close()
    assert len(waits) == 2 and all(0.0 <= w <= 5.0 and not math.isnan(w) for w in waits), waits
    assert limited.value.retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1e308", HOUR), ("inf", HOUR), ("nan", None), ("-1e308", 0.0), (str(NOW + 90), 90.0), ("x", None)],
)
def test_rate_limit_reset_header_is_clamped(value: str, expected: float | None) -> None:
    """X-RateLimit-Reset (a Unix time) gives at most an hour, never negative, NaN ignored."""
    assert reset_seconds(value, NOW) == expected


def test_retry_after_header_parser_bounds() -> None:
    """The Retry-After parser: seconds or a date, bounded to [0, 1 h]; overlong input ignored."""
    assert _header_seconds("120", NOW) == 120.0
    assert _header_seconds("1e308", NOW) == HOUR
    assert _header_seconds("nan", NOW) is None
    assert _header_seconds("9" * 200, NOW) is None


def test_sync_and_schedule_defer_at_most_an_hour(backend: HostileBackend, tmp_path: Path) -> None:
    """End to end: the engine reports the clamped wait and the coordinator's next pull is within the hour."""
    backend.retry_after = "1e308"
    store = Store.open(tmp_path / "cache.db")
    waits: list[float] = []
    client = client_for(backend, waits)
    engine = SyncEngine(
        store,
        [
            SourceRuntime(
                config=SourceConfig(name="shop", kind="ordertrack", url=backend.url),
                orders=OrdertrackOrderSource(client, source="shop"),
            )
        ],
    )
    try:
        report = engine.sync_all()[0]
    finally:
        engine.close()
        store.close()
    assert report.error is not None and report.error.startswith("Rate limited:")
    assert report.retry_after == HOUR
    schedule = Schedule(10.0, rng=random.Random(1))
    schedule.failed(0.0, report.retry_after)
    assert HOUR <= schedule.next_due <= HOUR * 1.1 and schedule.not_before == HOUR


@pytest.mark.parametrize("asked", [1e308, math.inf, -math.inf, math.nan, -5.0])
def test_schedule_clamps_whatever_it_is_given(asked: float) -> None:
    """The coordinator's own guard: an unclamped value never pushes the next pull past an hour (or to NaN)."""
    schedule = Schedule(10.0, rng=random.Random(1))
    schedule.failed(100.0, asked)
    assert 100.0 < schedule.next_due <= 100.0 + HOUR
    assert not math.isnan(schedule.next_due) and not math.isnan(schedule.not_before)
    assert schedule.request(200.0) in (True, False)  # still answers, no overflow


def test_many_failures_do_not_overflow_the_backoff() -> None:
    """Thousands of failures in a row keep the backoff at its maximum instead of overflowing."""
    schedule = Schedule(10.0, rng=random.Random(1))
    for n in range(3000):
        schedule.failed(float(n))
    assert schedule.next_due <= 2999.0 + schedule.max_backoff * 1.1
