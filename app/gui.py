"""The GUI launch: open the cache, start the runtime, serve the pages (desktop window or browser).

run_gui ─▶ AppContainer.create()          (opens the cache; starts the demo server if no source)
       └▶ no keyring for the cache key ─▶ app.unlock.UnlockGate (passphrase screen, then the app)
       ─▶ app.session.Runtime             (SyncHub + app.live.SyncLoop + the per-session main)
       ─▶ serve_web / ft.run(session main) (each window / browser tab: app.session)

Settings' admin actions are in ``app.admin``; the sync bridge in ``app.live``.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

from app.admin import check_source_url
from app.database import passphrase_mode, set_passphrase_prompt
from app.paths import data_dir
from app.session import APP_TITLE, Runtime
from app.unlock import UnlockGate
from app.web_guard import check_listen_host
from app.web_server import allow_public, serve_web
from services.credentials import CredentialsUnavailableError

if TYPE_CHECKING:
    from app.container import AppContainer

log = logging.getLogger(__name__)

__all__ = ["check_source_url", "desktop_available", "free_port", "main_entry", "run_gui", "serve"]



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


