"""The Notifications screen's state: the alert log and the unread count (the navigation badge)."""

from __future__ import annotations

import logging
from dataclasses import replace

from services.domain import AlertItem

from .observable import ScreenState, Status, off_loop, reason
from .ports import ArchivePort

log = logging.getLogger(__name__)

ALERTS_LIMIT = 300
"""Most alert-log lines the Notifications screen lists."""


class AlertsState(ScreenState):
    """The alert log. On a read error the lines already shown stay, marked by ``alerts_error``."""

    def __init__(self, status: Status, archive: ArchivePort | None) -> None:
        """Start unread; :meth:`load_alerts` reads the log."""
        super().__init__(status)
        self._archive = archive
        self.alerts: list[AlertItem] = []
        self.alerts_loaded = False
        self.alerts_error: str | None = None
        self.unread_count = 0

    async def load_alerts(self) -> None:
        """Read the alert log and the unread count (off the UI loop)."""
        archive = self._archive
        if archive is None:
            self.alerts_loaded = True
            self.notify()
            return
        try:
            alerts, unread = await off_loop(lambda: (archive.alerts(ALERTS_LIMIT), archive.unread_count()))
        except Exception as err:
            log.exception("reading the notification log failed")
            self.alerts_error = reason(err)
        else:
            self.alerts, self.unread_count, self.alerts_error = alerts, unread, None
        self.alerts_loaded = True
        self.notify()

    async def refresh_unread(self) -> None:
        """Re-read the unread count only (the navigation badge)."""
        if self._archive is None:
            return
        try:
            unread = await off_loop(self._archive.unread_count)
        except Exception:
            log.warning("reading the unread count failed", exc_info=True)
            return
        if unread != self.unread_count:
            self.unread_count = unread
            self.notify()

    async def mark_all_read(self) -> None:
        """Mark every alert read, then re-read the log."""
        if self._archive is None:
            return
        try:
            await off_loop(self._archive.mark_read, None)
        except Exception as err:
            log.exception("marking alerts read failed")
            self.alerts_error = reason(err)
            self.notify()
            return
        await self.load_alerts()

    async def mark_alert_read(self, alert_id: int) -> None:
        """Mark one alert read (opening it)."""
        if self._archive is None or not any(a.id == alert_id and a.unread for a in self.alerts):
            return
        try:
            await off_loop(self._archive.mark_read, [alert_id])
        except Exception:
            log.warning("marking alert %s read failed", alert_id, exc_info=True)
            return
        self.alerts = [replace(a, unread=False) if a.id == alert_id else a for a in self.alerts]
        self.unread_count = max(self.unread_count - 1, 0)
        self.notify()
