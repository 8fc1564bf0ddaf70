"""Observable app state: one :class:`AppState` per browser session, one :class:`SyncHub` per process.

How a background change reaches every open window::

    SyncLoop thread ── container.sync_once() ──▶ SyncHub.finished(reports)
                                                    │ (thread-safe fan-out)
                          per session: page.run_task(state.apply_sync, event)
                                                    │ (on the UI loop)
         AppState re-queries the cache through its OrdersGateway ──▶ listeners (views) repaint + update()

Views never see the store: they read :class:`AppState` (which satisfies
``views.model.OrdersUiModel``) and call its actions.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol, TypeVar

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    AppError,
    ChangeSet,
    EtaChange,
    FeedEntry,
    Order,
    OrderFilter,
    OrderStatus,
    OrderSummary,
    ShipmentStatus,
    SourceConfig,
    SyncState,
    TimelineEntry,
    unified_timeline,
    utc_now,
)
from services.notify import RULES, Preferences, alert_entries, apply_setting, load_prefs, save_prefs
from services.storage import NotifyRepository, Store
from services.storage import usage as usage_kinds
from services.storage.archive import HISTORY_STATUSES, count_orders, history_choices, list_orders
from services.sync import is_internal_state
from views.model import (
    AlertItem,
    Aspect,
    AttentionItem,
    AttentionReason,
    DataCheck,
    ExportFile,
    ExportJob,
    Listener,
    ListFilters,
    NotificationSettings,
    RuleSetting,
    SortOrder,
    SourceInfo,
    SourceTest,
    SyncInfo,
    SyncPhase,
    ThemeChoice,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Rows fetched per page of the orders list."""

FEED_ITEMS = 60
"""Feed entries one page of the Timeline shows (the rest waits for "Show older events")."""

ACTIVE_LIMIT = 300
"""Most orders still on their way that the Timeline reads for attention items and recent scans."""

ATTENTION_LIMIT = 200
"""Most flagged ("needs attention") orders the Timeline pins."""

ATTENTION_MAX_AGE = timedelta(days=30)
"""Problems older than this are history, not something to act on: they are not pinned."""

STALE_AFTER = timedelta(days=3)
"""An in-transit parcel with no carrier update for this long is pinned as stale."""

BUILTIN_DEMO = "demo"
"""The name the embedded demo source syncs under."""

_ACTIVE_STATUSES = (
    OrderStatus.PROCESSING,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.PARTIALLY_DELIVERED,
)
_REASON_RANK = {r: i for i, r in enumerate(AttentionReason)}
_MOVING = frozenset({ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY})

HISTORY_LIMIT = 200
"""Most archived orders the History screen lists at once (the search narrows them down)."""

ALERTS_LIMIT = 300
"""Most alert-log lines the Notifications screen lists."""

EXPORT_FORMATS = ("pdf", "csv", "json")
"""The History export formats."""

SEARCH_SETTLE = 1.5
"""Seconds a search text must stay unchanged, its result shown, before it counts as one search."""

T = TypeVar("T")

ExportProgressFn = Callable[[str, int, int], None]
"""Receives (phase, done, total) from the exporting thread."""


# --------------------------------------------------------------------------- ports


