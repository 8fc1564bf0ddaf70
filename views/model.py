"""What the views need from the app: read-only state plus actions, as Protocols and small values.

Views never import ``app``. The composition root builds an object that satisfies
:class:`OrdersUiModel` (``app.state.AppState``) and hands it to the views::

    app.gui ──builds──▶ app.state.AppState ──satisfies──▶ views.model.OrdersUiModel
                                │                                   │
                       OrdersGateway (store)              views read fields, call actions,
                                                          and subscribe() to repaint
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from services.domain import (
    Channel,
    EtaChange,
    FeedEntry,
    Order,
    OrderStatus,
    OrderSummary,
    TimelineEntry,
)


class Aspect(StrEnum):
    """Which part of the state changed (listeners repaint only what they show)."""

    LIST = "list"
    ORDER = "order"
    SYNC = "sync"
    THEME = "theme"
    FEED = "feed"
    SOURCES = "sources"
    DATA = "data"
    ALERTS = "alerts"
    HISTORY = "history"
    EXPORT = "export"


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


class AttentionReason(StrEnum):
    """Why an order is pinned on top of the Timeline."""

    EXCEPTION = "exception"
    FAILED_ATTEMPT = "failed_attempt"
    ACTION_REQUIRED = "action_required"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELAYED = "delayed"
    STALE = "stale"


ATTENTION_TITLES: dict[AttentionReason, str] = {
    AttentionReason.EXCEPTION: "Delivery problem",
    AttentionReason.FAILED_ATTEMPT: "Delivery attempt failed",
    AttentionReason.ACTION_REQUIRED: "Action required",
    AttentionReason.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    AttentionReason.DELAYED: "Delayed — ETA passed",
    AttentionReason.STALE: "No carrier update for 3+ days",
}


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One pinned "needs attention" line of the Timeline (one per shipment and reason)."""

    order_number: str
    reason: AttentionReason
    detail: str
    since: datetime
    merchant: str = ""
    carrier: str = ""
    tracking_number: str = ""


class SortOrder(StrEnum):
    """How the orders list is sorted by placed date."""

    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The Orders screen's filters besides search text and dates (empty: no filter)."""

    status: OrderStatus | None = None
    channel: Channel | None = None
    carrier: str | None = None
    source: str | None = None
    needs_attention: bool = False

    @property
    def active(self) -> bool:
        """Tell whether any of these filters is set."""
        return bool(self.status or self.channel or self.carrier or self.source or self.needs_attention)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A data source and its sync health, as Settings lists it."""

    name: str
    kind: str
    url: str
    health: str = "never"
    last_success_at: datetime | None = None
    stale_since: datetime | None = None
    last_error: str | None = None
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class SourceTest:
    """The state of a "Test connection" run of one source."""

    source: str
    running: bool = True
    ok: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """One alert rule as the customer sees it in Settings."""

    id: str
    title: str
    description: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """The customer's notification preferences (the same data `ordertrack prefs` edits)."""

    native: bool
    in_app: bool
    email: bool
    email_address: str
    quiet_hours: str
    timezone: str
    rules: tuple[RuleSetting, ...]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DataCheck:
    """The result of checking the local database."""

    running: bool = True
    problems: tuple[str, ...] = ()
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the check finished and found nothing wrong."""
        return not self.running and not self.problems


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One line of the notification log: an alert on one channel (or a suppressed one)."""

    id: int
    order_number: str
    title: str
    created_at: datetime
    channel: str
    status: str
    reason: str
    unread: bool = False
    body: str = ""


