"""The plain values one app session shows and edits: sync status, list filters, settings, exports.

Built by ``app.state`` (which must not import views) and read by ``views`` (which must not import
app): both layers sit above the domain, so the values live here. They carry no behaviour beyond
small derived properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .enums import Channel, OrderStatus, SyncHealth

DEMO_SOURCE = "demo"
"""The name the embedded demo source syncs under (the app's default with no source configured)."""


class ThemeChoice(StrEnum):
    """The user's theme preference."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class SyncPhase(StrEnum):
    """Where the background sync stands, as the UI tells it."""

    NEVER = "never"
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"
    FAILING = "failing"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class SyncInfo:
    """A snapshot of the sync status shown in the status bar."""

    phase: SyncPhase = SyncPhase.NEVER
    last_synced_at: datetime | None = None
    error: str | None = None
    stale_since: datetime | None = None
    is_demo: bool = False

    @property
    def syncing(self) -> bool:
        """Tell whether a sync is running right now."""
        return self.phase is SyncPhase.SYNCING


class SortOrder(StrEnum):
    """How the orders list is sorted by placed date."""

    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class ListFilters:
    """A list screen's filters besides search text and dates (empty: no filter)."""

    status: OrderStatus | None = None
    channel: Channel | None = None
    carrier: str | None = None
    source: str | None = None
    needs_attention: bool = False

    @property
    def active(self) -> bool:
        """Tell whether any of these filters is set."""
        return bool(self.status or self.channel or self.carrier or self.source or self.needs_attention)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A data source and its sync health, as Settings lists it."""

    name: str
    kind: str
    url: str
    health: SyncHealth = SyncHealth.NEVER
    last_success_at: datetime | None = None
    stale_since: datetime | None = None
    last_error: str | None = None
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class SourceTest:
    """The state of a "Test connection" run of one source."""

    source: str
    running: bool = True
    ok: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """One alert rule as the customer sees it in Settings."""

    id: str
    title: str
    description: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """The customer's notification preferences (the same data `ordertrack prefs` edits)."""

    native: bool
    in_app: bool
    email: bool
    email_address: str
    quiet_hours: str
    timezone: str
    rules: tuple[RuleSetting, ...]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DataCheck:
    """The result of checking the local database."""

    running: bool = True
    problems: tuple[str, ...] = ()
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the check finished and found nothing wrong."""
        return not self.running and not self.problems


class KeyHolder(StrEnum):
    """Who keeps the key of an encrypted cache."""

    NONE = "none"
    KEYRING = "keyring"
    PASSPHRASE = "passphrase"


@dataclass(frozen=True, slots=True)
class Protection:
    """How the local database is protected (``Store.protection()``; the key holder is the app's to tell)."""

    encrypted: bool
    cipher: str = ""
    """The cipher in words, e.g. ``SQLCipher 4.6.1`` (empty when not encrypted)."""
    key: KeyHolder = KeyHolder.NONE

    def describe(self) -> str:
        """Describe the protection in plain words."""
        if not self.encrypted:
            return "Not encrypted"
        cipher = self.cipher or "SQLCipher"
        if self.key is KeyHolder.PASSPHRASE:
            return f"Encrypted ({cipher}, 256-bit key) with your passphrase"
        return f"Encrypted ({cipher}, 256-bit key) with a key kept in your system keyring"


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One line of the notification log: an alert on one channel (or a suppressed one)."""

    id: int
    order_number: str
    title: str
    created_at: datetime
    channel: str
    status: str
    reason: str
    unread: bool = False
    body: str = ""


@dataclass(frozen=True, slots=True)
class ExportJob:
    """The state of a History export ("Export PDF / CSV / JSON")."""

    fmt: str
    running: bool = True
    phase: str = "orders"
    done: int = 0
    total: int = 0
    error: str | None = None
    cancelled: bool = False
    file_name: str | None = None

    @property
    def fraction(self) -> float | None:
        """Return how far the export is (0..1), or None while the size is unknown."""
        if not self.total:
            return None
        return min(max(self.done / self.total, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A finished export, ready to hand to the save dialog / browser download."""

    file_name: str
    data: bytes
