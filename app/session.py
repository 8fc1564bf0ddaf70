"""Per-session wiring: each window or browser tab gets its own AppState over the shared cache and hub.

    Runtime (one per process): SyncHub + app.live.SyncLoop + the session ``main`` below
    session main (one per page): AppState(StoreGateway, StoreArchive, ContainerAdmin, UsageRepository)
        ─ first page from the cache ─▶ AppShell paints it
        SyncHub.subscribe ─▶ page.run_task(state.apply_sync) ─▶ the screens' states re-read ─▶ repaint
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from app.admin import AdminContainer, ContainerAdmin
from app.live import SyncEvent, SyncHub, SyncLoop, sync_interval
from app.state import AppState, StoreArchive, StoreGateway, initial_sync_info, read_feed
from services.domain import OrderFilter, ThemeChoice, utc_now
from services.storage import UsageRepository
from services.sync.coordinator import SyncCoordinator
from views.shell import AppShell

if TYPE_CHECKING:
    from app.container import AppContainer

log = logging.getLogger(__name__)

APP_TITLE = "Order Tracking"


def make_session_main(
    container: AdminContainer, hub: SyncHub, first_paint: threading.Event | None = None
) -> Callable[[ft.Page], Awaitable[None]]:
    """Return the per-session ``main``: state from the cache first, then live sync updates."""
    gateway = StoreGateway(container.store)
    archive = StoreArchive(container.store)
    usage = UsageRepository(container.store)  # the app's own metrics, on this device only

    def save_theme(choice: ThemeChoice) -> None:
        container.settings.theme = choice.value
        container.settings.save(container.home)

    async def session_main(page: ft.Page) -> None:
        state = AppState(
            gateway,
            sync=hub.info,
            data_location=str(container.home),
            theme=_theme(container.settings.theme),
            request_sync=hub.request,
            on_theme=save_theme,
            admin=ContainerAdmin(container, on_moved=hub.moved_to_history),
            archive=archive,
            usage=usage,
        )

        def on_sync(event: SyncEvent) -> None:
            # pushes arrive at any time, also while a closed tab's session is torn down: stop quietly
            if getattr(page.session, "connection", None) is None:
                unsubscribe()
                return
            try:
                page.run_task(state.apply_sync, event)
            except (AttributeError, RuntimeError):
                unsubscribe()

        # listen first, so a pass that ends while the first page is read is not missed
        unsubscribe = hub.subscribe(on_sync)
        await state.orders.load()  # the cache answers in milliseconds: paint it before any sync finishes
        shell = AppShell(page, state, title=APP_TITLE)
        shell.order_screen.feedback.model = state.usage  # "Did this page answer your question?", links, copies
        await shell.start()
        if first_paint is not None:
            first_paint.set()

        def on_close(_: Any) -> None:
            unsubscribe()
            shell.stop()

        page.on_close = on_close

    return session_main


class Runtime:
    """What one process runs around an open cache: the sync hub, the sync loop and the session ``main``."""

    def __init__(self, container: AppContainer, interval: float | None = None) -> None:
        """Create the hub and the loop (not started: :meth:`start`)."""
        every = interval or sync_interval(container.settings.sync_interval_seconds)
        self.hub = SyncHub(
            initial_sync_info(StoreGateway(container.store), is_demo=container.is_demo),
            stale_after=timedelta(seconds=max(600.0, 3 * every)),
        )
        self.first_paint = threading.Event()
        self.loop = SyncLoop(
            self.hub,
            lambda **hooks: SyncCoordinator(container.engine(), interval=every, **hooks),
            first_paint=self.first_paint,
            housekeeping=container.move_to_history,
            retry=every,
        )
        self.main = make_session_main(container, self.hub, self.first_paint)
        self._container = container

    def start(self) -> Runtime:
        """Warm the page cache and start syncing; return self."""
        threading.Thread(target=warm_cache, args=(self._container,), name="ordertrack-warm", daemon=True).start()
        self.loop.start()
        return self

    def stop(self) -> None:
        """Stop syncing."""
        self.loop.stop()


def warm_cache(container: AppContainer) -> None:
    """Read what the first screen needs once, while the browser loads the client (fills the page cache)."""
    try:
        gateway = StoreGateway(container.store)
        gateway.count(OrderFilter())
        read_feed(gateway, 1, utc_now())
    except Exception:  # only a head start: the session reads (and reports) for real
        log.debug("warming the cache failed", exc_info=True)


def _theme(value: str) -> ThemeChoice:
    try:
        return ThemeChoice(value)
    except ValueError:
        return ThemeChoice.SYSTEM
