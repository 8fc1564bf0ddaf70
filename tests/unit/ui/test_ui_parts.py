"""The pieces under the screens: formatting, status colours, the sync hub and the sync loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from app.gui import free_port
from app.live import CoordinatorFactory, SyncEvent, SyncHub, SyncLoop, sync_interval
from app.state import Latest
from services.domain import (
    ChangeSet,
    NewTrackingEvent,
    Order,
    OrderPage,
    ShipmentStatus,
    SourceConfig,
    SyncInfo,
    SyncPhase,
    TrackingEvent,
)
from services.storage import Store
from services.sync import SourceRuntime, SyncEngine, SyncReport
from services.sync.coordinator import SyncCoordinator
from services.sync.ports import FetchedPage
from tests.unit.ui.support import make_order
from views import formatting as fmt
from views.shell import order_route, parse_route
from views.widgets import STATUS_TONES, TONE_COLORS, status_colors, sync_text

CET = timezone(timedelta(hours=1))


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("dark", [False, True])
def test_status_chips_meet_wcag_aa_contrast_in_both_themes(dark: bool):
    """Every status chip's text/background pair reaches 7:1 (AAA) in light and dark."""
    for status in STATUS_TONES:
        bg, fg = status_colors(status, dark)
        assert _contrast(bg, fg) >= 7.0, (status, dark, bg, fg)
    assert set(TONE_COLORS) == set(STATUS_TONES.values())


def test_every_domain_status_has_a_tone():
    """No status falls back silently to the neutral tone by omission."""
    from services.domain import OrderStatus

    for value in [*(s.value for s in OrderStatus), *(s.value for s in ShipmentStatus)]:
        assert value in STATUS_TONES, value


def test_money_and_labels():
    """Amounts keep their currency and grouping; vocabulary values read as words."""
    assert fmt.money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert fmt.money(Decimal("12"), "usd") == "$12.00"
    assert fmt.money(Decimal("1500"), "JPY") == "¥1,500"
    assert fmt.money(Decimal("9.9"), "CHF") == "9.90 CHF"
    assert fmt.money(Decimal("-5"), "GBP") == "-£5.00"
    assert fmt.label("out_for_delivery") == "Out for delivery"
    assert fmt.label("mobile_app") == "Mobile app"
    assert fmt.carrier_name("royal-mail") == "Royal Mail"
    assert fmt.carrier_name("some-new-carrier") == "Some New Carrier"
    assert fmt.count_orders(1) == "1 order"
    assert fmt.count_orders(1234) == "1,234 orders"


def test_times_show_in_the_given_zone_and_carrier_local_times_stay_unconverted():
    """UTC instants convert to the display zone; a carrier's offset-less time is shown as given."""
    t = datetime(2026, 11, 21, 14, 2, tzinfo=UTC)
    assert fmt.moment(t, CET) == "Sat 21 Nov 2026, 15:02"
    assert fmt.clock(t, CET) == "15:02"
    assert fmt.since(t, CET, now=t + timedelta(hours=1)) == "15:02"
    assert fmt.since(t, CET, now=t + timedelta(days=3)) == "21 Nov, 15:02"
    assert fmt.carrier_local("2026-11-21T09:02:00") == "Sat 21 Nov 2026, 09:02"
    assert fmt.carrier_local("21/11 09:02") == "21/11 09:02"
    start, end = datetime(2026, 11, 24, 7, tzinfo=UTC), datetime(2026, 11, 24, 17, tzinfo=UTC)
    assert fmt.window(start, end, CET) == "Tue 24 Nov, 08:00–18:00"
    assert fmt.date_range(date(2026, 11, 2), date(2026, 11, 9)) == "2 Nov 2026 – 9 Nov 2026"
    assert fmt.date_range(None, None) == "All dates"


def test_sync_text_covers_every_phase():
    """The status line says syncing, up to date, offline with cached data, or stale."""
    t = datetime.now(UTC).replace(hour=9, minute=30, second=0, microsecond=0)
    assert sync_text(SyncInfo(phase=SyncPhase.SYNCING, last_synced_at=t), UTC) == "Syncing…"
    assert sync_text(SyncInfo(phase=SyncPhase.UP_TO_DATE, last_synced_at=t), UTC) == "Last synced 09:30"
    assert sync_text(SyncInfo(phase=SyncPhase.FAILING, last_synced_at=t, error="timeout"), UTC) == (
        "Offline — showing cached data from 09:30"
    )
    assert sync_text(SyncInfo(phase=SyncPhase.STALE, stale_since=t), UTC) == "Stale since 09:30"
    assert sync_text(SyncInfo(), UTC) == "Not synced yet"


def test_routes_round_trip_order_numbers_with_url_characters():
    """Shopify-style names like "#1001" survive the route."""
    assert order_route("#1001") == "/orders/%231001"
    assert parse_route(order_route("#1001")) == ("order", "#1001")
    assert parse_route("/orders/W-10023") == ("order", "W-10023")
    assert parse_route("/settings") == ("settings", None)
    assert parse_route("/") == ("timeline", None)
    assert parse_route("/timeline") == ("timeline", None)
    assert parse_route("/orders/") == ("orders", None)
    assert parse_route("/nowhere") == ("timeline", None)


