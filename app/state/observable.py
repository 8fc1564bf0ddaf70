"""What every screen state shares: its own listeners, the "drop a stale answer" guard, the session clock.

Each screen's state (``orders``, ``order``, ``feed``, ...) is an :class:`Observable`: a view subscribes
to the one it shows and repaints when it calls back. A read that a newer one overtook (fast typing)
is dropped by :class:`Latest`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, TypeVar

from services.domain import ListFilters, OrderFilter, SyncInfo, utc_now

log = logging.getLogger(__name__)

T = TypeVar("T")

Listener = Callable[[], None]
"""Called on the UI loop after the state it subscribed to changed."""


class Latest:
    """Tells whether an answer still belongs to the newest request (older answers are dropped)."""

    def __init__(self) -> None:
        """Start with no request made."""
        self._ticket = 0

    def begin(self) -> int:
        """Start a request that overtakes every earlier one; return its ticket."""
        self._ticket += 1
        return self._ticket

    def peek(self) -> int:
        """Return the newest ticket without overtaking it (a follow-up of the same request)."""
        return self._ticket

    def is_current(self, ticket: int) -> bool:
        """Tell whether ``ticket`` is still the newest request."""
        return ticket == self._ticket

    def cancel(self) -> None:
        """Drop the answer of every request made so far."""
        self._ticket += 1


class Observable:
    """Listeners of one state object; a failing listener is logged, never raised to the caller."""

    def __init__(self) -> None:
        """Start without listeners."""
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def notify(self) -> None:
        """Tell every listener that this state changed."""
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("state listener failed")


class Status(Observable):
    """The session's clock, time zone and sync status (the status line); shared by every screen state."""

    def __init__(
        self,
        sync: SyncInfo | None = None,
        *,
        tz: tzinfo | None = None,
        clock: Callable[[], datetime] = utc_now,
        request_sync: Callable[[], None] | None = None,
    ) -> None:
        """Start from ``sync`` (default: never synced)."""
        super().__init__()
        self.sync = sync or SyncInfo()
        self.tz = tz
        self.clock = clock
        self._request_sync = request_sync

    @property
    def now(self) -> datetime:
        """Return the current time (UTC)."""
        return self.clock()

    def request_sync(self) -> None:
        """Ask the background sync to run now."""
        if self._request_sync is not None:
            self._request_sync()

    def set_sync(self, info: SyncInfo) -> None:
        """Show a new sync status."""
        self.sync = info
        self.notify()


class ScreenState(Observable):
    """A screen's state: its own listeners, plus the session's clock, time zone and sync status."""

    def __init__(self, status: Status) -> None:
        """Share ``status`` with the other screens of the session."""
        super().__init__()
        self.status = status

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time)."""
        return self.status.tz

    @property
    def now(self) -> datetime:
        """Return the current time (UTC; a seam for tests)."""
        return self.status.now

    @property
    def sync(self) -> SyncInfo:
        """Return the sync status snapshot."""
        return self.status.sync

    def request_sync(self) -> None:
        """Ask the background sync to run now."""
        self.status.request_sync()


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking read or write on a worker thread."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def local_bound(day: date, at: time, tz: tzinfo | None) -> datetime:
    """Return the UTC instant of ``day`` at ``at`` in ``tz`` (None: this machine's local time)."""
    if tz is None:
        return datetime.combine(day, at).astimezone().astimezone(UTC)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def list_filter(
    filters: ListFilters, start: date | None, end: date | None, tz: tzinfo | None, **extra: Any
) -> OrderFilter:
    """Return the cache filter of a list screen: its filters, its dates (inclusive local days) and ``extra``."""
    return OrderFilter(
        placed_from=local_bound(start, time.min, tz) if start else None,
        placed_to=local_bound(end, time.max, tz) if end else None,
        statuses=(filters.status,) if filters.status else (),
        channels=(filters.channel,) if filters.channel else (),
        carriers=(filters.carrier,) if filters.carrier else (),
        source=filters.source,
        **extra,
    )


def reason(err: BaseException) -> str:
    """Return an error in plain words (its message, else its type)."""
    text = str(err).strip()
    return text or type(err).__name__
