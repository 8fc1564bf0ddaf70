"""The unlock gate: the start when no keyring can keep the cache key.

Every session shows ``views.unlock_view`` until one right passphrase opens the cache; then every
session (waiting or new) gets the app. One cache, one sync engine per process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

from app.database import MIN_PASSPHRASE
from app.session import APP_TITLE, Runtime
from services.domain import AppError, StorageError
from services.storage.store import WRONG_KEY
from views.unlock_view import UnlockScreen

if TYPE_CHECKING:
    from app.container import AppContainer

log = logging.getLogger(__name__)


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