class OrdersGateway(Protocol):
    """The cache queries the UI needs (a port over ``services.storage.Store``)."""

    def list_summaries(
        self, flt: OrderFilter, *, limit: int, offset: int, newest_first: bool = True
    ) -> list[OrderSummary]:
        """Return one page of order rows (newest first by default)."""
        ...

    def list_orders(self, flt: OrderFilter, *, limit: int, offset: int = 0) -> list[Order]:
        """Return full orders, newest placed first."""
        ...

    def carriers(self) -> list[str]:
        """Return the carrier slugs found in the cache."""
        ...

    def source_configs(self) -> list[SourceConfig]:
        """Return the configured sources."""
        ...

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        ...

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        ...

    def eta_history(self, order_number: str) -> dict[str, tuple[EtaChange, ...]]:
        """Return every ETA window of an order's shipments by tracking number, oldest first."""
        ...

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        ...

    def sync_states(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        ...

    def recent_events(self, limit: int) -> list[FeedEntry]:
        """Return the newest ``limit`` entries of the cross-order feed (live orders; alerts sent included)."""
        ...


class _OrderRepo(Protocol):
    def list_summaries(
        self, flt: OrderFilter, *, limit: int = ..., offset: int = ..., newest_first: bool = ...
    ) -> list[OrderSummary]:
        """Return one page of order rows."""
        ...

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        ...

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        ...

    def eta_history(self, order_number: str) -> dict[str, tuple[EtaChange, ...]]:
        """Return the ETA history of an order's shipments."""
        ...

    def list_orders(self, flt: OrderFilter, *, limit: int | None = ..., offset: int = ...) -> list[Order]:
        """Return full orders, newest first."""
        ...

    def shipments_to_track(self) -> list[tuple[str, str]]:
        """Return (tracking number, carrier) of every open shipment."""
        ...

    def recent_events(self, limit: int) -> list[FeedEntry]:
        """Return the newest feed entries."""
        ...

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        ...


class _SourceRepo(Protocol):
    def list(self) -> list[SourceConfig]:
        """Return every configured source."""
        ...


class _SyncStateRepo(Protocol):
    def all(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        ...


class StoreLike(Protocol):
    """The part of ``services.storage.Store`` the gateway reads."""

    @property
    def orders(self) -> _OrderRepo:
        """Return the orders repository."""
        ...

    @property
    def sync_state(self) -> _SyncStateRepo:
        """Return the sync-state repository."""
        ...

    @property
    def sources(self) -> _SourceRepo:
        """Return the configured-sources repository."""
        ...


class StoreGateway:
    """:class:`OrdersGateway` over the real cache."""

    def __init__(self, store: StoreLike) -> None:
        """Wrap ``store``."""
        self._store = store

    def list_summaries(
        self, flt: OrderFilter, *, limit: int, offset: int, newest_first: bool = True
    ) -> list[OrderSummary]:
        """Return one page of order rows (newest first by default)."""
        return self._store.orders.list_summaries(flt, limit=limit, offset=offset, newest_first=newest_first)

    def list_orders(self, flt: OrderFilter, *, limit: int, offset: int = 0) -> list[Order]:
        """Return full orders, newest placed first."""
        return self._store.orders.list_orders(flt, limit=limit, offset=offset)

    def carriers(self) -> list[str]:
        """Return the carrier slugs of open shipments and of the newest orders (no full scan)."""
        found = {carrier for _, carrier in self._store.orders.shipments_to_track() if carrier}
        for row in self._store.orders.list_summaries(OrderFilter(), limit=500, offset=0, newest_first=True):
            found.update(row.carriers)
        return sorted(found)

    def source_configs(self) -> list[SourceConfig]:
        """Return the configured sources."""
        return self._store.sources.list()

    def count(self, flt: OrderFilter) -> int:
        """Return how many orders match."""
        return self._store.orders.count(flt)

    def get(self, order_number: str) -> Order | None:
        """Return one full order."""
        return self._store.orders.get(order_number)

    def eta_history(self, order_number: str) -> dict[str, tuple[EtaChange, ...]]:
        """Return every ETA window of an order's shipments by tracking number, oldest first."""
        return self._store.orders.eta_history(order_number)

    def last_synced_at(self) -> datetime | None:
        """Return when the cache last received data."""
        return self._store.orders.last_synced_at()

    def sync_states(self) -> list[SyncState]:
        """Return every source's sync bookkeeping."""
        return self._store.sync_state.all()

    def recent_events(self, limit: int) -> list[FeedEntry]:
        """Return the newest ``limit`` feed entries (one indexed query per event table)."""
        return self._store.orders.recent_events(limit)


class ArchivePort(Protocol):
    """The notification log and History (archived orders, exports); blocking calls, run off the UI loop."""

    def alerts(self, limit: int) -> list[AlertItem]:
        """Return the alert log, newest first."""
        ...

    def unread_count(self) -> int:
        """Return how many in-app alerts are unread."""
        ...

    def mark_read(self, ids: Sequence[int] | None = None) -> int:
        """Mark alerts read (all when ``ids`` is None); return how many changed."""
        ...

    def history(self, flt: OrderFilter, limit: int) -> tuple[list[OrderSummary], int]:
        """Return archived orders (newest first) matching ``flt``, and how many match."""
        ...

    def history_choices(self) -> tuple[list[str], list[str]]:
        """Return the carriers and the sources that archived orders have (for the History filters)."""
        ...

    def order_alerts(self, order_number: str) -> tuple[TimelineEntry, ...]:
        """Return the alerts sent about one order as timeline entries (oldest first)."""
        ...

    def export(self, fmt: str, flt: OrderFilter, progress: ExportProgressFn, cancel: threading.Event) -> ExportFile:
        """Export the archived orders matching ``flt`` as ``fmt``; raise on failure or cancellation."""
        ...

    def notification_settings(self) -> NotificationSettings:
        """Return the notification preferences."""
        ...

    def set_notification_setting(self, key: str, value: str) -> NotificationSettings:
        """Apply and save one preference; raise ValidationError for a bad key or value."""
        ...


def _settings_view(prefs: Preferences) -> NotificationSettings:
    quiet = prefs.quiet_hours
    return NotificationSettings(
        native=prefs.native,
        in_app=prefs.in_app,
        email=prefs.email,
        email_address=prefs.email_address,
        quiet_hours=f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet is not None else "",
        timezone=prefs.timezone,
        rules=tuple(RuleSetting(r.id, r.title, r.description, prefs.rules.get(r.id, r.default_on)) for r in RULES),
    )


def alert_reason(status: str, reason: str, rule: str, trigger: str) -> str:
    """Return why an alert was sent or not, in the log's words ("rule X fired on event Y" / "suppressed: …")."""
    text = reason.strip()
    if text:
        return text
    if status == "suppressed":
        return "suppressed"
    return f"rule {rule} fired on event {trigger}"


def summary_of(order: Order) -> OrderSummary:
    """Return the list row of a full order."""
    latest = max(
        order.shipments,
        key=lambda s: s.latest_event.occurred_at if s.latest_event else order.placed_at,
        default=None,
    )
    return OrderSummary(
        order_number=order.order_number,
        source=order.source,
        channel=order.channel,
        placed_at=order.placed_at,
        status=order.status,
        currency=order.currency,
        total=order.total,
        merchant=order.merchant,
        carriers=tuple(dict.fromkeys(s.carrier for s in order.shipments if s.carrier)),
        tracking_numbers=tuple(s.tracking_number for s in order.shipments),
        shipment_status=latest.status if latest is not None else None,
    )


class StoreArchive:
    """:class:`ArchivePort` over the real cache (NotifyRepository, History, the exporters)."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        """Wrap ``store``."""
        self._store = store
        self._repo = NotifyRepository(store)
        self._clock = clock

    def alerts(self, limit: int) -> list[AlertItem]:
        """Return the alert log, newest first."""
        return [
            AlertItem(
                id=r.id,
                order_number=r.order_number,
                title=r.title,
                created_at=r.created_at,
                channel=r.channel,
                status=r.status,
                reason=alert_reason(r.status, r.reason, r.rule, r.trigger),
                unread=r.channel == "in_app" and not r.read,
                body=r.body,
            )
            for r in self._repo.list(limit=limit)
        ]

    def unread_count(self) -> int:
        """Return how many in-app alerts are unread."""
        return self._repo.unread_count()

    def mark_read(self, ids: Sequence[int] | None = None) -> int:
        """Mark alerts read (all when ``ids`` is None)."""
        return self._repo.mark_read(ids)

    def notification_settings(self) -> NotificationSettings:
        """Return the notification preferences as Settings shows them."""
        return _settings_view(load_prefs(self._repo))

    def set_notification_setting(self, key: str, value: str) -> NotificationSettings:
        """Apply and save one preference (the keys of `ordertrack prefs set`)."""
        prefs = apply_setting(load_prefs(self._repo), key, value)
        save_prefs(self._repo, prefs)
        return _settings_view(prefs)

    def history(self, flt: OrderFilter, limit: int) -> tuple[list[OrderSummary], int]:
        """Return archived orders matching ``flt`` (newest first), and how many match."""
        total = count_orders(self._store, flt, archived=True)
        rows = list_orders(self._store, flt, archived=True, limit=limit)
        return [summary_of(o) for o in rows], total

    def history_choices(self) -> tuple[list[str], list[str]]:
        """Return the carriers and the sources of archived orders, sorted."""
        return history_choices(self._store)

    def order_alerts(self, order_number: str) -> tuple[TimelineEntry, ...]:
        """Return one ALERT entry per alert handed to a channel for ``order_number``."""
        return alert_entries(self._repo.list(order_number=order_number))

    def export(self, fmt: str, flt: OrderFilter, progress: ExportProgressFn, cancel: threading.Event) -> ExportFile:
        """Write the export to a temporary file, read it back, and remove the file."""
        from services.export import ExportProgress, export_orders

        def on_progress(p: ExportProgress) -> None:
            progress(p.phase, p.done, p.total)

        now = self._clock()
        name = f"order-history-{now:%Y-%m-%d}.{fmt}"
        with tempfile.TemporaryDirectory(prefix="ordertrack-export-") as tmp:
            path = Path(tmp) / name
            export_orders(self._store, flt, fmt, path, archived=True, progress=on_progress, cancel=cancel, now=now)
            return ExportFile(file_name=name, data=path.read_bytes())


class UsagePort(Protocol):
    """The app's own metrics on this device (``services.storage.UsageRepository``); blocking, run off the UI loop."""

    def record(self, kind: str, at: datetime, order_number: str | None = None, detail: str | None = None) -> None:
        """Store one usage event (one small insert)."""
        ...

    def record_feedback(
        self, helpful: bool, at: datetime, order_number: str | None = None, screen: str = "order"
    ) -> None:
        """Store one "Did this page answer your question?" answer."""
        ...


class SourceAdmin(Protocol):
    """The app actions behind Settings that need more than the cache (keyring, sync engine)."""

    def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source, its token to the keyring; raise ValueError with the reason."""
        ...

    def remove_source(self, name: str) -> None:
        """Remove a source and its token."""
        ...

    def test_source(self, name: str) -> tuple[bool, str]:
        """Sync one source once (blocking); return (ok, what happened in plain words)."""
        ...

    def integrity_check(self) -> list[str]:
        """Return the problems of the local database ([] when sound)."""
        ...

    def clear_cache(self) -> int:
        """Delete the cached live orders and every sync position (History kept); return how many orders went."""
        ...

    def history_after_days(self) -> int:
        """Return the days after their last update before finished orders move to History."""
        ...

    def set_history_after_days(self, days: int) -> int:
        """Save and apply a new History delay (blocking); return how many orders moved; ValueError if invalid."""
        ...

    def encryption_state(self) -> str:
        """Describe in plain words how the local database is protected."""
        ...

    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo (no source configured)."""
        ...


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


# --------------------------------------------------------------------------- process level


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


# --------------------------------------------------------------------------- per session


class AppState:
    """The state of one session: filter, loaded rows, open order, sync status, theme.

    Every mutator runs on the UI loop; cache reads go to a worker thread and a generation counter
    drops answers that a newer query has overtaken (fast typing in the search box).
    """

    def __init__(
        self,
        gateway: OrdersGateway,
        *,
        sync: SyncInfo | None = None,
        data_location: str = "",
        theme: ThemeChoice = ThemeChoice.SYSTEM,
        tz: tzinfo | None = None,
        request_sync: Callable[[], None] | None = None,
        on_theme: Callable[[ThemeChoice], None] | None = None,
        page_size: int = PAGE_SIZE,
        admin: SourceAdmin | None = None,
        clock: Callable[[], datetime] = utc_now,
        archive: ArchivePort | None = None,
        usage: UsagePort | None = None,
        search_settle: float = SEARCH_SETTLE,
    ) -> None:
        """Create empty state; :meth:`load` reads the first page."""
        self._gateway = gateway
        self._admin = admin
        self._archive = archive
        self.alerts: list[AlertItem] = []
        self.alerts_loaded = False
        self.alerts_error: str | None = None
        self.unread_count = 0
        self.history: list[OrderSummary] = []
        self.history_total = 0
        self.history_query = ""
        self.history_query_set = 0
        """Counts the History searches set from outside its field ("Show in History", clear), which the
        field must show; typed ones are the field's own and are never written back (keys typed meanwhile)."""
        self.history_filters = ListFilters()
        self.history_date_from: date | None = None
        self.history_date_to: date | None = None
        self.history_carriers: list[str] = []
        self.history_sources: list[str] = []
        self.history_loaded = False
        self.history_error: str | None = None
        self.export_job: ExportJob | None = None
        self.notification_settings: NotificationSettings | None = None
        self._history_gen = 0
        self._export_cancel: threading.Event | None = None
        self._clock = clock
        self._feed_gen = 0
        self._feed_pages = 1
        self.filters = ListFilters()
        self.sort = SortOrder.NEWEST
        self.carrier_choices: list[str] = []
        self.source_choices: list[str] = []
        self.attention: list[AttentionItem] = []
        self.feed: list[FeedEntry] = []
        self.feed_has_more = False
        self.feed_loading = False
        self.feed_loaded = False
        self.feed_error: str | None = None
        self.sources: list[SourceInfo] = []
        self.source_test: SourceTest | None = None
        self.data_check: DataCheck | None = None
        self.history_after_days: int | None = None
        self.encryption: str = ""
        self._listeners: list[Listener] = []
        self._request_sync = request_sync
        self._on_theme = on_theme
        self._page_size = page_size
        self._list_gen = 0
        self._order_gen = 0
        self._effective_filter = OrderFilter()
        self.query = ""
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.summaries: list[OrderSummary] = []
        self.total = 0
        self.cache_total = 0
        self.history_matches = 0
        """How many orders matching the current filters are in History (not in the live list)."""
        self.list_error: str | None = None
        self.order: Order | None = None
        self.order_number: str | None = None
        self.timeline: list[TimelineEntry] = []
        self.eta_history: dict[str, tuple[EtaChange, ...]] = {}
        """The open order's ETA changes per tracking number, oldest first (empty when none are known)."""
        self.sync = sync or SyncInfo()
        self.theme = theme
        self.data_location = data_location
        self.tz = tz
        self._usage = usage
        self._usage_pending: set[asyncio.Future[None]] = set()
        self._session_counted = False
        self._search_settle = search_settle
        self._search_timer: asyncio.TimerHandle | None = None
        self._search_listed: str | None = None  # the search text whose list result is showing
        self._search_counted: str | None = None
        self.feedback: dict[str, bool] = {}
        """This session's "Did this page answer your question?" answers by order number."""

    # ------------------------------------------------------------------ observing

    @property
    def has_more(self) -> bool:
        """Tell whether more rows match than are loaded."""
        return len(self.summaries) < self.total

    @property
    def now(self) -> datetime:
        """Return the current time (UTC)."""
        return self._clock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; return the function that removes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, *aspects: Aspect) -> None:
        changed = frozenset(aspects)
        for listener in list(self._listeners):
            try:
                listener(changed)
            except Exception:
                log.exception("state listener failed")

    # ------------------------------------------------------------------ filter

    def current_filter(self) -> OrderFilter:
        """Return the cache filter for search text, date range (local days, inclusive) and list filters."""
        prefix = self.query.strip() or None
        start = _local_bound(self.date_from, time.min, self.tz) if self.date_from else None
        end = _local_bound(self.date_to, time.max, self.tz) if self.date_to else None
        f = self.filters
        return OrderFilter(
            number_prefix=prefix,
            placed_from=start,
            placed_to=end,
            statuses=(f.status,) if f.status else (),
            channels=(f.channel,) if f.channel else (),
            carriers=(f.carrier,) if f.carrier else (),
            source=f.source,
            needs_attention=f.needs_attention,
            archived=False,  # the Orders screen lists live orders; finished old ones are in History
        )

    @property
    def filtered(self) -> bool:
        """Tell whether a search text, date range or list filter is active."""
        return bool(self.query.strip()) or self.date_from is not None or self.date_to is not None or self.filters.active

    # ------------------------------------------------------------------ actions

    async def load(self) -> None:
        """Read the first page (or as many rows as are showing) from the cache."""
        if not self._session_counted:
            self._session_counted = True
            self._record(usage_kinds.SESSION_STARTED)
        await self._query_list(max(self._page_size, len(self.summaries)))

    async def load_choices(self) -> None:
        """Read what the carrier and source filters offer, and the sources' health."""
        try:
            carriers, sources = await self._off_loop(self._read_choices)
        except Exception:
            log.exception("reading filter choices failed")
            return
        self.carrier_choices = carriers
        self.sources = sources
        names = {s.name for s in sources} | {s for s in self.source_choices}
        self.source_choices = sorted(names)
        self._notify(Aspect.SOURCES)
        if self.notification_settings is None:
            await self.load_notification_settings()
        if self.history_after_days is None:
            await self.load_data_settings()

    async def set_filters(self, filters: ListFilters) -> None:
        """Filter the orders list and reload its first page."""
        if filters == self.filters:
            return
        self.filters = filters
        await self._query_list(self._page_size)

    async def set_sort(self, sort: SortOrder) -> None:
        """Sort the orders list and reload its first page."""
        if sort is self.sort:
            return
        self.sort = sort
        await self._query_list(self._page_size)

    async def load_feed(self) -> None:
        """Read the pinned items and the first page of the Timeline feed."""
        self._feed_pages = 1
        await self._query_feed()

    async def load_more_feed(self) -> None:
        """Append older Timeline feed entries (one more page of orders)."""
        if not self.feed_has_more or self.feed_loading:
            return
        self._feed_pages += 1
        await self._query_feed()

    async def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source (the token goes to the keyring); raise ValueError with the reason."""
        if self._admin is None:
            raise ValueError("sources cannot be changed here")
        await self._off_loop(self._admin.add_source, name, url, token)
        self.sync = replace(self.sync, is_demo=self._admin.is_demo())
        await self.load_choices()
        self._notify(Aspect.SYNC)
        self.request_sync()

    async def remove_source(self, name: str) -> None:
        """Remove a source and its token."""
        if self._admin is None:
            return
        try:
            await self._off_loop(self._admin.remove_source, name)
        except Exception as err:
            log.warning("removing source %s failed", name, exc_info=True)
            self.source_test = SourceTest(name, running=False, ok=False, message=_reason(err))
        if self.source_test is not None and self.source_test.source == name and self.source_test.ok:
            self.source_test = None
        self.sync = replace(self.sync, is_demo=self._admin.is_demo())
        await self.load_choices()
        self._notify(Aspect.SYNC, Aspect.SOURCES)

    async def test_source(self, name: str) -> None:
        """Sync one source once, off the UI loop, and keep the outcome in :attr:`source_test`."""
        if self._admin is None or (self.source_test is not None and self.source_test.running):
            return
        self.source_test = SourceTest(name)
        self._notify(Aspect.SOURCES)
        try:
            ok, message = await self._off_loop(self._admin.test_source, name)
        except Exception as err:
            ok, message = False, _reason(err)
        self.source_test = SourceTest(name, running=False, ok=ok, message=message)
        await self.load_choices()
        if ok:
            await self._query_list(max(self._page_size, len(self.summaries)), notify=False)
            await self._query_feed(notify=False)
            self._notify(Aspect.LIST, Aspect.FEED)
        self._notify(Aspect.SOURCES)

    async def load_notification_settings(self) -> None:
        """Read the notification preferences (off the UI loop)."""
        if self._archive is None:
            return
        try:
            self.notification_settings = await self._off_loop(self._archive.notification_settings)
        except Exception:
            log.warning("reading the notification preferences failed", exc_info=True)
            return
        self._notify(Aspect.DATA)

    async def set_notification_setting(self, key: str, value: str) -> None:
        """Change one preference; a bad value keeps the old settings and explains why in ``error``."""
        if self._archive is None:
            return
        archive = self._archive
        try:
            self.notification_settings = await self._off_loop(archive.set_notification_setting, key, value)
        except AppError as err:
            current = self.notification_settings
            if current is not None:
                self.notification_settings = replace(current, error=err.message)
        self._notify(Aspect.DATA)

    async def load_data_settings(self) -> None:
        """Read the History delay and the database's encryption state (off the UI loop)."""
        if self._admin is None:
            return
        admin = self._admin
        try:
            days, encryption = await self._off_loop(lambda: (admin.history_after_days(), admin.encryption_state()))
        except Exception:
            log.warning("reading the data settings failed", exc_info=True)
            return
        self.history_after_days, self.encryption = days, encryption
        self._notify(Aspect.DATA)

    async def set_history_after_days(self, days: int) -> int:
        """Change the History delay and apply it; return how many orders moved (ValueError if invalid)."""
        if self._admin is None:
            return 0
        moved = await self._off_loop(self._admin.set_history_after_days, days)
        self.history_after_days = days
        self._notify(Aspect.DATA)
        return moved

    async def check_data(self) -> None:
        """Check the local database and keep the outcome in :attr:`data_check`."""
        if self._admin is None:
            return
        self.data_check = DataCheck()
        self._notify(Aspect.DATA)
        try:
            problems = await self._off_loop(self._admin.integrity_check)
        except Exception as err:
            problems = [f"the check could not run: {_reason(err)}"]
        self.data_check = DataCheck(running=False, problems=tuple(problems), checked_at=self._clock())
        self._notify(Aspect.DATA)

    async def clear_cache(self) -> int:
        """Delete the cached live orders (History kept) and download everything again; return how many went."""
        if self._admin is None:
            return 0
        removed = await self._off_loop(self._admin.clear_cache)
        await self._query_list(self._page_size, notify=False)
        if self.feed_loaded:
            await self._query_feed(notify=False)
        self._notify(Aspect.LIST, Aspect.FEED)
        self.request_sync()
        return removed

    # ------------------------------------------------------------------ notifications

    async def load_alerts(self) -> None:
        """Read the alert log and the unread count (off the UI loop)."""
        if self._archive is None:
            self.alerts_loaded = True
            self._notify(Aspect.ALERTS)
            return
        archive = self._archive
        try:
            alerts, unread = await self._off_loop(lambda: (archive.alerts(ALERTS_LIMIT), archive.unread_count()))
        except Exception as err:
            log.exception("reading the notification log failed")
            self.alerts_error = _reason(err)
        else:
            self.alerts, self.unread_count, self.alerts_error = alerts, unread, None
        self.alerts_loaded = True
        self._notify(Aspect.ALERTS)

    async def refresh_unread(self) -> None:
        """Re-read the unread count only (the navigation badge)."""
        if self._archive is None:
            return
        try:
            unread = await self._off_loop(self._archive.unread_count)
        except Exception:
            log.warning("reading the unread count failed", exc_info=True)
            return
        if unread != self.unread_count:
            self.unread_count = unread
            self._notify(Aspect.ALERTS)

    async def mark_all_read(self) -> None:
        """Mark every alert read, then re-read the log."""
        if self._archive is None:
            return
        try:
            await self._off_loop(self._archive.mark_read, None)
        except Exception as err:
            log.exception("marking alerts read failed")
            self.alerts_error = _reason(err)
            self._notify(Aspect.ALERTS)
            return
        await self.load_alerts()

    async def mark_alert_read(self, alert_id: int) -> None:
        """Mark one alert read (opening it)."""
        if self._archive is None or not any(a.id == alert_id and a.unread for a in self.alerts):
            return
        try:
            await self._off_loop(self._archive.mark_read, [alert_id])
        except Exception:
            log.warning("marking alert %s read failed", alert_id, exc_info=True)
            return
        self.alerts = [replace(a, unread=False) if a.id == alert_id else a for a in self.alerts]
        self.unread_count = max(self.unread_count - 1, 0)
        self._notify(Aspect.ALERTS)

    # ------------------------------------------------------------------ history

    async def load_history(self) -> None:
        """Read the archived orders matching the History search (off the UI loop)."""
        self._history_gen += 1
        gen = self._history_gen
        if self._archive is None:
            self.history_loaded = True
            self._notify(Aspect.HISTORY)
            return
        flt = self.history_filter()
        archive = self._archive
        try:
            rows, total = await self._off_loop(archive.history, flt, HISTORY_LIMIT)
            carriers, sources = await self._off_loop(archive.history_choices)
        except Exception as err:
            log.exception("reading History failed")
            if gen == self._history_gen:
                self.history_error = _reason(err)
                self.history_loaded = True
                self._notify(Aspect.HISTORY)
            return
        if gen != self._history_gen:
            return
        self.history, self.history_total, self.history_error = rows, total, None
        self.history_carriers, self.history_sources = carriers, sources
        self.history_loaded = True
        self._notify(Aspect.HISTORY)

    def history_filter(self) -> OrderFilter:
        """Return the cache filter of the History screen: search text, dates (local days) and filters."""
        start = _local_bound(self.history_date_from, time.min, self.tz) if self.history_date_from else None
        end = _local_bound(self.history_date_to, time.max, self.tz) if self.history_date_to else None
        f = self.history_filters
        return OrderFilter(
            placed_from=start,
            placed_to=end,
            statuses=(f.status,) if f.status else (),
            channels=(f.channel,) if f.channel else (),
            carriers=(f.carrier,) if f.carrier else (),
            source=f.source,
            text=self.history_query.strip() or None,
            archived=True,
        )

    @property
    def history_filtered(self) -> bool:
        """Tell whether any History search, date or filter is set."""
        return bool(self.history_query.strip()) or self.history_date_from is not None or self.history_filters.active

    async def search_history(self, text: str) -> None:
        """Filter History by text: order number, merchant, customer, items or tracking number."""
        if text == self.history_query and self.history_loaded:
            return
        self.history_query = text
        await self.load_history()

    async def set_history_filters(self, filters: ListFilters) -> None:
        """Filter History by status, channel, carrier and source."""
        if filters == self.history_filters and self.history_loaded:
            return
        self.history_filters = filters
        await self.load_history()

    async def set_history_dates(self, start: date | None, end: date | None) -> None:
        """Filter History by placed date (inclusive local days; None: open)."""
        if start is not None and end is not None and end < start:
            start, end = end, start
        self.history_date_from, self.history_date_to = start, end
        await self.load_history()

    async def show_in_history(self) -> None:
        """Give History the Orders screen's search, dates and filters, and read it."""
        f = self.filters
        status = f.status if f.status in HISTORY_STATUSES else None
        self.history_query = self.query.strip()
        self.history_query_set += 1
        self.history_filters = ListFilters(status=status, channel=f.channel, carrier=f.carrier, source=f.source)
        self.history_date_from, self.history_date_to = self.date_from, self.date_to
        await self.load_history()

    async def clear_history_filters(self) -> None:
        """Drop every History search, date and filter."""
        self.history_query, self.history_filters = "", ListFilters()
        self.history_query_set += 1
        self.history_date_from = self.history_date_to = None
        await self.load_history()

    async def export_history(self, fmt: str) -> ExportFile | None:
        """Build the ``fmt`` export of History on a worker thread; None when cancelled or failed."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        if self._archive is None or (self.export_job is not None and self.export_job.running):
            return None
        loop = asyncio.get_running_loop()
        cancel = threading.Event()
        self._export_cancel = cancel
        self.export_job = ExportJob(fmt=fmt)
        self._notify(Aspect.EXPORT)

        def progress_on_loop(phase: str, done: int, total: int) -> None:
            job = self.export_job
            if job is None or not job.running or cancel.is_set() or self._export_cancel is not cancel:
                return
            self.export_job = replace(job, phase=phase, done=done, total=total)
            self._notify(Aspect.EXPORT)

        def progress(phase: str, done: int, total: int) -> None:  # on the exporting thread
            loop.call_soon_threadsafe(progress_on_loop, phase, done, total)

        try:
            result = await self._off_loop(self._archive.export, fmt, self.history_filter(), progress, cancel)
        except Exception as err:
            if cancel.is_set():
                self.export_job = ExportJob(fmt=fmt, running=False, cancelled=True)
            else:
                log.exception("the %s export failed", fmt)
                self.export_job = ExportJob(fmt=fmt, running=False, error=_reason(err))
            self._notify(Aspect.EXPORT)
            return None
        finally:
            if self._export_cancel is cancel:
                self._export_cancel = None
        if cancel.is_set():
            self.export_job = ExportJob(fmt=fmt, running=False, cancelled=True)
            self._notify(Aspect.EXPORT)
            return None
        self.export_job = ExportJob(fmt=fmt, running=False, file_name=result.file_name)
        self._record(usage_kinds.EXPORT, detail=fmt)
        self._notify(Aspect.EXPORT)
        return result

    def cancel_export(self) -> None:
        """Ask the running export to stop (it ends at its next progress step)."""
        if self._export_cancel is not None:
            self._export_cancel.set()

    async def reload(self) -> None:
        """Re-read the list (and the open order) from the cache."""
        await self._query_list(max(self._page_size, len(self.summaries)))
        if self.order_number is not None:
            await self._read_order(self.order_number)

    async def search(self, text: str) -> None:
        """Filter by order-number prefix and reload the first page.

        A search counts (self-service figures) once its text stayed unchanged for
        :data:`SEARCH_SETTLE` seconds with its result shown, or at once when the same text comes
        again (Enter): typing is not counted keystroke by keystroke.
        """
        if text == self.query:
            self._count_search(text)
            return
        self._cancel_search_count()
        self.query = text
        self._search_counted = None
        await self._query_list(self._page_size)
        if text == self.query and self.list_error is None:
            self._search_listed = text
            if text.strip():
                self._search_timer = asyncio.get_running_loop().call_later(
                    self._search_settle, self._count_search, text
                )

    async def set_dates(self, start: date | None, end: date | None) -> None:
        """Filter by placed date (inclusive local days) and reload the first page."""
        if start is not None and end is not None and end < start:
            start, end = end, start
        if (start, end) == (self.date_from, self.date_to):
            return
        self.date_from, self.date_to = start, end
        await self._query_list(self._page_size)

    async def load_more(self) -> None:
        """Append the next page of rows."""
        if not self.has_more:
            return
        gen = self._list_gen
        flt = self._effective_filter
        offset = len(self.summaries)
        try:
            rows = await self._off_loop(
                self._gateway.list_summaries,
                flt,
                limit=self._page_size,
                offset=offset,
                newest_first=self.sort is SortOrder.NEWEST,
            )
        except Exception as err:
            log.exception("reading more orders failed")
            if gen == self._list_gen:
                self.list_error = _reason(err)
                self._notify(Aspect.LIST)
            return
        if gen != self._list_gen or offset != len(self.summaries):
            return
        known = {s.order_number for s in self.summaries}
        self.summaries = self.summaries + [s for s in rows if s.order_number not in known]
        if not rows:  # the cache shrank under us: stop offering more
            self.total = len(self.summaries)
        self._notify(Aspect.LIST)

    async def open_order(self, order_number: str) -> None:
        """Load one order and its unified timeline."""
        self._record(usage_kinds.ORDER_OPENED, order_number)
        self.order_number = order_number
        self.order = None
        self.timeline = []
        self.eta_history = {}
        await self._read_order(order_number)

    def close_order(self) -> None:
        """Forget the open order."""
        if self.order_number is None:
            return
        self._order_gen += 1
        self.order_number = None
        self.order = None
        self.timeline = []
        self.eta_history = {}
        self._notify(Aspect.ORDER)

    def request_sync(self) -> None:
        """Ask the background sync to run now."""
        if self._request_sync is not None:
            self._request_sync()

    def set_theme(self, choice: ThemeChoice) -> None:
        """Change the theme preference (and remember it)."""
        if choice is self.theme:
            return
        self.theme = choice
        if self._on_theme is not None:
            try:
                self._on_theme(choice)
            except Exception:
                log.warning("could not save the theme preference", exc_info=True)
        self._notify(Aspect.THEME)

    async def apply_sync(self, event: SyncEvent) -> None:
        """Take a sync status change; re-query what a finished pass changed, then tell the views."""
        info = event.info
        if self._admin is not None:
            info = replace(info, is_demo=self._admin.is_demo())
        self.sync = info
        aspects = {Aspect.SYNC}
        if info.phase is not SyncPhase.SYNCING:
            await self.load_choices()
            await self.refresh_unread()  # a pass may have raised alerts
        if event.changed:
            await self._query_list(max(self._page_size, len(self.summaries)), notify=False)
            aspects.add(Aspect.LIST)
            if self.feed_loaded:
                await self._query_feed(notify=False)
                aspects.add(Aspect.FEED)
            if self.order_number is not None and (self.order is None or self.order_number in event.order_numbers):
                await self._read_order(self.order_number, notify=False)
                aspects.add(Aspect.ORDER)
            if self.alerts_loaded:
                await self.load_alerts()
            if self.history_loaded:
                await self.load_history()
        self._notify(*aspects)

    # ------------------------------------------------------------------ self-service figures

    def feedback_for(self, order_number: str) -> bool | None:
        """Return this session's answer for an order (None: not answered)."""
        return self.feedback.get(order_number)

    async def answer_feedback(self, order_number: str, helpful: bool) -> None:
        """Record "Did this page answer your question?" for an order, once per order per session."""
        if order_number in self.feedback:
            return
        self.feedback[order_number] = helpful
        if self._usage is not None:
            self._track(self._usage.record_feedback, helpful, self._clock(), order_number, "order")

    async def tracking_link_opened(self, order_number: str, carrier: str) -> None:
        """Record that a shipment's tracking page was opened."""
        self._record(usage_kinds.TRACKING_LINK_OPENED, order_number, carrier or None)

    async def tracking_number_copied(self, order_number: str, carrier: str) -> None:
        """Record that a tracking number was copied."""
        self._record(usage_kinds.TRACKING_NUMBER_COPIED, order_number, carrier or None)

    async def usage_settled(self) -> None:
        """Wait until every usage figure handed to a worker thread is written (or failed)."""
        while self._usage_pending:
            await asyncio.gather(*list(self._usage_pending), return_exceptions=True)

    def _cancel_search_count(self) -> None:
        if self._search_timer is not None:
            self._search_timer.cancel()
            self._search_timer = None

    def _count_search(self, text: str) -> None:
        """Record one search of ``text`` if its result is showing and it was not counted yet."""
        self._cancel_search_count()
        if not text.strip() or text != self.query or text != self._search_listed or text == self._search_counted:
            return
        self._search_counted = text
        found = self.total > 0 or self.history_matches > 0  # "N more in History" is a result too
        self._record(usage_kinds.SEARCH, detail=usage_kinds.SEARCH_FOUND if found else usage_kinds.SEARCH_NONE)

    def _record(self, kind: str, order_number: str | None = None, detail: str | None = None) -> None:
        if self._usage is not None:
            self._track(self._usage.record, kind, self._clock(), order_number, detail)

    def _track(self, fn: Callable[..., None], *args: Any) -> None:
        """Run one usage write on a worker thread and forget it: a failure is logged, never shown."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the UI loop: a figure is not worth blocking anyone for
            log.debug("usage figure dropped: no event loop")
            return
        future = loop.run_in_executor(None, fn, *args)
        self._usage_pending.add(future)
        future.add_done_callback(self._usage_written)

    def _usage_written(self, future: asyncio.Future[None]) -> None:
        self._usage_pending.discard(future)
        if not future.cancelled() and (err := future.exception()) is not None:
            log.warning("recording a self-service figure failed: %s", _reason(err), exc_info=err)

    # ------------------------------------------------------------------ reads

    async def _query_feed(self, *, notify: bool = True) -> None:
        self._feed_gen += 1
        gen = self._feed_gen
        self.feed_loading = True
        if notify:
            self._notify(Aspect.FEED)
        try:
            attention, feed, more = await self._off_loop(self._read_feed, self._feed_pages, self._clock())
        except Exception as err:
            log.exception("reading the timeline failed")
            if gen == self._feed_gen:
                self.feed_loading = False
                self.feed_error = _reason(err)
                if notify:
                    self._notify(Aspect.FEED)
            return
        if gen != self._feed_gen:
            return
        self.attention, self.feed, self.feed_has_more = attention, feed, more
        self.feed_loading = False
        self.feed_loaded = True
        self.feed_error = None
        if notify:
            self._notify(Aspect.FEED)

    def _read_feed(self, pages: int, now: datetime) -> tuple[list[AttentionItem], list[FeedEntry], bool]:
        return read_feed(self._gateway, pages, now)

    def _read_choices(self) -> tuple[list[str], list[SourceInfo]]:
        g = self._gateway
        return g.carriers(), source_infos(g.source_configs(), g.sync_states())

    async def _query_list(self, limit: int, *, notify: bool = True) -> None:
        self._list_gen += 1
        gen = self._list_gen
        flt = self.current_filter()
        filtered = self.filtered
        try:
            flt, rows, total, cache_total, in_history = await self._off_loop(self._read_list, flt, limit, filtered)
        except Exception as err:
            log.exception("reading orders failed")
            if gen == self._list_gen:
                self.list_error = _reason(err)
                if notify:
                    self._notify(Aspect.LIST)
            return
        if gen != self._list_gen:
            return  # a newer query is on its way
        self._effective_filter = flt
        self.summaries, self.total, self.cache_total = rows, total, cache_total
        self.history_matches = in_history
        self.list_error = None
        if notify:
            self._notify(Aspect.LIST)

    def _read_list(
        self, flt: OrderFilter, limit: int, filtered: bool
    ) -> tuple[OrderFilter, list[OrderSummary], int, int, int]:
        total = self._gateway.count(flt)
        prefix = flt.number_prefix
        if total == 0 and prefix and prefix.upper() != prefix:
            # order numbers are matched as a prefix, exactly; forgive a lower-case "w-10" for "W-10…"
            upper = replace(flt, number_prefix=prefix.upper())
            upper_total = self._gateway.count(upper)
            if upper_total:
                flt, total = upper, upper_total
        rows = self._gateway.list_summaries(flt, limit=limit, offset=0, newest_first=self.sort is SortOrder.NEWEST)
        cache_total = self._gateway.count(OrderFilter(archived=False)) if filtered and total == 0 else total
        in_history = self._gateway.count(replace(flt, archived=True))
        return flt, rows, max(total, len(rows)), cache_total, in_history

    async def _read_order(self, number: str, *, notify: bool = True) -> None:
        self._order_gen += 1
        gen = self._order_gen
        archive = self._archive
        alerts: tuple[TimelineEntry, ...] = ()
        etas: dict[str, tuple[EtaChange, ...]] = {}
        try:
            order = await self._off_loop(self._gateway.get, number)
        except Exception:
            log.exception("reading order %s failed", number)
            order = None
        if order is not None:
            try:
                etas = await self._off_loop(self._gateway.eta_history, number)
            except Exception:  # the order still shows, with its current ETA only
                log.warning("reading the ETA history of order %s failed", number, exc_info=True)
        if order is not None and archive is not None:
            try:
                alerts = await self._off_loop(archive.order_alerts, number)
            except Exception:  # the order still shows, without its alerts
                log.warning("reading the alerts of order %s failed", number, exc_info=True)
        if gen != self._order_gen or number != self.order_number:
            return
        self.order = order
        self.eta_history = etas
        self.timeline = unified_timeline(order, alerts) if order is not None else []
        if notify:
            self._notify(Aspect.ORDER)

    @staticmethod
    async def _off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)


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


def read_feed(g: OrdersGateway, pages: int, now: datetime) -> tuple[list[AttentionItem], list[FeedEntry], bool]:
    """Read the pinned items and ``pages`` pages of the Timeline feed (blocking: run it off the UI loop).

    The feed is exact: every live order's events, carrier scans and alerts sent, newest first,
    straight from the cache's feed query. The pinned items come from the orders still moving and
    the flagged ones.
    """
    shown = FEED_ITEMS * pages
    entries = g.recent_events(shown + 1)  # one more tells whether older entries exist
    active = g.list_orders(OrderFilter(statuses=_ACTIVE_STATUSES, archived=False), limit=ACTIVE_LIMIT, offset=0)
    flagged = g.list_orders(OrderFilter(needs_attention=True, archived=False), limit=ATTENTION_LIMIT, offset=0)
    by_number: dict[str, Order] = {}
    for order in (*active, *flagged):
        by_number.setdefault(order.order_number, order)
    feed = list(entries[:shown])
    return attention_items(by_number.values(), now), feed, len(entries) > shown


def attention_items(orders: Iterable[Order], now: datetime) -> list[AttentionItem]:
    """Return what needs the customer's attention: problems, pickups, passed ETAs, silent parcels."""
    items: list[AttentionItem] = []
    for order in orders:
        for s in order.shipments:
            latest = s.latest_event
            last_at = latest.occurred_at if latest is not None else order.placed_at
            detail = latest.description if latest is not None else ""
            base = {
                "order_number": order.order_number,
                "merchant": order.merchant,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
            }
            reason: AttentionReason | None = None
            since = last_at
            if s.status is ShipmentStatus.EXCEPTION:
                reason = AttentionReason.EXCEPTION
            elif s.status is ShipmentStatus.FAILED_ATTEMPT:
                reason = AttentionReason.FAILED_ATTEMPT
            elif s.action_required and s.status not in FINAL_SHIPMENT_STATUSES:
                reason = AttentionReason.ACTION_REQUIRED
            elif s.status is ShipmentStatus.AVAILABLE_FOR_PICKUP:
                reason = AttentionReason.AVAILABLE_FOR_PICKUP
            elif (
                s.status not in FINAL_SHIPMENT_STATUSES
                and s.delivered_at is None
                and s.estimated_delivery is not None
                and s.estimated_delivery.end < now
            ):
                reason, since = AttentionReason.DELAYED, s.estimated_delivery.end
            elif s.status in _MOVING and now - last_at >= STALE_AFTER:
                reason = AttentionReason.STALE
            if reason is not None and now - since <= ATTENTION_MAX_AGE:
                items.append(AttentionItem(reason=reason, detail=detail, since=since, **base))
    items.sort(key=lambda i: (_REASON_RANK[i.reason], -i.since.timestamp(), i.order_number))
    return items


def source_infos(configs: Sequence[SourceConfig], states: Sequence[SyncState]) -> list[SourceInfo]:
    """Return the sources with their health; the built-in demo when none is configured."""
    by_name = {s.source: s for s in states if not is_internal_state(s.source)}

    def info(name: str, kind: str, url: str, builtin: bool = False) -> SourceInfo:
        st = by_name.get(name)
        return SourceInfo(
            name=name,
            kind=kind,
            url=url,
            health=st.health if st else "never",
            last_success_at=st.last_success_at if st else None,
            stale_since=st.stale_since if st else None,
            last_error=st.last_error if st else None,
            builtin=builtin,
        )

    if configs:
        return [info(c.name, c.kind, c.url) for c in configs]
    return [info(BUILTIN_DEMO, "ordertrack", "Built-in demo server on this computer", builtin=True)]


def _local_bound(day: date, at: time, tz: tzinfo | None) -> datetime:
    """Return the UTC instant of ``day`` at ``at`` in ``tz`` (None: this machine's local time)."""
    if tz is None:
        return datetime.combine(day, at).astimezone().astimezone(UTC)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _reason(err: BaseException) -> str:
    text = str(err).strip()
    return text or type(err).__name__
