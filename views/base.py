"""What every screen's state offers besides its own data: the session's time zone, clock and sync status.

Each screen's Protocol (``OrdersModel`` in ``views.orders_view`` ...) extends :class:`ScreenModel`;
``app.state.ScreenState`` provides it for every screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Protocol

from services.domain import SyncInfo


class ScreenModel(Protocol):
    """The session's time zone, clock and sync status, and the "sync now" action."""

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time, DST-aware)."""
        ...

    @property
    def now(self) -> datetime:
        """Return the current time (UTC; a seam for tests)."""
        ...

    @property
    def sync(self) -> SyncInfo:
        """Return the sync status snapshot."""
        ...

    def request_sync(self) -> None:
        """Ask the background sync to run now."""


class Observed(Protocol):
    """A state object with its own listeners."""

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        ...
