"""The sync bridge: the one background sync of the process, from the coordinator to the sessions.

    SyncCoordinator (services.sync: schedules, backoff, push streams)
        │ hooks given in its constructor: on_pass_started / on_report / on_push
        ▼
    SyncLoop (this module): housekeeping (History moves), which reports are worth a repaint
        │
        ▼
    SyncHub (this module): the process-wide status; fans each SyncEvent out to every session
        │ (thread-safe; each session hands it to its own UI loop)
        ▼
    AppState.apply_sync (app.state) ─▶ the screen states that changed re-read and notify ─▶ views repaint

The interval is the setting ``sync_interval_seconds``; ``ORDERTRACK_SYNC_INTERVAL`` overrides it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from services.domain import ChangeSet, SyncHealth, SyncInfo, SyncPhase, sync_health, utc_now
from services.sync import SyncReport
from services.sync.coordinator import SyncCoordinator

log = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL = 30.0
HEARTBEAT = 60.0
"""Unchanged background pulls reach the sessions at most this often (keeps "last synced" current)."""
HOUSEKEEPING_EVERY = 3600.0
"""Seconds between History moves when no pass changed anything (passes with changes run it at once)."""
STARTUP_GRACE = 3.0
"""Longest the first sync pass waits for the first window to show the cache."""


def sync_interval(configured: float | None = None) -> float:
    """Return the background sync interval in seconds.

    ``ORDERTRACK_SYNC_INTERVAL`` overrides the setting ``sync_interval_seconds`` (``configured``);
    without either it is 30 s. Each source kind's floor still applies in the coordinator.
    """
    default = float(configured) if configured else DEFAULT_SYNC_INTERVAL
    raw = os.environ.get("ORDERTRACK_SYNC_INTERVAL", "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("ignoring ORDERTRACK_SYNC_INTERVAL=%r (not a number)", raw)
        value = default
    return max(value, 1.0)

class ReportLike(Protocol):
    """What the hub reads from a ``services.sync.SyncReport``."""

    @property
    def source(self) -> str:
        """Return the source name."""
        ...

    @property
    def changes(self) -> ChangeSet:
        """Return what the sync wrote."""
        ...

    @property
    def error(self) -> str | None:
        """Return why the sync failed, if it did."""
        ...

    @property
    def finished_at(self) -> datetime | None:
        """Return when the sync ended."""
        ...


@dataclass(frozen=True, slots=True)
class SyncEvent:
    """What one sync pass (or its start) tells the sessions."""

    info: SyncInfo
    changes: ChangeSet = field(default_factory=ChangeSet)
    moved_to_history: int = 0
    """How many finished orders moved to History with this event (the lists change too)."""

    @property
    def changed(self) -> bool:
        """Tell whether the cached orders changed (a sync's changes, or orders moved to History)."""
        return not self.changes.empty or self.moved_to_history > 0

    @property
    def order_numbers(self) -> frozenset[str]:
        """Return every order number the pass touched."""
        c = self.changes
        return frozenset((*c.new_orders, *c.changed_orders, *(e.order_number for e in c.new_events)))


SyncListener = Callable[[SyncEvent], None]


class SyncHub:
    """Process-wide sync status and the fan-out of sync results to every session (thread-safe)."""

    def __init__(
        self,
        initial: SyncInfo,
        *,
        stale_after: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Start from what the cache already knows (see :func:`initial_sync_info`)."""
        self._lock = threading.Lock()
        self._listeners: list[SyncListener] = []
        self._info = initial
        self._stale_after = stale_after
        self._clock = clock
        self.wake = threading.Event()
        """Set to make the sync loop run now instead of waiting out its interval."""

    @property
    def info(self) -> SyncInfo:
        """Return the current status (``up to date`` turns ``stale`` once too old)."""
        with self._lock:
            info = self._info
        if (
            info.phase is SyncPhase.UP_TO_DATE
            and sync_health(info.last_synced_at, None, self._clock(), self._stale_after) is SyncHealth.STALE
        ):
            return replace(info, phase=SyncPhase.STALE, stale_since=info.last_synced_at)
        return info

    def subscribe(self, listener: SyncListener) -> Callable[[], None]:
        """Register a session's listener; return the function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    @property
    def listener_count(self) -> int:
        """Return how many sessions listen."""
        with self._lock:
            return len(self._listeners)

    def request(self) -> None:
        """Ask the sync loop to run now."""
        self.wake.set()

    def started(self) -> None:
        """Record that a sync pass began."""
        with self._lock:
            self._info = replace(self._info, phase=SyncPhase.SYNCING)
        self._emit(SyncEvent(self.info))

    def finished(self, reports: Sequence[ReportLike], *, moved_to_history: int = 0) -> None:
        """Record a finished pass and tell every session what changed (and how many orders moved to History)."""
        errors = [f"{r.source}: {r.error}" if len(reports) > 1 else r.error for r in reports if r.error]
        ok = [r for r in reports if not r.error]
        changes = ChangeSet()
        for r in reports:
            changes = changes + r.changes
        with self._lock:
            info = self._info
            if ok:
                done = max((r.finished_at for r in ok if r.finished_at is not None), default=None) or self._clock()
                info = replace(info, last_synced_at=done)
            if errors:
                info = replace(info, phase=SyncPhase.FAILING, error="; ".join(e for e in errors if e))
            else:
                info = replace(info, phase=SyncPhase.UP_TO_DATE, error=None, stale_since=None)
            self._info = info
        self._emit(SyncEvent(self.info, changes, moved_to_history))

    def moved_to_history(self, count: int) -> None:
        """Tell every session that ``count`` finished orders moved to History (their lists change)."""
        if count > 0:
            self._emit(SyncEvent(self.info, moved_to_history=count))

    def failed(self, reason: str) -> None:
        """Record a pass that could not run at all (e.g. a configuration problem)."""
        with self._lock:
            self._info = replace(self._info, phase=SyncPhase.FAILING, error=reason)
        self._emit(SyncEvent(self.info))

    def _emit(self, event: SyncEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a closed session must not stop the others
                log.warning("sync listener failed; dropping it", exc_info=True)
                with self._lock:
                    if listener in self._listeners:
                        self._listeners.remove(listener)


class CoordinatorFactory(Protocol):
    """Builds the coordinator with the loop's hooks (called on the loop's thread)."""

    def __call__(
        self,
        *,
        on_pass_started: Callable[[], None],
        on_report: Callable[[SyncReport], None],
        on_push: Callable[[str, ChangeSet], None],
    ) -> SyncCoordinator:
        """Return a coordinator that calls the hooks."""
        ...


class SyncLoop:
    """The one background sync of the process: a daemon thread driving the sync coordinator.

    ``coordinator`` (a factory, called in the thread with the loop's hooks) builds the one scheduler:
    the sources are pulled on their own schedules and their push streams feed the hub live. When it
    cannot be built (a misconfigured source), the failure is shown and building is tried again when
    a session asks for a sync, or after ``retry`` seconds.
    """

    def __init__(
        self,
        hub: SyncHub,
        coordinator: CoordinatorFactory,
        *,
        first_paint: threading.Event | None = None,
        startup_grace: float = STARTUP_GRACE,
        housekeeping: Callable[[], int] | None = None,
        retry: float = DEFAULT_SYNC_INTERVAL,
    ) -> None:
        """Prepare the loop; :meth:`start` runs it.

        ``housekeeping`` moves finished orders to History (returns how many moved). It runs after
        every pass that changed the cache and at least every :data:`HOUSEKEEPING_EVERY` seconds,
        before the pass reaches the sessions, so they never show an order that is about to move.

        The first pass waits for ``first_paint`` (set once a window has shown the cache) for at most
        ``startup_grace`` seconds: a pass can be CPU-heavy (the embedded demo generates its data) and
        must not slow the web server while the browser loads the client and the first screen.
        """
        self._hub = hub
        self._retry = retry
        self._first_paint = first_paint
        self._startup_grace = startup_grace
        self._make_coordinator = coordinator
        self._housekeeping = housekeeping
        self._housekeeping_lock = threading.Lock()
        self._last_housekeeping = float("-inf")
        self.coordinator: SyncCoordinator | None = None
        self._latest: dict[str, SyncReport] = {}
        self._latest_lock = threading.Lock()
        self._show_next_pass = threading.Event()
        self._shown_pass = False
        self._last_forward = float("-inf")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ordertrack-sync", daemon=True)

    def start(self) -> None:
        """Start syncing: once now, then every interval (or when the hub is asked to)."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end and wait a little for a running pass to finish."""
        self._stop.set()
        self._hub.wake.set()
        if self._first_paint is not None:
            self._first_paint.set()  # end the startup wait too
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        if self._first_paint is not None:
            self._first_paint.wait(self._startup_grace)
        while not self._stop.is_set():  # checked first: a stop during the startup wait builds nothing
            self._hub.wake.clear()
            try:
                self.coordinator = self._make_coordinator(
                    on_pass_started=self._pass_started, on_report=self._on_report, on_push=self._on_push
                )
            except Exception as err:  # e.g. a misconfigured source: show it, try again when asked
                log.warning("cannot start the sync coordinator: %s", err, exc_info=True)
                self._hub.failed(str(err) or type(err).__name__)
                self._hub.wake.wait(self._retry)
            else:
                self._run_coordinated(self.coordinator)
                return

    def _hub_reports(self, report: SyncReport) -> list[SyncReport]:
        """Return every source's latest report, only ``report`` carrying changes (errors stay visible)."""
        with self._latest_lock:
            self._latest[report.source] = report
            return [r if r is report else replace(r, changes=ChangeSet()) for r in self._latest.values()]

    def _on_push(self, source: str, changes: ChangeSet) -> None:
        with self._latest_lock:
            base = self._latest.get(source) or SyncReport(source=source)
        self._hub.finished(self._hub_reports(replace(base, changes=changes, finished_at=utc_now())))

    def _pass_started(self) -> None:
        """Show "syncing" for the first pass and asked-for ones, not for background polls and push catch-ups."""
        if self._show_next_pass.is_set():
            self._show_next_pass.clear()
            self._shown_pass = True
            self._hub.started()

    def _housekeep(self, changed: bool) -> int:
        """Move old finished orders to History when due; return how many moved (0 on failure)."""
        if self._housekeeping is None:
            return 0
        with self._housekeeping_lock:
            now = time.monotonic()
            if not changed and now - self._last_housekeeping < HOUSEKEEPING_EVERY:
                return 0
            self._last_housekeeping = now
            try:
                return self._housekeeping()
            except Exception as err:  # housekeeping must never stop syncing
                log.warning("moving finished orders to History failed: %s", err, exc_info=True)
                return 0

    def _on_report(self, report: SyncReport) -> None:
        """Forward a pull to the sessions when it matters: changes, a health flip, a shown pass, or a heartbeat.

        Background polls and push catch-ups that change nothing would otherwise re-render every
        session every few seconds (and an input being typed in would be repainted under the user).
        """
        with self._latest_lock:
            before = self._latest.get(report.source)
        now = time.monotonic()
        shown = self._shown_pass
        self._shown_pass = False
        flipped = before is None or (before.error is None) != (report.error is None) or before.error != report.error
        moved = self._housekeep(not report.changes.empty)
        if shown or flipped or moved or not report.changes.empty or now - self._last_forward >= HEARTBEAT:
            self._last_forward = now
            self._hub.finished(self._hub_reports(report), moved_to_history=moved)
        else:
            self._hub_reports(report)  # remember it (its health) without waking the sessions

    def _run_coordinated(self, coordinator: SyncCoordinator) -> None:
        self._show_next_pass.set()
        coordinator.start()
        try:
            while not self._stop.is_set():
                self._hub.wake.wait()
                self._hub.wake.clear()
                if self._stop.is_set():
                    break
                self._show_next_pass.set()  # the asked-for pass shows "syncing" (now or after the debounce)
                coordinator.request_refresh()
        finally:
            coordinator.close()
