"""The ports the screen states read and call: the cache, the alert log and History, usage, admin actions.

Blocking calls: the states run them off the UI loop. ``StoreGateway`` is the port over the real cache;
``app.state.archive.StoreArchive`` and ``app.admin.ContainerAdmin`` are the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from services.domain import (
    AlertItem,
    EtaChange,
    ExportFile,
    FeedEntry,
    NotificationSettings,
    Order,
    OrderFilter,
    OrderSummary,
    Protection,
    SourceConfig,
    SyncState,
    TimelineEntry,
)

ExportProgressFn = Callable[[str, int, int], None]
"""Receives (phase, done, total) from the exporting thread."""


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
        """Add an ``ordertrack`` source, its token to the keyring; raise an AppError with the reason."""
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
        """Save and apply a new History delay (blocking); return how many orders moved; ConfigError if invalid."""
        ...

    def protection(self) -> Protection:
        """Return how the local database is protected."""
        ...

    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo (no source configured)."""
        ...
