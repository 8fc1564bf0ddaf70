"""Non-secret settings in ``<home>/settings.json`` (secrets live in the OS keyring only)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from services.domain import ValidationError, format_utc, parse_utc, utc_now
from services.storage.archive import DEFAULT_AFTER_DAYS as DEFAULT_HISTORY_AFTER_DAYS

from .paths import settings_path

MAX_HISTORY_AFTER_DAYS = 3650
"""Longest delay the History move accepts (ten years)."""

MAX_SYNC_INTERVAL_SECONDS = 86_400
"""Longest polling interval (a day)."""

MAX_DEMO_ORDERS = 100_000
"""Most orders the embedded demo generates."""

MAX_DEMO_SEED = 2**63 - 1

MAX_SETTINGS_BYTES = 1024 * 1024
"""settings.json holds a handful of values; a bigger file is not read."""

log = logging.getLogger(__name__)


def _short(value: object) -> str:
    """Return a value as at most 40 characters for a warning line."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 40 else text[:39] + "…"


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:120]


def _whole(raw: dict[str, Any], key: str, default: int, low: int, high: int, prefix: str = "") -> int:
    """Return ``raw[key]`` when it is a whole number in ``low..high``, else ``default`` (with a warning)."""
    if key not in raw:
        return default
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        log.warning(
            "settings.json: %s%s %s is not a whole number from %d to %d; using %d",
            prefix,
            key,
            _short(value),
            low,
            high,
            default,
        )
        return default
    return value


def _anchor(value: object) -> str | None:
    """Return the demo's stored time anchor when it is a UTC time between 2000 and 2100, else None."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        when = parse_utc(value)
        if not 2000 <= when.year <= 2100:
            raise ValueError(value)
    except (ValueError, OverflowError, ValidationError):
        log.warning("settings.json: demo.anchor %s is not a time; the demo starts from now", _short(value))
        return None
    return value


@dataclass
class DemoSettings:
    """The embedded demo's parameters; the anchor keeps its data stable across restarts."""

    seed: int = 7
    orders: int = 300
    anchor: str | None = None

    def anchor_time(self) -> datetime:
        """Return the demo's time anchor (set on first use)."""
        if self.anchor is None:
            self.anchor = format_utc(utc_now())
        return parse_utc(self.anchor)


@dataclass
class Settings:
    """Everything the user can set that is not a secret."""

    theme: str = "system"
    sync_interval_seconds: int = 30
    history_after_days: int = DEFAULT_HISTORY_AFTER_DAYS
    """Days after their last update before delivered, cancelled and returned orders move to History."""
    demo: DemoSettings = field(default_factory=DemoSettings)

    @classmethod
    def load(cls, home: Path | None = None) -> Settings:
        """Read settings; a missing file gives defaults, and every unusable value its default.

        The file is the user's to edit, so a hand-edited or tampered value (garbage, a wrong type,
        a huge number, a date out of range) is replaced by its default with one warning line,
        never a traceback or a runaway allocation.
        """
        path = settings_path(home)
        try:
            if path.stat().st_size > MAX_SETTINGS_BYTES:
                raise ValueError("the file is far too big")
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, RecursionError) as err:
            log.warning("%s is unreadable (%s); using the default settings", path, _first_line(err))
            return cls()
        if not isinstance(raw, dict):
            log.warning("%s is not a JSON object; using the default settings", path)
            return cls()
        demo_value = raw.get("demo", {})
        demo_raw: dict[str, Any] = demo_value if isinstance(demo_value, dict) else {}
        demo = DemoSettings(
            seed=_whole(demo_raw, "seed", 7, 0, MAX_DEMO_SEED, "demo."),
            orders=_whole(demo_raw, "orders", 300, 1, MAX_DEMO_ORDERS, "demo."),
            anchor=_anchor(demo_raw.get("anchor")),
        )
        theme = raw.get("theme", "system")
        if theme not in ("light", "dark", "system"):
            log.warning("settings.json: theme %r is not light, dark or system; using system", _short(theme))
            theme = "system"
        return cls(
            theme=str(theme),
            sync_interval_seconds=_whole(raw, "sync_interval_seconds", 30, 1, MAX_SYNC_INTERVAL_SECONDS),
            history_after_days=_whole(
                raw, "history_after_days", DEFAULT_HISTORY_AFTER_DAYS, 0, MAX_HISTORY_AFTER_DAYS
            ),
            demo=demo,
        )

    def save(self, home: Path | None = None) -> None:
        """Write settings atomically (temp file, then rename), owner-only."""
        path = settings_path(home)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(self), fh, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
