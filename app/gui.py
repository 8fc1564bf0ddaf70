"""The GUI entry: one container, one sync loop and one hub per process; one AppState per session.

run_gui ─▶ AppContainer.create()          (opens the cache; starts the demo server if no source)
       └▶ no keyring for the cache key ─▶ UnlockGate: every session shows views.unlock_view until one
                                          right passphrase opens the cache, then all get the app
       ─▶ SyncHub + SyncLoop thread        (SyncCoordinator: push streams + polling on schedule;
                                             without one, sync_once every ORDERTRACK_SYNC_INTERVAL s)
       ─▶ ft.run(session_main)             (each window / browser tab:)
             AppState(StoreGateway) ─ load first page from the cache ─▶ AppShell paints it
             SyncHub.subscribe ─▶ page.run_task(state.apply_sync) ─▶ re-query ─▶ repaint
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.admin import ContainerAdmin
from app.database import MIN_PASSPHRASE, passphrase_mode, set_passphrase_prompt
from app.paths import data_dir
from app.state import AppState, StoreArchive, StoreGateway, SyncEvent, SyncHub, initial_sync_info, read_feed
from app.web_guard import check_listen_host
from app.web_server import allow_public, serve_web
from services.credentials import CredentialsUnavailableError
from services.domain import (
    AppError,
    ChangeSet,
    OrderFilter,
    StorageError,
    ThemeChoice,
    utc_now,
)
from services.storage import UsageRepository
from services.storage.store import WRONG_KEY
from services.sync import SyncReport
from services.sync.coordinator import SyncCoordinator
from views.shell import AppShell
from views.unlock_view import UnlockScreen

if TYPE_CHECKING:
    from app.container import AppContainer

log = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL = 30.0
HEARTBEAT = 60.0
"""Unchanged background pulls reach the sessions at most this often (keeps "last synced" current)."""
HOUSEKEEPING_EVERY = 3600.0
"""Seconds between History moves when no pass changed anything (passes with changes run it at once)."""
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
    """The one background sync of the process: a daemon thread driving the sync coordinator.

    With ``coordinator`` (a factory, called in the thread) the sources are pulled on their own
    schedules and their push streams feed the hub live; without it, ``sync_once`` runs every interval.
    """

    def __init__(
        self,
        sync_once: Callable[[], Any],
        hub: SyncHub,
        interval: float,
        *,
        first_paint: threading.Event | None = None,
        startup_grace: float = STARTUP_GRACE,
        coordinator: Callable[[], SyncCoordinator] | None = None,
        housekeeping: Callable[[], int] | None = None,
    ) -> None:
        """Prepare the loop; :meth:`start` runs it.

        ``housekeeping`` moves finished orders to History (returns how many moved). It runs after
        every pass that changed the cache and at least every :data:`HOUSEKEEPING_EVERY` seconds,
        before the pass reaches the sessions, so they never show an order that is about to move.

        The first pass waits for ``first_paint`` (set once a window has shown the cache) for at most
        ``startup_grace`` seconds: a pass can be CPU-heavy (the embedded demo generates its data) and
        must not slow the web server while the browser loads the client and the first screen.
        """
        self._sync_once = sync_once
        self._hub = hub
        self._interval = interval
        self._first_paint = first_paint
        self._startup_grace = startup_grace
        self._make_coordinator = coordinator
        self._housekeeping = housekeeping
        self._housekeeping_lock = threading.Lock()
        self._last_housekeeping = float("-inf")
        self.coordinator: SyncCoordinator | None = None
        self._latest: dict[str, SyncReport] = {}
        self._latest_lock = threading.Lock()
        self._show_next_pass = threading.Event()
        self._shown_pass = False
        self._last_forward = float("-inf")
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
        if self._make_coordinator is not None and not self._stop.is_set():
            try:
                self.coordinator = self._make_coordinator()
            except Exception as err:  # e.g. a misconfigured source: report it, poll the old way
                log.warning("cannot start the sync coordinator: %s", err, exc_info=True)
                self._hub.failed(str(err) or type(err).__name__)
            else:
                self._run_coordinated(self.coordinator)
                return
        self._run_polling()

    def _hub_reports(self, report: SyncReport) -> list[SyncReport]:
        """Return every source's latest report, only ``report`` carrying changes (errors stay visible)."""
        with self._latest_lock:
            self._latest[report.source] = report
            return [r if r is report else replace(r, changes=ChangeSet()) for r in self._latest.values()]

    def _on_push(self, source: str, changes: ChangeSet) -> None:
        with self._latest_lock:
            base = self._latest.get(source) or SyncReport(source=source)
        self._hub.finished(self._hub_reports(replace(base, changes=changes, finished_at=utc_now())))

    def _pass_started(self) -> None:
        """Show "syncing" for the first pass and asked-for ones, not for background polls and push catch-ups."""
        if self._show_next_pass.is_set():
            self._show_next_pass.clear()
            self._shown_pass = True
            self._hub.started()

    def _housekeep(self, changed: bool) -> int:
        """Move old finished orders to History when due; return how many moved (0 on failure)."""
        if self._housekeeping is None:
            return 0
        with self._housekeeping_lock:
            now = time.monotonic()
            if not changed and now - self._last_housekeeping < HOUSEKEEPING_EVERY:
                return 0
            self._last_housekeeping = now
            try:
                return self._housekeeping()
            except Exception as err:  # housekeeping must never stop syncing
                log.warning("moving finished orders to History failed: %s", err, exc_info=True)
                return 0

    def _on_report(self, report: SyncReport) -> None:
        """Forward a pull to the sessions when it matters: changes, a health flip, a shown pass, or a heartbeat.

        Background polls and push catch-ups that change nothing would otherwise re-render every
        session every few seconds (and an input being typed in would be repainted under the user).
        """
        with self._latest_lock:
            before = self._latest.get(report.source)
        now = time.monotonic()
        shown = self._shown_pass
        self._shown_pass = False
        flipped = before is None or (before.error is None) != (report.error is None) or before.error != report.error
        moved = self._housekeep(not report.changes.empty)
        if shown or flipped or moved or not report.changes.empty or now - self._last_forward >= HEARTBEAT:
            self._last_forward = now
            self._hub.finished(self._hub_reports(report), moved_to_history=moved)
        else:
            self._hub_reports(report)  # remember it (its health) without waking the sessions

    def _run_coordinated(self, coordinator: SyncCoordinator) -> None:
        self._show_next_pass.set()
        coordinator.on_pass_started = self._pass_started
        coordinator.on_report = self._on_report
        coordinator.on_push = self._on_push
        coordinator.start()
        try:
            while not self._stop.is_set():
                self._hub.wake.wait()
                self._hub.wake.clear()
                if self._stop.is_set():
                    break
                self._show_next_pass.set()  # the asked-for pass shows "syncing" (now or after the debounce)
                coordinator.request_refresh()
        finally:
            coordinator.close()

    def _run_polling(self) -> None:
        while not self._stop.is_set():  # checked first: a stop during the startup wait runs no pass
            self._hub.wake.clear()
            self._hub.started()
            try:
                reports = self._sync_once()
            except Exception as err:  # a broken pass must not end the loop
                log.warning("background sync failed: %s", err, exc_info=True)
                self._hub.failed(str(err) or type(err).__name__)
            else:
                reports = list(reports)
                changed = any(not r.changes.empty for r in reports)
                self._hub.finished(reports, moved_to_history=self._housekeep(changed))
            if self._stop.is_set():
                break
            self._hub.wake.wait(self._interval)


