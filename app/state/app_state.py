"""One session's state: the screens' states, composed; its only orchestration is applying a sync result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo

from app.live import SyncEvent
from services.domain import SyncInfo, SyncPhase, ThemeChoice, utc_now

from .alerts import AlertsState
from .feed import FeedState
from .history import HistoryState
from .observable import Status
from .order import OrderState
from .orders import PAGE_SIZE, SEARCH_SETTLE, OrdersState
from .ports import ArchivePort, OrdersGateway, SourceAdmin, UsagePort
from .settings import SettingsState
from .usage import UsageState


class AppState:
    """The state of one session (a window or browser tab): one small state object per screen.

    Every mutator runs on the UI loop; cache reads go to a worker thread and each screen's
    :class:`~app.state.observable.Latest` drops answers a newer read has overtaken.
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
        """Create every screen's state, empty; ``orders.load()`` reads the first page."""
        self._admin = admin
        self.status = Status(sync, tz=tz, clock=clock, request_sync=request_sync)
        self.usage = UsageState(usage, clock=clock)
        self.orders = OrdersState(self.status, gateway, self.usage, page_size=page_size, search_settle=search_settle)
        self.order = OrderState(self.status, gateway, self.usage, archive)
        self.feed = FeedState(self.status, gateway, cache_total=lambda: self.orders.cache_total)
        self.alerts = AlertsState(self.status, archive)
        self.settings = SettingsState(
            self.status,
            gateway,
            admin=admin,
            archive=archive,
            theme=theme,
            on_theme=on_theme,
            data_location=data_location,
            sources_changed=self.orders.load_choices,
            cache_changed=self._cache_changed,
        )
        self.history = HistoryState(
            self.status, archive, self.usage, history_after_days=lambda: self.settings.history_after_days
        )

    async def _cache_changed(self) -> None:
        """Re-read what shows cached orders after Settings changed the cache (a test sync, a clear)."""
        await self.orders.reload()
        if self.feed.feed_loaded:
            await self.feed.query()

    async def apply_sync(self, event: SyncEvent) -> None:
        """Take a sync status change; re-read what a finished pass changed (each screen tells its views)."""
        info = event.info
        if self._admin is not None:
            info = replace(info, is_demo=self._admin.is_demo())
        self.status.set_sync(info)
        if info.phase is not SyncPhase.SYNCING:
            await self.orders.load_choices()
            await self.settings.load_sources()
            await self.alerts.refresh_unread()  # a pass may have raised alerts
        if not event.changed:
            return
        await self.orders.reload()
        if self.feed.feed_loaded:
            await self.feed.query()
        order = self.order
        if order.order_number is not None and (order.order is None or order.order_number in event.order_numbers):
            await order.read()
        if self.alerts.alerts_loaded:
            await self.alerts.load_alerts()
        if self.history.history_loaded:
            await self.history.load_history()
