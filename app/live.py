"""The sync bridge: the one background sync of the process, from the coordinator to the sessions.

    SyncCoordinator (services.sync: schedules, backoff, push streams)
        │ hooks given in its constructor: on_pass_started / on_report / on_push
        ▼
    SyncLoop (this module): housekeeping (History moves), which reports are worth a repaint
        │
        ▼
    SyncHub.finished(reports) ─▶ each session's AppState.apply_sync (app.state) ─▶ screens repaint

The interval is the setting ``sync_interval_seconds``; ``ORDERTRACK_SYNC_INTERVAL`` overrides it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from app.state import SyncHub
from services.domain import ChangeSet, utc_now
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