def test_hub_tracks_phases_and_goes_stale():
    """Started -> syncing; ok -> up to date; errors -> failing (last success kept); old -> stale."""
    now = [datetime(2026, 11, 25, 12, 0, tzinfo=UTC)]
    hub = SyncHub(SyncInfo(is_demo=True), stale_after=timedelta(minutes=10), clock=lambda: now[0])
    seen: list[SyncEvent] = []
    unsubscribe = hub.subscribe(seen.append)
    hub.started()
    assert hub.info.phase is SyncPhase.SYNCING
    event = NewTrackingEvent(
        "W-1", "1Z", "ups", TrackingEvent(now[0], ShipmentStatus.IN_TRANSIT, "Arrival scan")
    )
    hub.finished([SyncReport("demo", ChangeSet(new_orders=("W-2",), new_events=(event,)), finished_at=now[0])])
    assert hub.info.phase is SyncPhase.UP_TO_DATE and hub.info.last_synced_at == now[0]
    assert seen[-1].order_numbers == {"W-1", "W-2"}
    hub.finished([SyncReport("demo", error="connection refused")])
    assert hub.info.phase is SyncPhase.FAILING
    assert hub.info.error == "connection refused"
    assert hub.info.last_synced_at == now[0]
    hub.finished([SyncReport("demo", finished_at=now[0])])
    now[0] += timedelta(minutes=11)
    assert hub.info.phase is SyncPhase.STALE and hub.info.stale_since == now[0] - timedelta(minutes=11)
    assert hub.info.is_demo
    unsubscribe()
    assert hub.listener_count == 0


def test_hub_drops_a_listener_that_fails():
    """A closed session's listener that raises is removed; the others still hear."""
    hub = SyncHub(SyncInfo())
    heard: list[SyncEvent] = []

    def broken(_: SyncEvent) -> None:
        raise RuntimeError("session gone")

    hub.subscribe(broken)
    hub.subscribe(heard.append)
    hub.started()
    assert hub.listener_count == 1 and len(heard) == 1


