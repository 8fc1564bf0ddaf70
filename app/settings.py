"""Non-secret settings in ``<home>/settings.json`` (secrets live in the OS keyring only)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from services.domain import format_utc, parse_utc, utc_now
from services.storage.archive import DEFAULT_AFTER_DAYS as DEFAULT_HISTORY_AFTER_DAYS

from .paths import settings_path

MAX_HISTORY_AFTER_DAYS = 3650
"""Longest delay the History move accepts (ten years)."""


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
        """Read settings; a missing or unreadable file gives defaults."""
        path = settings_path(home)
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        demo_value = raw.get("demo")
        demo_raw: dict[str, Any] = demo_value if isinstance(demo_value, dict) else {}
        demo = DemoSettings(
            seed=int(demo_raw.get("seed", 7)),
            orders=int(demo_raw.get("orders", 300)),
            anchor=demo_raw.get("anchor") if isinstance(demo_raw.get("anchor"), str) else None,
        )
        theme = raw.get("theme") if raw.get("theme") in ("light", "dark", "system") else "system"
        interval = raw.get("sync_interval_seconds", 30)
        after = raw.get("history_after_days", DEFAULT_HISTORY_AFTER_DAYS)
        valid_after = isinstance(after, int) and not isinstance(after, bool) and 0 <= after <= MAX_HISTORY_AFTER_DAYS
        return cls(
            theme=str(theme),
            sync_interval_seconds=int(interval) if isinstance(interval, int) else 30,
            history_after_days=after if valid_after else DEFAULT_HISTORY_AFTER_DAYS,
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
