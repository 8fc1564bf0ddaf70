"""The alert log, notification preferences and History (archived orders, exports) over the real cache."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from services.domain import (
    AlertItem,
    ExportFile,
    NotificationSettings,
    OrderFilter,
    OrderSummary,
    RuleSetting,
    TimelineEntry,
    utc_now,
)
from services.notify import RULES, Preferences, alert_entries, alert_reason, apply_setting, load_prefs, save_prefs
from services.storage import NotifyRepository, Store
from services.storage.archive import history_choices

from .ports import ExportProgressFn


def _settings_view(prefs: Preferences) -> NotificationSettings:
    quiet = prefs.quiet_hours
    return NotificationSettings(
        native=prefs.native,
        in_app=prefs.in_app,
        email=prefs.email,
        email_address=prefs.email_address,
        quiet_hours=f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet is not None else "",
        timezone=prefs.timezone,
        rules=tuple(RuleSetting(r.id, r.title, r.description, prefs.rules.get(r.id, r.default_on)) for r in RULES),
    )



class StoreArchive:
    """:class:`ArchivePort` over the real cache (NotifyRepository, History, the exporters)."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        """Wrap ``store``."""
        self._store = store
        self._repo = NotifyRepository(store)
        self._clock = clock

    def alerts(self, limit: int) -> list[AlertItem]:
        """Return the alert log, newest first."""
        return [
            AlertItem(
                id=r.id,
                order_number=r.order_number,
                title=r.title,
                created_at=r.created_at,
                channel=r.channel,
                status=r.status,
                reason=alert_reason(r.status, r.reason, r.rule, r.trigger),
                unread=r.channel == "in_app" and not r.read,
                body=r.body,
            )
            for r in self._repo.list(limit=limit)
        ]

    def unread_count(self) -> int:
        """Return how many in-app alerts are unread."""
        return self._repo.unread_count()

    def mark_read(self, ids: Sequence[int] | None = None) -> int:
        """Mark alerts read (all when ``ids`` is None)."""
        return self._repo.mark_read(ids)

    def notification_settings(self) -> NotificationSettings:
        """Return the notification preferences as Settings shows them."""
        return _settings_view(load_prefs(self._repo))

    def set_notification_setting(self, key: str, value: str) -> NotificationSettings:
        """Apply and save one preference (the keys of `ordertrack prefs set`)."""
        prefs = apply_setting(load_prefs(self._repo), key, value)
        save_prefs(self._repo, prefs)
        return _settings_view(prefs)

    def history(self, flt: OrderFilter, limit: int) -> tuple[list[OrderSummary], int]:
        """Return archived orders matching ``flt`` (newest first), and how many match."""
        flt = replace(flt, archived=True)
        orders = self._store.orders
        return orders.list_summaries(flt, limit=limit, offset=0, newest_first=True), orders.count(flt)

    def history_choices(self) -> tuple[list[str], list[str]]:
        """Return the carriers and the sources of archived orders, sorted."""
        return history_choices(self._store)

    def order_alerts(self, order_number: str) -> tuple[TimelineEntry, ...]:
        """Return one ALERT entry per alert handed to a channel for ``order_number``."""
        return alert_entries(self._repo.list(order_number=order_number))

    def export(self, fmt: str, flt: OrderFilter, progress: ExportProgressFn, cancel: threading.Event) -> ExportFile:
        """Write the export to a temporary file, read it back, and remove the file."""
        from services.export import ExportProgress, export_orders

        def on_progress(p: ExportProgress) -> None:
            progress(p.phase, p.done, p.total)

        now = self._clock()
        name = f"order-history-{now:%Y-%m-%d}.{fmt}"
        with tempfile.TemporaryDirectory(prefix="ordertrack-export-") as tmp:
            path = Path(tmp) / name
            export_orders(self._store, flt, fmt, path, archived=True, progress=on_progress, cancel=cancel, now=now)
            return ExportFile(file_name=name, data=path.read_bytes())