class ScriptedFeed:
    """An order feed on this side of the wire: each pull asks ``answer`` for the orders changed since."""

    def __init__(self, answer: Callable[[], list[Order]]) -> None:
        self._answer = answer
        self.requests_sent = 0

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Return what ``answer`` gives, as one last page."""
        self.requests_sent += 1
        return FetchedPage(OrderPage(tuple(self._answer()), next_cursor=cursor, has_more=False))

    def close(self) -> None:
        """Nothing to release."""


def coordinated(store: Store, answer: Callable[[], list[Order]]) -> CoordinatorFactory:
    """The coordinator factory the app uses, over a real engine and cache and one scripted source (no push)."""
    config = SourceConfig(name="demo", kind="ordertrack", url="http://127.0.0.1:9")
    engine = SyncEngine(store, [SourceRuntime(config=config, orders=ScriptedFeed(answer))])

    def build(**hooks: Any) -> SyncCoordinator:
        return SyncCoordinator(engine, push=False, interval=3600, min_intervals={"ordertrack": 3600.0}, **hooks)

    return build


def test_sync_loop_runs_at_start_on_request_and_stops_cleanly(store: Store):
    """One pass at start, one more when asked, none after stop; the thread is a daemon and ends."""
    calls: list[float] = []
    hub = SyncHub(SyncInfo())
    done = threading.Event()

    def answer() -> list[Order]:
        calls.append(time.monotonic())
        done.set()
        return []

    passes = threading.Semaphore(0)
    hub.subscribe(lambda e: passes.release() if e.info.phase is SyncPhase.UP_TO_DATE else None)
    loop = SyncLoop(hub, coordinated(store, answer))
    loop.start()
    assert done.wait(5)
    assert passes.acquire(timeout=5), "the first pass never finished"
    done.clear()
    hub.request()
    assert done.wait(5)
    loop.stop()
    assert not loop._thread.is_alive()
    assert loop._thread.daemon
    assert len(calls) == 2
    assert hub.info.phase is SyncPhase.UP_TO_DATE


def test_sync_loop_survives_a_coordinator_that_cannot_start():
    """A coordinator that cannot be built becomes a failing status; the loop tries again when asked."""
    hub = SyncHub(SyncInfo())
    tries: list[int] = []
    tried = threading.Event()

    def broken(**hooks: Any) -> SyncCoordinator:
        tries.append(len(tries))
        tried.set()
        raise OSError("disk full")

    loop = SyncLoop(hub, broken)
    loop.start()
    assert tried.wait(5)
    tried.clear()
    hub.request()
    assert tried.wait(5)
    loop.stop()
    assert hub.info.phase is SyncPhase.FAILING and hub.info.error == "disk full"
    assert len(tries) == 2


def test_sync_interval_and_free_port(monkeypatch: pytest.MonkeyPatch):
    """ORDERTRACK_SYNC_INTERVAL is read (bad values fall back to 30 s); free ports are real."""
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", "5")
    assert sync_interval() == 5.0
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", "soon")
    assert sync_interval() == 30.0
    monkeypatch.delenv("ORDERTRACK_SYNC_INTERVAL")
    assert sync_interval() == 30.0
    assert 0 < free_port() < 65536


def test_first_sync_waits_for_the_first_paint_but_not_forever(store: Store):
    """The first pass starts as soon as a window showed the cache, or after the grace period."""
    started: list[float] = []
    done = threading.Event()

    def answer() -> list[Order]:
        started.append(time.monotonic())
        done.set()
        return []

    painted = threading.Event()
    loop = SyncLoop(SyncHub(SyncInfo()), coordinated(store, answer), first_paint=painted, startup_grace=30)
    loop.start()
    time.sleep(0.2)
    assert not started, "the first pass must wait for the first paint"
    painted.set()
    assert done.wait(5)
    loop.stop()

    done.clear()
    t0 = time.monotonic()
    loop = SyncLoop(
        SyncHub(SyncInfo()), coordinated(store, answer), first_paint=threading.Event(), startup_grace=0.2
    )
    loop.start()
    assert done.wait(5)
    loop.stop()
    assert started[-1] - t0 >= 0.2


def test_sync_loop_moves_finished_orders_to_history_before_telling_the_sessions(store: Store):
    """Housekeeping runs after a pass that changed the cache (before the sessions hear of it), then hourly."""
    hub = SyncHub(SyncInfo())
    heard: list[SyncEvent] = []
    hub.subscribe(heard.append)
    passes = threading.Event()
    moves: list[int] = []

    def answer() -> list[Order]:
        passes.set()
        return [make_order(1)] if len(moves) == 0 else []

    def housekeeping() -> int:
        moves.append(len(heard))  # how many events the sessions had heard when it ran
        return 3

    loop = SyncLoop(hub, coordinated(store, answer), housekeeping=housekeeping)
    loop.start()
    assert passes.wait(5)
    deadline = time.monotonic() + 5
    while not any(e.moved_to_history for e in heard) and time.monotonic() < deadline:
        time.sleep(0.01)
    finished = [e for e in heard if e.info.phase is SyncPhase.UP_TO_DATE]
    assert finished and finished[0].moved_to_history == 3 and finished[0].changed
    assert moves == [1]  # it ran once, after "syncing" and before the finished pass was announced
    passes.clear()
    hub.request()  # a second pass with no changes within the hour: no housekeeping
    assert passes.wait(5)
    loop.stop()
    assert moves == [1]
    assert all(e.moved_to_history == 0 for e in heard if e is not finished[0])


def test_a_failing_housekeeping_does_not_stop_syncing(store: Store):
    """An error while moving orders is logged; the pass still reaches the sessions."""
    hub = SyncHub(SyncInfo())
    heard: list[SyncEvent] = []
    hub.subscribe(heard.append)

    def housekeeping() -> int:
        raise OSError("database is locked")

    loop = SyncLoop(hub, coordinated(store, lambda: [make_order(1)]), housekeeping=housekeeping)
    loop.start()
    deadline = time.monotonic() + 5
    while not any(e.info.phase is SyncPhase.UP_TO_DATE for e in heard) and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop()
    done = [e for e in heard if e.info.phase is SyncPhase.UP_TO_DATE]
    assert done and done[0].moved_to_history == 0 and not done[0].changes.empty


def test_hub_announces_orders_moved_by_a_changed_delay():
    """A History delay changed in Settings moves orders: every session hears it (and nothing when none moved)."""
    hub = SyncHub(SyncInfo())
    heard: list[SyncEvent] = []
    hub.subscribe(heard.append)
    hub.moved_to_history(0)
    assert heard == []
    hub.moved_to_history(4)
    assert len(heard) == 1 and heard[0].moved_to_history == 4 and heard[0].changed and heard[0].changes.empty


def test_sync_interval_comes_from_the_setting_unless_the_environment_overrides_it(monkeypatch: pytest.MonkeyPatch):
    """Settings' sync_interval_seconds is the interval; ORDERTRACK_SYNC_INTERVAL overrides it; 1 s at least."""
    monkeypatch.delenv("ORDERTRACK_SYNC_INTERVAL", raising=False)
    assert sync_interval(120) == 120.0
    assert sync_interval(0) == 30.0  # unset in the file: the default
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", "5")
    assert sync_interval(120) == 5.0
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", "soon")
    assert sync_interval(120) == 120.0
    monkeypatch.setenv("ORDERTRACK_SYNC_INTERVAL", "0.01")
    assert sync_interval(120) == 1.0


def test_latest_drops_every_answer_a_newer_request_overtook():
    """The stale-answer guard of every screen state: only the newest ticket is current; cancel drops all."""
    latest = Latest()
    first = latest.begin()
    second = latest.begin()
    assert not latest.is_current(first) and latest.is_current(second)
    assert latest.peek() == second  # a follow-up (load more) of the same request
    latest.cancel()
    assert not latest.is_current(second)
