"""The process-wide sync status and the fan-out of sync results to every session (thread-safe).

The sync bridge (``app.live``) calls :class:`SyncHub`; each session's :class:`~app.state.AppState`
subscribes and applies the :class:`SyncEvent` on its own UI loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from services.domain import ChangeSet, SyncInfo, SyncPhase, SyncState, utc_now

from .ports import OrdersGateway

log = logging.getLogger(__name__)


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
            and info.last_synced_at is not None
            and self._clock() - info.last_synced_at > self._stale_after
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


def initial_sync_info(gateway: OrdersGateway, *, is_demo: bool) -> SyncInfo:
    """Describe the cache before this process synced: last success and any standing failure."""
    states: Iterable[SyncState] = gateway.sync_states()
    failing = [s for s in states if s.last_error]
    last = gateway.last_synced_at()
    if failing:
        stale = min((s.stale_since for s in failing if s.stale_since), default=None)
        return SyncInfo(
            phase=SyncPhase.FAILING,
            last_synced_at=last,
            error="; ".join(f"{s.source}: {s.last_error}" for s in failing),
            stale_since=stale,
            is_demo=is_demo,
        )
    return SyncInfo(phase=SyncPhase.UP_TO_DATE if last else SyncPhase.NEVER, last_synced_at=last, is_demo=is_demo)
