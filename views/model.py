"""What the views need from the app: read-only state plus actions, as Protocols and small values.

Views never import ``app``. The composition root builds an object that satisfies
:class:`OrdersUiModel` (``app.state.AppState``) and hands it to the views::

    app.gui ──builds──▶ app.state.AppState ──satisfies──▶ views.model.OrdersUiModel
                                │                                   │
                       OrdersGateway (store)              views read fields, call actions,
                                                          and subscribe() to repaint
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from services.domain import Order, OrderSummary, TimelineEntry


class Aspect(StrEnum):
    """Which part of the state changed (listeners repaint only what they show)."""

    LIST = "list"
    ORDER = "order"
    SYNC = "sync"
    THEME = "theme"


class ThemeChoice(StrEnum):
    """The user's theme preference."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class SyncPhase(StrEnum):
    """Where the background sync stands, as the UI tells it."""

    NEVER = "never"
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"
    FAILING = "failing"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class SyncInfo:
    """A snapshot of the sync status shown in the status bar."""

    phase: SyncPhase = SyncPhase.NEVER
    last_synced_at: datetime | None = None
    error: str | None = None
    stale_since: datetime | None = None
    is_demo: bool = False

    @property
    def syncing(self) -> bool:
        """Tell whether a sync is running right now."""
        return self.phase is SyncPhase.SYNCING


Listener = Callable[[frozenset[Aspect]], None]
"""Called on the UI loop with the aspects that changed."""


class OrdersUiModel(Protocol):
    """The per-session state and actions the screens are built from."""

    @property
    def query(self) -> str:
        """Return the search text (an order-number prefix)."""
        ...

    @property
    def date_from(self) -> date | None:
        """Return the first day of the date filter (inclusive)."""
        ...

    @property
    def date_to(self) -> date | None:
        """Return the last day of the date filter (inclusive)."""
        ...

    @property
    def summaries(self) -> Sequence[OrderSummary]:
        """Return the rows loaded so far (pages appended in order)."""
        ...

    @property
    def total(self) -> int:
        """Return how many cached orders match the filter."""
        ...

    @property
    def cache_total(self) -> int:
        """Return how many orders the cache holds without any filter."""
        ...

    @property
    def has_more(self) -> bool:
        """Tell whether more rows match than are loaded."""
        ...

    @property
    def list_error(self) -> str | None:
        """Return why the list could not be read, if it could not."""
        ...

    @property
    def order(self) -> Order | None:
        """Return the open order, if one is open and found."""
        ...

    @property
    def order_number(self) -> str | None:
        """Return the number of the order the user asked for."""
        ...

    @property
    def timeline(self) -> Sequence[TimelineEntry]:
        """Return the unified timeline of the open order, oldest first."""
        ...

    @property
    def sync(self) -> SyncInfo:
        """Return the sync status snapshot."""
        ...

    @property
    def theme(self) -> ThemeChoice:
        """Return the theme preference."""
        ...

    @property
    def data_location(self) -> str:
        """Return where the local cache lives on disk."""
        ...

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time, DST-aware)."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        ...

    async def search(self, text: str) -> None:
        """Filter by order-number prefix and reload the first page."""
        ...

    async def set_dates(self, start: date | None, end: date | None) -> None:
        """Filter by placed date (inclusive days) and reload the first page."""
        ...

    async def load_more(self) -> None:
        """Append the next page of rows."""
        ...

    async def reload(self) -> None:
        """Re-read the first page (and the open order) from the cache."""
        ...

    async def open_order(self, order_number: str) -> None:
        """Load one order and its unified timeline."""
        ...

    def close_order(self) -> None:
        """Forget the open order."""
        ...

    def request_sync(self) -> None:
        """Ask the background sync to run now."""
        ...

    def set_theme(self, choice: ThemeChoice) -> None:
        """Change the theme preference."""
        ...