def make_session_main(
    container: AppContainer, hub: SyncHub, first_paint: threading.Event | None = None
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
        every = interval or sync_interval()
        self.hub = SyncHub(
            initial_sync_info(StoreGateway(container.store), is_demo=container.is_demo),
            stale_after=timedelta(seconds=max(600.0, 3 * every)),
        )
        self.first_paint = threading.Event()
        self.loop = SyncLoop(
            container.sync_once,
            self.hub,
            every,
            first_paint=self.first_paint,
            coordinator=lambda: SyncCoordinator(container.engine(), interval=every),
            housekeeping=container.move_to_history,
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


def serve(
    container: AppContainer,
    *,
    web: bool,
    host: str = "127.0.0.1",
    port: int = 0,
    interval: float | None = None,
) -> None:
    """Run the app on an open container until the window closes or SIGTERM/SIGINT arrives."""
    runtime = Runtime(container, interval).start()
    try:
        _run_flet(runtime.main, web=web, host=host, port=port)
    finally:
        runtime.stop()


def _run_flet(main: Callable[[ft.Page], Awaitable[None]], *, web: bool, host: str, port: int) -> None:
    """Serve ``main`` in the browser (offline client, launch token, loopback) or in a desktop window."""
    if web or not _has_display():
        serve_web(main, host=host, port=port or free_port(host), title=APP_TITLE, open_browser=_has_display())
    else:
        # the desktop client talks to this process over a Unix socket (a local TCP port on Windows)
        ft.run(main, view=ft.AppView.FLET_APP)


class UnlockGate:
    """The start when no keyring can keep the cache key: every session asks for the passphrase until one
    right passphrase opens the cache; then every session (waiting or new) gets the app.

    One cache, one sync engine per process, as when the keyring holds the key.
    """

    def __init__(self, home: Path, *, choosing: bool, interval: float | None = None) -> None:
        """Nothing is open yet; ``choosing``: a new passphrase will protect a new or plaintext cache."""
        self.home = home
        self.choosing = choosing
        self.interval = interval
        self.container: AppContainer | None = None
        self.runtime: Runtime | None = None
        self._lock = threading.Lock()
        self._waiting: dict[int, Callable[[], None]] = {}

    async def session_main(self, page: ft.Page) -> None:
        """Show the app when the cache is open, else the unlock screen (which switches by itself)."""
        if self.runtime is not None:
            await self.runtime.main(page)
            return
        key = id(page)

        async def enter() -> None:
            self._waiting.pop(key, None)
            if self.runtime is not None:
                await self.runtime.main(page)

        def wake() -> None:
            try:
                page.run_task(enter)
            except (AttributeError, RuntimeError):  # the tab was closed meanwhile
                self._waiting.pop(key, None)

        async def submit(passphrase: str) -> str | None:
            problem = await asyncio.to_thread(self.open, passphrase)
            if problem is None:
                self._wake_all()
            return problem

        self._waiting[key] = wake
        page.on_close = lambda _: self._waiting.pop(key, None)
        UnlockScreen(choosing=self.choosing, min_length=MIN_PASSPHRASE, on_submit=submit, title=APP_TITLE).show(page)

    def open(self, passphrase: str) -> str | None:
        """Open the cache with ``passphrase`` and start syncing; None, or what went wrong in plain words."""
        from app.container import AppContainer

        with self._lock:
            if self.runtime is not None:
                return None
            try:
                container = AppContainer.create(self.home, passphrase=passphrase)
            except StorageError as err:
                if WRONG_KEY in err.message:
                    return "That passphrase does not open the cache. Try again."
                return f"{err.title}: {err.message}"
            except AppError as err:
                return f"{err.title}: {err.message}"
            self.container = container
            self.runtime = Runtime(container, self.interval).start()
            log.info("the cache was unlocked with its passphrase")
            return None

    def _wake_all(self) -> None:
        for wake in list(self._waiting.values()):
            wake()

    def close(self) -> None:
        """Stop syncing and close the cache (when it was opened)."""
        if self.runtime is not None:
            self.runtime.stop()
        if self.container is not None:
            self.container.close()


def warm_cache(container: AppContainer) -> None:
    """Read what the first screen needs once, while the browser loads the client (fills the page cache)."""
    try:
        gateway = StoreGateway(container.store)
        gateway.count(OrderFilter())
        read_feed(gateway, 1, utc_now())
    except Exception:  # only a head start: the session reads (and reports) for real
        log.debug("warming the cache failed", exc_info=True)


def run_gui(*, web: bool, host: str = "127.0.0.1", port: int = 0, home: Path | None = None) -> None:
    """Open the cache (and the demo server when no source is configured) and run the app."""
    from app.container import AppContainer

    check_listen_host(host, allow_public=allow_public())  # before anything opens: a refused host opens nothing
    set_passphrase_prompt(None)  # a passphrase is asked in the app's own window (UnlockGate)
    try:
        container = AppContainer.create(home)
    except CredentialsUnavailableError:
        mode = passphrase_mode(home or data_dir())
        if mode is None:  # the key is in a keyring that is not there: no passphrase can help
            raise
        log.warning("no keyring for the cache key: the app asks for the cache passphrase")
        gate = UnlockGate(home or data_dir(), choosing=mode == "choose")
        try:
            _run_flet(gate.session_main, web=web, host=host, port=port)
        finally:
            gate.close()
        return
    try:
        serve(container, web=web, host=host, port=port)
    finally:
        container.close()


def main_entry() -> None:
    """Start the app for ``main.py``: a desktop window when a display exists, else web on 127.0.0.1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    run_gui(web=not _has_display())


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now (IPv4 or IPv6)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host.strip("[]") or "127.0.0.1", 0))
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