@dataclass(frozen=True, slots=True)
class ExportJob:
    """The state of a History export ("Export PDF / CSV / JSON")."""

    fmt: str
    running: bool = True
    phase: str = "orders"
    done: int = 0
    total: int = 0
    error: str | None = None
    cancelled: bool = False
    file_name: str | None = None

    @property
    def fraction(self) -> float | None:
        """Return how far the export is (0..1), or None while the size is unknown."""
        if not self.total:
            return None
        return min(max(self.done / self.total, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A finished export, ready to hand to the save dialog / browser download."""

    file_name: str
    data: bytes


Listener = Callable[[frozenset[Aspect]], None]
"""Called on the UI loop with the aspects that changed."""


class NotificationsUiModel(Protocol):
    """The notification log the Notifications screen shows, and its actions."""

    @property
    def alerts(self) -> Sequence[AlertItem]:
        """Return the alert log, newest first."""
        ...

    @property
    def alerts_loaded(self) -> bool:
        """Tell whether the log was read at least once."""
        ...

    @property
    def alerts_error(self) -> str | None:
        """Return why the log could not be read, if it could not."""
        ...

    @property
    def unread_count(self) -> int:
        """Return how many in-app alerts are unread (the navigation badge)."""
        ...

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time)."""
        ...

    async def load_alerts(self) -> None:
        """Read the alert log and the unread count."""
        ...

    async def refresh_unread(self) -> None:
        """Re-read the unread count only (the navigation badge)."""
        ...

    async def mark_all_read(self) -> None:
        """Mark every alert read."""
        ...

    async def mark_alert_read(self, alert_id: int) -> None:
        """Mark one alert read."""
        ...


class HistoryUiModel(Protocol):
    """Archived orders (History), their search, and the History exports."""

    @property
    def history(self) -> Sequence[OrderSummary]:
        """Return the archived orders shown, newest first."""
        ...

    @property
    def history_total(self) -> int:
        """Return how many archived orders match the search."""
        ...

    @property
    def history_query(self) -> str:
        """Return the History search text (an order-number prefix)."""
        ...

    @property
    def history_query_set(self) -> int:
        """Return a counter that moves when the History search was set from outside its field."""
        ...

    @property
    def history_loaded(self) -> bool:
        """Tell whether History was read at least once."""
        ...

    @property
    def history_error(self) -> str | None:
        """Return why History could not be read, if it could not."""
        ...

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time)."""
        ...

    @property
    def export_job(self) -> ExportJob | None:
        """Return the running (or last) export."""
        ...

    async def load_history(self) -> None:
        """Read the archived orders matching the search."""
        ...

    @property
    def history_filters(self) -> ListFilters:
        """Return the History filters (status, channel, carrier, source)."""
        ...

    @property
    def history_date_from(self) -> date | None:
        """Return the first day of the History date filter (inclusive)."""
        ...

    @property
    def history_date_to(self) -> date | None:
        """Return the last day of the History date filter (inclusive)."""
        ...

    @property
    def history_carriers(self) -> Sequence[str]:
        """Return the carriers archived orders have (the carrier filter's options)."""
        ...

    @property
    def history_sources(self) -> Sequence[str]:
        """Return the sources archived orders come from (the source filter's options)."""
        ...

    @property
    def history_filtered(self) -> bool:
        """Tell whether any History search, date or filter is set."""
        ...

    @property
    def history_after_days(self) -> int | None:
        """Return the days before finished orders move to History (None until read)."""
        ...

    async def search_history(self, text: str) -> None:
        """Filter History by text: order number, merchant, customer, items or tracking number."""
        ...

    async def set_history_filters(self, filters: ListFilters) -> None:
        """Filter History by status, channel, carrier and source."""
        ...

    async def show_in_history(self) -> None:
        """Give History the Orders screen's search, dates and filters (before showing it)."""
        ...

    async def set_history_dates(self, start: date | None, end: date | None) -> None:
        """Filter History by placed date (inclusive days)."""
        ...

    async def clear_history_filters(self) -> None:
        """Drop every History search, date and filter."""
        ...

    async def export_history(self, fmt: str) -> ExportFile | None:
        """Build the ``fmt`` export of History off the UI loop; None when cancelled or failed."""
        ...

    def cancel_export(self) -> None:
        """Ask the running export to stop."""
        ...


class SelfServiceUiModel(Protocol):
    """The app's own metrics the Order screen feeds: feedback answers, tracking links opened, numbers copied.

    Recording is fire-and-forget off the UI loop (kept on this device only); a failure is logged,
    never shown.
    """

    def feedback_for(self, order_number: str) -> bool | None:
        """Return this session's answer to "Did this page answer your question?" for an order (None: none)."""
        ...

    async def answer_feedback(self, order_number: str, helpful: bool) -> None:
        """Record the answer for an order (once per order per session; later answers are ignored)."""
        ...

    async def tracking_link_opened(self, order_number: str, carrier: str) -> None:
        """Record that the customer opened a shipment's tracking page."""
        ...

    async def tracking_number_copied(self, order_number: str, carrier: str) -> None:
        """Record that the customer copied a tracking number."""
        ...


class OrdersUiModel(NotificationsUiModel, HistoryUiModel, SelfServiceUiModel, Protocol):
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
        """Return how many live orders the cache holds without any filter (History not counted)."""
        ...

    @property
    def history_matches(self) -> int:
        """Return how many orders matching the current filters are in History instead of the list."""
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
    def eta_history(self) -> Mapping[str, Sequence[EtaChange]]:
        """Return the open order's ETA changes per tracking number, oldest first (absent: none known)."""
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

    @property
    def filters(self) -> ListFilters:
        """Return the status / channel / carrier / source / attention filters of the orders list."""
        ...

    @property
    def sort(self) -> SortOrder:
        """Return the sort order of the orders list."""
        ...

    @property
    def carrier_choices(self) -> Sequence[str]:
        """Return the carrier slugs the cache holds (for the carrier filter)."""
        ...

    @property
    def source_choices(self) -> Sequence[str]:
        """Return the source names the cache holds (for the source filter)."""
        ...

    @property
    def attention(self) -> Sequence[AttentionItem]:
        """Return the pinned "needs attention" items, most recent first."""
        ...

    @property
    def feed(self) -> Sequence[FeedEntry]:
        """Return the loaded Timeline feed, newest first."""
        ...

    @property
    def feed_has_more(self) -> bool:
        """Tell whether older feed entries can be loaded."""
        ...

    @property
    def feed_loading(self) -> bool:
        """Tell whether the feed is being read."""
        ...

    @property
    def feed_loaded(self) -> bool:
        """Tell whether the feed was read at least once."""
        ...

    @property
    def feed_error(self) -> str | None:
        """Return why the feed could not be read, if it could not."""
        ...

    @property
    def sources(self) -> Sequence[SourceInfo]:
        """Return the data sources with their health."""
        ...

    @property
    def source_test(self) -> SourceTest | None:
        """Return the last (or running) "Test connection" result."""
        ...

    @property
    def data_check(self) -> DataCheck | None:
        """Return the last (or running) database check."""
        ...

    @property
    def notification_settings(self) -> NotificationSettings | None:
        """Return the notification preferences (None until read, or where alerts are not wired)."""
        ...

    async def load_notification_settings(self) -> None:
        """Read the notification preferences."""
        ...

    @property
    def encryption(self) -> str:
        """Describe how the local database is protected ("" until read)."""
        ...

    async def load_data_settings(self) -> None:
        """Read the History delay and the encryption state."""
        ...

    async def set_history_after_days(self, days: int) -> int:
        """Change the History delay and apply it now; return how many orders moved."""
        ...

    async def set_notification_setting(self, key: str, value: str) -> None:
        """Change one preference (`ordertrack prefs set` keys); a bad value is reported in ``error``."""
        ...

    @property
    def now(self) -> datetime:
        """Return the current time (UTC; a seam for tests)."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        ...

    async def set_filters(self, filters: ListFilters) -> None:
        """Filter the orders list and reload its first page."""
        ...

    async def set_sort(self, sort: SortOrder) -> None:
        """Sort the orders list and reload its first page."""
        ...

    async def load_choices(self) -> None:
        """Read the filter choices and the sources' health."""
        ...

    async def load_feed(self) -> None:
        """Read the pinned items and the first page of the Timeline feed."""
        ...

    async def load_more_feed(self) -> None:
        """Append older Timeline feed entries."""
        ...

    async def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source (the token goes to the keyring); raise ValueError with the reason."""
        ...

    async def remove_source(self, name: str) -> None:
        """Remove a source and its token."""
        ...

    async def test_source(self, name: str) -> None:
        """Sync one source once, off the UI loop, and keep the outcome in :attr:`source_test`."""
        ...

    async def check_data(self) -> None:
        """Check the local database and keep the outcome in :attr:`data_check`."""
        ...

    async def clear_cache(self) -> int:
        """Delete the cached live orders (History kept) and download them again; return how many went."""
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
