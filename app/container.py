"""Composition root: wires settings, credentials, the cache, sources and the sync engine.

Knows every layer and holds no business logic. With no source configured it starts the embedded
demo backend in-process on a free loopback port and syncs from it ("Demo data").
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from services.credentials import (
    CredentialStore,
    CredentialsUnavailableError,
    KeyringCredentialStore,
    source_token_key,
)
from services.demo import DemoServer
from services.domain import DEMO_SOURCE, ConfigError, SourceConfig, utc_now
from services.notify import SMTP_PASSWORD_KEY, Channels, Dispatcher, EmailChannel, NativeChannel, load_prefs
from services.notify.preferences import Preferences
from services.storage import NotifyRepository, Store
from services.storage.archive import move_to_history
from services.sync import ChangeListener, SourceRuntime, SyncEngine, SyncReport

from .database import open_store
from .paths import data_dir
from .runtime import runtime_for as build_runtime
from .settings import MAX_HISTORY_AFTER_DAYS, Settings

log = logging.getLogger(__name__)

DEMO_SOURCE_NAME = DEMO_SOURCE
"""The embedded demo's source name (the domain's one definition)."""


class LiveChannels(Channels):
    """Channels rebuilt from the current preferences each time they are used (prefs change at runtime)."""

    def __init__(self, password: Callable[[], str | None], prefs: Preferences) -> None:
        """Read the SMTP password through ``password`` (the keyring) only when an e-mail is sent."""
        super().__init__(native=NativeChannel())
        self._password = password
        self.refresh(prefs)

    def refresh(self, prefs: Preferences) -> None:
        """Rebuild the e-mail channel from ``prefs``."""
        self.email = EmailChannel(prefs.smtp, self._password) if prefs.email else None


class AppContainer:
    """Everything the app and the CLI need, built once per process."""

    def __init__(
        self,
        home: Path,
        store: Store,
        settings: Settings,
        credentials: CredentialStore,
    ) -> None:
        self.home = home
        self.store = store
        self.settings = settings
        store.history_after_days = settings.history_after_days  # one rule for live and History lists
        self.credentials = credentials
        self.demo: DemoServer | None = None
        self._demo_token: str | None = None
        self._lock = threading.Lock()
        self.change_listeners: list[ChangeListener] = []

    @classmethod
    def create(
        cls, home: Path | None = None, *, credentials: CredentialStore | None = None, passphrase: str | None = None
    ) -> AppContainer:
        """Open the cache in ``home`` (default: ORDERTRACK_HOME or the user data dir).

        ``passphrase`` is used only where no keyring can keep the cache key (app.database).
        """
        home = home or data_dir()
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        settings = Settings.load(home)
        store = open_store(home, credentials or KeyringCredentialStore(), passphrase)
        container = cls(home, store, settings, credentials or KeyringCredentialStore())
        container.install_notifications()
        return container

    @property
    def dispatcher(self) -> Dispatcher | None:
        """Return the notification dispatcher the engines report to, if installed."""
        return next((d for d in self.change_listeners if isinstance(d, Dispatcher)), None)

    def install_notifications(self) -> None:
        """Register the notification dispatcher as a change listener of every engine the container builds."""
        if self.dispatcher is not None:
            return
        channels = LiveChannels(self._smtp_password, Preferences())
        repo = NotifyRepository(self.store)

        def current() -> Preferences:
            prefs = load_prefs(repo)
            channels.refresh(prefs)
            return prefs

        self.change_listeners.append(Dispatcher(self.store, channels, prefs=current))

    def _smtp_password(self) -> str | None:
        try:
            return self.credentials.get(SMTP_PASSWORD_KEY)
        except CredentialsUnavailableError as err:
            log.warning("SMTP password unavailable: %s", err.message)
            return None

    @property
    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo (no source configured)."""
        return not self.store.sources.list()

    def source_configs(self) -> list[SourceConfig]:
        """Return the sources to sync: the configured ones, or the embedded demo."""
        configured = [s for s in self.store.sources.list() if s.enabled]
        if configured or self.store.sources.list():
            return configured
        demo = self.ensure_demo()
        return [SourceConfig(name=DEMO_SOURCE_NAME, kind="ordertrack", url=demo.url)]

    def ensure_demo(self) -> DemoServer:
        """Start the embedded demo server once (stable data across restarts via its anchor)."""
        with self._lock:
            if self.demo is None:
                first = self.settings.demo.anchor is None
                anchor = self.settings.demo.anchor_time()
                if first:
                    self.settings.save(self.home)
                self._demo_token = secrets.token_urlsafe(24)
                self.demo = DemoServer(
                    orders=self.settings.demo.orders,
                    seed=self.settings.demo.seed,
                    token=self._demo_token,
                    now=anchor,
                )
                self.demo.start()
                # The demo moved on while the app was closed: catch its clock up to real time.
                behind = (utc_now() - anchor).total_seconds() / 60
                if behind > 1:
                    self.demo.advance(behind)
                log.info("embedded demo backend on %s", self.demo.url)
            return self.demo

    def _token_for(self, config: SourceConfig) -> str | None:
        if config.name == DEMO_SOURCE_NAME and self.demo is not None and not self.store.sources.list():
            return self._demo_token
        return self.credentials.get(source_token_key(config.name))

    def runtime_for(self, config: SourceConfig) -> SourceRuntime:
        """Build the live clients of one source (per kind: see app/runtime.py)."""
        return build_runtime(config, self._token_for(config))

    def engine(self, only: str | None = None) -> SyncEngine:
        """Return a sync engine over all sources (or the one named ``only``)."""
        configs = self.source_configs()
        if only is not None:
            configs = [c for c in configs if c.name == only]
            if not configs:
                raise ConfigError(f"no source named {only!r} (see `ordertrack sources list`)")
        return SyncEngine(self.store, [self.runtime_for(c) for c in configs], listeners=self.change_listeners)

    def sync_once(self, only: str | None = None) -> list[SyncReport]:
        """Sync every source once (blocking; run it off the UI loop)."""
        engine = self.engine(only)
        try:
            return engine.sync_all()
        finally:
            engine.close()

    def move_to_history(self, after_days: int | None = None) -> int:
        """Move finished orders older than the History delay (default: the setting) to History; return how many."""
        days = self.settings.history_after_days if after_days is None else after_days
        return move_to_history(self.store, after_days=days)

    def set_history_after_days(self, days: int) -> int:
        """Save a new History delay and apply it at once; return how many orders moved."""
        if not 0 <= days <= MAX_HISTORY_AFTER_DAYS:
            raise ConfigError(f"the History delay must be 0 to {MAX_HISTORY_AFTER_DAYS} days")
        self.settings.history_after_days = days
        self.settings.save(self.home)
        self.store.history_after_days = days
        return self.move_to_history()

    def close(self) -> None:
        """Stop the demo server and close the cache."""
        if self.demo is not None:
            self.demo.stop()
            self.demo = None
        self.store.close()
