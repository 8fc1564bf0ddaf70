"""The Settings screen's state: sources and their health, notification preferences, data, theme."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from services.domain import (
    AppError,
    ConfigError,
    DataCheck,
    NotificationSettings,
    Protection,
    SourceInfo,
    SourceTest,
    ThemeChoice,
)

from .observable import ScreenState, Status, off_loop, reason
from .ports import ArchivePort, OrdersGateway, SourceAdmin
from .sources import source_infos

log = logging.getLogger(__name__)

Reaction = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class SettingsState(ScreenState):
    """What Settings shows and changes. ``sources_changed`` / ``cache_changed`` let the other screens re-read."""

    def __init__(
        self,
        status: Status,
        gateway: OrdersGateway,
        *,
        admin: SourceAdmin | None = None,
        archive: ArchivePort | None = None,
        theme: ThemeChoice = ThemeChoice.SYSTEM,
        on_theme: Callable[[ThemeChoice], None] | None = None,
        data_location: str = "",
        sources_changed: Reaction = _nothing,
        cache_changed: Reaction = _nothing,
    ) -> None:
        """Start unread; :meth:`load_sources` and :meth:`load` read what Settings shows."""
        super().__init__(status)
        self._gateway = gateway
        self._admin = admin
        self._archive = archive
        self._on_theme = on_theme
        self._sources_changed = sources_changed
        self._cache_changed = cache_changed
        self.theme = theme
        self.data_location = data_location
        self.sources: list[SourceInfo] = []
        self.source_test: SourceTest | None = None
        self.data_check: DataCheck | None = None
        self.history_after_days: int | None = None
        self.protection: Protection | None = None
        self.notification_settings: NotificationSettings | None = None

    # ------------------------------------------------------------------ sources

    async def load_sources(self) -> None:
        """Read the sources' health; the first time also the preferences and the data settings."""
        g = self._gateway
        try:
            self.sources = await off_loop(lambda: source_infos(g.source_configs(), g.sync_states()))
        except Exception:
            log.exception("reading the sources failed")
            return
        self.notify()
        if self.notification_settings is None:
            await self.load_notification_settings()
        if self.history_after_days is None:
            await self.load_data_settings()

    async def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source (the token goes to the keyring); raise an AppError with the reason."""
        if self._admin is None:
            raise ConfigError("sources cannot be changed here")
        await off_loop(self._admin.add_source, name, url, token)
        await self._after_source_change()
        self.request_sync()

    async def remove_source(self, name: str) -> None:
        """Remove a source and its token."""
        if self._admin is None:
            return
        try:
            await off_loop(self._admin.remove_source, name)
        except Exception as err:
            log.warning("removing source %s failed", name, exc_info=True)
            self.source_test = SourceTest(name, running=False, ok=False, message=reason(err))
        if self.source_test is not None and self.source_test.source == name and self.source_test.ok:
            self.source_test = None
        await self._after_source_change()

    async def test_source(self, name: str) -> None:
        """Sync one source once, off the UI loop, and keep the outcome in :attr:`source_test`."""
        if self._admin is None or (self.source_test is not None and self.source_test.running):
            return
        self.source_test = SourceTest(name)
        self.notify()
        try:
            ok, message = await off_loop(self._admin.test_source, name)
        except Exception as err:
            ok, message = False, reason(err)
        self.source_test = SourceTest(name, running=False, ok=ok, message=message)
        await self.load_sources()
        await self._sources_changed()
        if ok:
            await self._cache_changed()

    async def _after_source_change(self) -> None:
        assert self._admin is not None
        self.status.set_sync(replace(self.sync, is_demo=self._admin.is_demo()))
        await self.load_sources()
        await self._sources_changed()

    # ------------------------------------------------------------------ notifications

    async def load_notification_settings(self) -> None:
        """Read the notification preferences (off the UI loop)."""
        if self._archive is None:
            return
        try:
            self.notification_settings = await off_loop(self._archive.notification_settings)
        except Exception:
            log.warning("reading the notification preferences failed", exc_info=True)
            return
        self.notify()

    async def set_notification_setting(self, key: str, value: str) -> None:
        """Change one preference; a bad value keeps the old settings and explains why in ``error``."""
        if self._archive is None:
            return
        try:
            self.notification_settings = await off_loop(self._archive.set_notification_setting, key, value)
        except AppError as err:
            current = self.notification_settings
            if current is not None:
                self.notification_settings = replace(current, error=err.message)
        self.notify()

    # ------------------------------------------------------------------ data

    async def load_data_settings(self) -> None:
        """Read the History delay and how the database is protected (off the UI loop)."""
        admin = self._admin
        if admin is None:
            return
        try:
            days, protection = await off_loop(lambda: (admin.history_after_days(), admin.protection()))
        except Exception:
            log.warning("reading the data settings failed", exc_info=True)
            return
        self.history_after_days, self.protection = days, protection
        self.notify()

    async def set_history_after_days(self, days: int) -> int:
        """Change the History delay and apply it; return how many orders moved (an AppError if invalid)."""
        if self._admin is None:
            return 0
        moved = await off_loop(self._admin.set_history_after_days, days)
        self.history_after_days = days
        self.notify()
        return moved

    async def check_data(self) -> None:
        """Check the local database and keep the outcome in :attr:`data_check`."""
        if self._admin is None:
            return
        self.data_check = DataCheck()
        self.notify()
        try:
            problems = await off_loop(self._admin.integrity_check)
        except Exception as err:
            problems = [f"the check could not run: {reason(err)}"]
        self.data_check = DataCheck(running=False, problems=tuple(problems), checked_at=self.now)
        self.notify()

    async def clear_cache(self) -> int:
        """Delete the cached live orders (History kept) and download everything again; return how many went."""
        if self._admin is None:
            return 0
        removed = await off_loop(self._admin.clear_cache)
        await self._cache_changed()
        self.request_sync()
        return removed

    # ------------------------------------------------------------------ theme

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
        self.notify()
