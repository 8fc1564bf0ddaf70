"""Settings' admin actions over the container (sources and their tokens, the cache, the History delay).

Blocking: the screen states run them off the UI loop. Failures are the typed ``AppError`` tree
(``ValidationError`` for what the person typed, ``ConfigError`` for a clash), shown as their message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from app.database import uses_passphrase
from app.settings import Settings
from services.credentials import CredentialStore, source_token_key
from services.domain import (
    AppError,
    ConfigError,
    KeyHolder,
    Protection,
    SourceConfig,
    ValidationError,
    utc_now,
)
from services.sources.urls import UrlPolicyError, validate_source_url
from services.storage import Store
from services.sync import SyncReport

log = logging.getLogger(__name__)


class AdminContainer(Protocol):
    """What the admin actions and a session read from the app container (``app.container.AppContainer``)."""

    home: Path
    settings: Settings

    @property
    def store(self) -> Store:
        """Return the open cache."""
        ...

    @property
    def credentials(self) -> CredentialStore:
        """Return the keyring door."""
        ...

    @property
    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo."""
        ...

    def sync_once(self, only: str | None = None) -> list[SyncReport]:
        """Sync every source (or the one named ``only``) once."""
        ...

    def set_history_after_days(self, days: int) -> int:
        """Save and apply a new History delay; return how many orders moved."""
        ...



class ContainerAdmin:
    """Settings' source and data actions over the container (keyring, sync engine, cache); blocking."""

    def __init__(self, container: AdminContainer, *, on_moved: Callable[[int], None] | None = None) -> None:
        """Wrap ``container``; ``on_moved`` hears how many orders a changed History delay moved."""
        self._container = container
        self._on_moved = on_moved

    def history_after_days(self) -> int:
        """Return the History delay: days after their last update before finished orders move."""
        return self._container.settings.history_after_days

    def protection(self) -> Protection:
        """Return how the local database is protected, and who keeps its key."""
        protection = self._container.store.protection()
        if not protection.encrypted:
            return protection
        key = KeyHolder.PASSPHRASE if uses_passphrase(self._container.home) else KeyHolder.KEYRING
        return replace(protection, key=key)

    def set_history_after_days(self, days: int) -> int:
        """Save a new History delay and apply it now; return how many orders moved (ConfigError if invalid)."""
        moved = self._container.set_history_after_days(days)
        if moved and self._on_moved is not None:
            self._on_moved(moved)
        return moved

    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo (no source configured)."""
        return self._container.is_demo

    def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source; its token (if any) goes to the keyring and nowhere else.

        Raises ValidationError for a bad name, address or token, ConfigError for a taken name, and
        whatever AppError the keyring or the cache raise.
        """
        try:
            url = check_source_url(url)
        except ValueError as err:
            raise ValidationError(str(err)) from err
        name, token = name.strip(), token.strip()
        if not name or not (name.isascii() and name.isprintable()) or len(name) > 64:
            raise ValidationError("The name must be 1–64 letters, digits or punctuation (no accents).")
        if token and (not (token.isascii() and token.isprintable()) or any(c.isspace() for c in token)):
            raise ValidationError("The token has spaces or characters that cannot be sent to the server.")
        c = self._container
        if c.store.sources.get(name) is not None:
            raise ConfigError(f"A source named “{name}” already exists.")
        if token:
            c.credentials.set(source_token_key(name), token)
        c.store.sources.add(SourceConfig(name=name, kind="ordertrack", url=url, created_at=utc_now()))

    def remove_source(self, name: str) -> None:
        """Remove a source and its token."""
        c = self._container
        c.store.sources.remove(name)
        try:
            c.credentials.delete(source_token_key(name))
        except AppError:
            log.warning("could not delete the token of %s from the keyring", name, exc_info=True)

    def test_source(self, name: str) -> tuple[bool, str]:
        """Sync one source once; return (ok, what happened in plain words)."""
        try:
            reports = self._container.sync_once(name)
        except AppError as err:
            return False, err.message
        if not reports:
            return False, f"No source named “{name}”."
        report = reports[0]
        if report.error:
            return False, f"Could not sync: {report.error}"
        changes = report.changes
        new = len(changes.new_orders)
        parts = [f"Connected. {report.orders_seen:,} order{'s' if report.orders_seen != 1 else ''} checked"]
        if new:
            parts.append(f"{new:,} new")
        if report.not_modified:
            parts.append("nothing changed since the last sync")
        return True, ", ".join(parts) + "."

    def integrity_check(self) -> list[str]:
        """Return the problems of the local database ([] when sound)."""
        return self._container.store.integrity_check()

    def clear_cache(self) -> int:
        """Delete the cached live orders and every sync position (History, sources, alert log kept).

        The next sync downloads everything again as a first sync: nothing is alerted twice.
        """
        return self._container.store.clear_cache()


def check_source_url(raw: str) -> str:
    """Return a usable backend URL (the one source-address policy) or raise ValueError in plain words."""
    try:
        return validate_source_url(raw)
    except UrlPolicyError as err:
        said = {
            "form": "Enter the full address, starting with https:// (or http:// on this computer).",
            "characters": "The address must not contain spaces, “?” or “#”.",
            "credentials": "Put the token in the token field, not in the address.",
            "https": "Use https:// — plain http:// is only allowed on this computer.",
        }
        raise ValueError(said.get(err.rule, f"The address {err.reason}.")) from err
