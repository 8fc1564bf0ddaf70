"""The GUI entry: one container, one sync loop and one hub per process; one AppState per session.

    run_gui ─▶ AppContainer.create()          (opens the cache; starts the demo server if no source)
           ─▶ SyncHub + SyncLoop thread        (sync_once now, then every ORDERTRACK_SYNC_INTERVAL s)
           ─▶ ft.run(session_main)             (each window / browser tab:)
                 AppState(StoreGateway) ─ load first page from the cache ─▶ AppShell paints it
                 SyncHub.subscribe ─▶ page.run_task(state.apply_sync) ─▶ re-query ─▶ repaint
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state import AppState, StoreGateway, SyncEvent, SyncHub, initial_sync_info
from views.model import ThemeChoice
from views.shell import AppShell

if TYPE_CHECKING:
    from app.container import AppContainer

log = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL = 30.0
STARTUP_GRACE = 3.0
"""Longest the first sync pass waits for the first window to show the cache."""
APP_TITLE = "Order Tracking"


def sync_interval() -> float:
    """Return the background sync interval in seconds (``ORDERTRACK_SYNC_INTERVAL``, default 30)."""
    raw = os.environ.get("ORDERTRACK_SYNC_INTERVAL", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_SYNC_INTERVAL
    except ValueError:
        log.warning("ignoring ORDERTRACK_SYNC_INTERVAL=%r (not a number)", raw)
        value = DEFAULT_SYNC_INTERVAL
    return max(value, 1.0)


class SyncLoop:
    """The one background sync of the process: a daemon thread calling ``container.sync_once``."""

    def __init__(
        self,
        sync_once: Callable[[], Any],
        hub: SyncHub,
        interval: float,
        *,
        first_paint: threading.Event | None = None,
        startup_grace: float = STARTUP_GRACE,
    ) -> None:
        """Prepare the loop; :meth:`start` runs it.

        The first pass waits for ``first_paint`` (set once a window has shown the cache) for at most
        ``startup_grace`` seconds: a pass can be CPU-heavy (the embedded demo generates its data) and
        must not slow the web server while the browser loads the client and the first screen.
        """
        self._sync_once = sync_once
        self._hub = hub
        self._interval = interval
        self._first_paint = first_paint
        self._startup_grace = startup_grace
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ordertrack-sync", daemon=True)

    def start(self) -> None:
        """Start syncing: once now, then every interval (or when the hub is asked to)."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end and wait a little for a running pass to finish."""
        self._stop.set()
        self._hub.wake.set()
        if self._first_paint is not None:
            self._first_paint.set()  # end the startup wait too
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        if self._first_paint is not None:
            self._first_paint.wait(self._startup_grace)
        while not self._stop.is_set():  # checked first: a stop during the startup wait runs no pass
            self._hub.wake.clear()
            self._hub.started()
            try:
                reports = self._sync_once()
            except Exception as err:  # a broken pass must not end the loop
                log.warning("background sync failed: %s", err, exc_info=True)
                self._hub.failed(str(err) or type(err).__name__)
            else:
                self._hub.finished(list(reports))
            if self._stop.is_set():
                break
            self._hub.wake.wait(self._interval)


def make_session_main(
    container: AppContainer, hub: SyncHub, first_paint: threading.Event | None = None
) -> Callable[[ft.Page], Awaitable[None]]:
    """Return the per-session ``main``: state from the cache first, then live sync updates."""
    gateway = StoreGateway(container.store)

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
        )

        def on_sync(event: SyncEvent) -> None:
            page.run_task(state.apply_sync, event)

        # listen first, so a pass that ends while the first page is read is not missed
        unsubscribe = hub.subscribe(on_sync)
        await state.load()  # the cache answers in milliseconds: paint it before any sync finishes
        shell = AppShell(page, state, title=APP_TITLE)
        await shell.start()
        if first_paint is not None:
            first_paint.set()

        def on_close(_: Any) -> None:
            unsubscribe()
            shell.stop()

        page.on_close = on_close

    return session_main


def serve(
    container: AppContainer,
    *,
    web: bool,
    host: str = "127.0.0.1",
    port: int = 0,
    interval: float | None = None,
) -> None:
    """Run the app on an open container until the window closes or SIGTERM/SIGINT arrives."""
    hub = SyncHub(
        initial_sync_info(StoreGateway(container.store), is_demo=container.is_demo),
        stale_after=timedelta(seconds=max(600.0, 3 * (interval or sync_interval()))),
    )
    first_paint = threading.Event()
    loop = SyncLoop(container.sync_once, hub, interval or sync_interval(), first_paint=first_paint)
    main = make_session_main(container, hub, first_paint)
    web = web or not _has_display()
    loop.start()
    try:
        if web:
            port = port or free_port(host)
            print(f"Serving {APP_TITLE} on http://{host}:{port}", flush=True)
            ft.run(main, view=ft.AppView.WEB_BROWSER, host=host, port=port, no_cdn=True)
        else:
            ft.run(main, view=ft.AppView.FLET_APP, host=host, port=port)
    finally:
        loop.stop()


def run_gui(*, web: bool, host: str = "127.0.0.1", port: int = 0, home: Path | None = None) -> None:
    """Open the cache (and the demo server when no source is configured) and run the app."""
    from app.container import AppContainer

    if host in ("0.0.0.0", "::", "") and not os.environ.get("ORDERTRACK_ALLOW_PUBLIC"):
        raise ValueError("the app serves on loopback only; pass host='127.0.0.1' (or set ORDERTRACK_ALLOW_PUBLIC=1)")
    container = AppContainer.create(home)
    try:
        serve(container, web=web, host=host, port=port)
    finally:
        container.close()


def main_entry() -> None:
    """Start the app for ``main.py``: a desktop window when a display exists, else web on 127.0.0.1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    run_gui(web=not _has_display())


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def desktop_available() -> tuple[bool, str]:
    """Tell whether a desktop window can open here: a display and a local Flet desktop client.

    The Flet desktop client is downloaded on first use; without network access that download
    fails, so only an already provisioned client (cached, bundled or FLET_VIEW_PATH) counts.
    """
    if not _has_display():
        return False, "no display"
    if os.environ.get("FLET_VIEW_PATH"):
        return True, "FLET_VIEW_PATH"
    try:
        import flet_desktop
        from flet_desktop.version import version as desktop_version
    except ImportError:
        return False, "the Flet desktop package is not installed"
    bundled = Path(flet_desktop.get_package_bin_dir())
    if bundled.is_dir() and any(bundled.iterdir()):
        return True, "bundled client"
    cache = Path.home() / ".flet" / "client"
    if cache.is_dir() and any(p.is_dir() and desktop_version in p.name for p in cache.iterdir()):
        return True, "cached client"
    return False, f"the Flet desktop client {desktop_version} is not installed yet"


def _has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _theme(value: str) -> ThemeChoice:
    try:
        return ThemeChoice(value)
    except ValueError:
        return ThemeChoice.SYSTEM
