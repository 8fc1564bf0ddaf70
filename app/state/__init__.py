"""Observable app state: one :class:`AppState` per session (a state object per screen), one :class:`SyncHub`.

How a background change reaches a screen: ``app.live`` hands a finished pass or a push to its ``SyncHub``;
each session applies it on its UI loop (:meth:`AppState.apply_sync`), the screen states that changed
re-read the cache and call their listeners, and each view repaints what it shows.

Never imports flet or views (an import-linter contract): the values both sides share live in
``services.domain`` (``SyncInfo``, ``ListFilters``, ``AttentionItem`` ...).
"""

from services.domain import attention_items

from .alerts import ALERTS_LIMIT, AlertsState
from .app_state import AppState
from .archive import StoreArchive
from .feed import FEED_ITEMS, FeedState, read_feed
from .history import EXPORT_FORMATS, HISTORY_LIMIT, HistoryState
from .observable import Latest, Listener, Observable, ScreenState, Status
from .order import OrderState
from .orders import PAGE_SIZE, SEARCH_SETTLE, OrdersState
from .ports import ArchivePort, ExportProgressFn, OrdersGateway, SourceAdmin, StoreGateway, StoreLike, UsagePort
from .settings import SettingsState
from .sources import source_infos
from .sync_status import initial_sync_info
from .usage import UsageState

__all__ = [
    "ALERTS_LIMIT",
    "EXPORT_FORMATS",
    "FEED_ITEMS",
    "HISTORY_LIMIT",
    "PAGE_SIZE",
    "SEARCH_SETTLE",
    "AlertsState",
    "AppState",
    "ArchivePort",
    "ExportProgressFn",
    "FeedState",
    "HistoryState",
    "Latest",
    "Listener",
    "Observable",
    "OrderState",
    "OrdersGateway",
    "OrdersState",
    "ScreenState",
    "SettingsState",
    "SourceAdmin",
    "Status",
    "StoreArchive",
    "StoreGateway",
    "StoreLike",
    "UsagePort",
    "UsageState",
    "attention_items",
    "initial_sync_info",
    "read_feed",
    "source_infos",
]
