"""The app in a browser: Flet's web client behind the launch guard, served by uvicorn on loopback.

``ft.run(view=WEB_BROWSER)`` would serve every session to anyone who can reach the port. Here the same
Flet ASGI app is built with ``flet_web.fastapi.app`` and wrapped in :class:`app.web_guard.WebGuard`;
the link with this launch's token is printed (and opened in the customer's browser when a display
exists). Everything is local: the Flutter client, CanvasKit and fonts come from the installed package
(``no_cdn``).
"""

from __future__ import annotations

import logging
import os
import webbrowser
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft
import uvicorn

from app.web_guard import ALLOW_PUBLIC_ENV, LaunchSecret, WebGuard, check_listen_host, resolved_addresses

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parents[1] / "assets"


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls back once its sockets listen."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        """Serve ``config``; ``on_listening`` runs once the server accepts connections."""
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: Any = None) -> None:
        """Bind and start; then announce."""
        await super().startup(sockets=sockets)
        if self.started:
            self._on_listening()


def allow_public() -> bool:
    """Tell whether the documented opt-in to serve beyond loopback is set (``ORDERTRACK_ALLOW_PUBLIC=1``)."""
    return os.environ.get(ALLOW_PUBLIC_ENV, "").strip().lower() in ("1", "true", "yes")


def build_guarded_app(
    main: Callable[[ft.Page], Awaitable[None]], *, port: int, secret: LaunchSecret, public: bool = False
) -> WebGuard:
    """Return the guarded ASGI app serving ``main`` (one Flet session per browser tab)."""
    import flet_web.fastapi as flet_fastapi

    inner: Any = flet_fastapi.app(
        main,
        assets_dir=str(ASSETS) if ASSETS.is_dir() else None,
        no_cdn=True,
        app_name="Order Tracking",
        app_short_name="Orders",
    )
    return WebGuard(inner, port=port, secret=secret, allow_public=public)


def serve_web(
    main: Callable[[ft.Page], Awaitable[None]],
    *,
    host: str,
    port: int,
    title: str,
    open_browser: bool = False,
) -> None:
    """Serve ``main`` on ``host:port`` until SIGINT/SIGTERM; print the link with the launch token."""
    public = allow_public()
    host = check_listen_host(host, allow_public=public)
    secret = LaunchSecret()
    guarded = build_guarded_app(main, port=port, secret=secret, public=public)
    shown_host = "127.0.0.1" if all(a.is_unspecified for a in resolved_addresses(host)) else host
    link = guarded.link(shown_host)
    level = logging.getLogger("flet").getEffectiveLevel()
    config = uvicorn.Config(
        guarded,
        host=host,
        port=port,
        log_level="warning" if level in (logging.NOTSET, logging.CRITICAL) else logging.getLevelName(level).lower(),
        ws="websockets-sansio",
        server_header=False,
        lifespan="on",
    )

    def on_listening() -> None:
        # printed once the socket listens: whoever reads the link can open it at once
        print(f"Serving {title} on {link}", flush=True)
        if open_browser:
            webbrowser.open(link)

    AnnouncingServer(config, on_listening).run()
