"""The Notifications screen: the alert log (newest first) with unread markers, and "Mark all as read".

Each line shows the alert's title, when it was raised, the channel, the delivery status and why it
was sent or suppressed ("rule X fired on event Y" / "suppressed: …"). Tapping a line opens its order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import flet as ft

from services.domain import AlertItem
from views import formatting as fmt
from views import widgets
from views.base import ScreenModel

CHANNEL_LABELS = {
    "in_app": "In-app",
    "native": "Desktop",
    "email": "E-mail",
    "-": "No channel",
}
_STATUS_TONES = {
    "sent": "delivered",
    "delivered": "delivered",
    "suppressed": "pending",
    "held": "pending",
    "pending": "pending",
    "pending_retry": "failed_attempt",
    "failed": "exception",
}


def channel_label(channel: str) -> str:
    """Return a channel's name as the log shows it."""
    return CHANNEL_LABELS.get(channel, fmt.label(channel))


class NotificationsModel(ScreenModel, Protocol):
    """The notification log the Notifications screen shows, and its actions."""

    @property
    def alerts(self) -> Sequence[AlertItem]:
        """Return the alert log, newest first."""
        ...

    @property
    def alerts_loaded(self) -> bool:
        """Tell whether the log was read at least once."""
        ...

    @property
    def alerts_error(self) -> str | None:
        """Return why the log could not be read, if it could not."""
        ...

    @property
    def unread_count(self) -> int:
        """Return how many in-app alerts are unread (the navigation badge)."""
        ...

    async def load_alerts(self) -> None:
        """Read the alert log and the unread count."""
        ...

    async def refresh_unread(self) -> None:
        """Re-read the unread count only (the navigation badge)."""
        ...

    async def mark_all_read(self) -> None:
        """Mark every alert read."""
        ...

    async def mark_alert_read(self, alert_id: int) -> None:
        """Mark one alert read."""
        ...


class NotificationsScreen:
    """Builds and repaints the Notifications body from a :class:`NotificationsModel`."""

    def __init__(
        self,
        model: NotificationsModel,
        *,
        on_open: Callable[[str], None],
        is_dark: Callable[[], bool] | None = None,
    ) -> None:
        """Create the body; :meth:`refresh` fills it from the model."""
        self.model = model
        self._on_open = on_open
        self._is_dark = is_dark or (lambda: False)
        self.mark_all = ft.OutlinedButton(
            "Mark all as read",
            icon=ft.Icons.DONE_ALL,
            tooltip="Mark all as read",
            on_click=self._on_mark_all,
        )
        self.count = ft.Text("", color=ft.Colors.ON_SURFACE_VARIANT)
        self.list = ft.ListView(expand=True, spacing=0, padding=ft.Padding.only(bottom=16))
        self.body = ft.Container(expand=True)
        self.root = ft.Column(
            [
                ft.Row(
                    [self.count, self.mark_all],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    wrap=True,
                ),
                self.body,
            ],
            spacing=8,
            expand=True,
        )

    def refresh(self) -> None:
        """Repaint from the model."""
        m = self.model
        unread = m.unread_count
        self.mark_all.disabled = unread == 0
        if m.alerts_error and not m.alerts:
            self.count.value = ""
            self.body.content = widgets.error_state("Could not read the notifications", m.alerts_error, self._on_retry)
            return
        if not m.alerts_loaded:
            self.count.value = ""
            self.body.content = widgets.loading_state("Loading notifications", "Reading the alert log…")
            return
        if not m.alerts:
            self.count.value = ""
            self.body.content = widgets.empty_state(
                ft.Icons.NOTIFICATIONS_NONE,
                "No notifications yet",
                "Alerts about your orders — shipped, out for delivery, delivered, delays and problems — "
                "appear here as they happen.",
            )
            return
        n = len(m.alerts)
        self.count.value = f"{n:,} alert{'s' if n != 1 else ''} · {unread:,} unread"
        self.list.controls = [self._tile(a) for a in m.alerts]
        self.body.content = self.list

    def _tile(self, a: AlertItem) -> ft.ListTile:
        dark = self._is_dark()
        tz = self.model.tz
        when = fmt.moment(a.created_at, tz)
        channel = channel_label(a.channel)
        status = fmt.label(a.status)
        marker = ft.Container(
            width=10,
            height=10,
            border_radius=5,
            bgcolor=ft.Colors.PRIMARY if a.unread else ft.Colors.TRANSPARENT,
            tooltip="Unread" if a.unread else None,
        )
        icon = ft.Icons.NOTIFICATIONS_ACTIVE if a.unread else ft.Icons.NOTIFICATIONS_NONE
        title = f"{a.title} · Unread" if a.unread else a.title
        bg, fg = widgets.status_colors(_STATUS_TONES.get(a.status, "pending"), dark)
        status_chip = ft.Container(
            ft.Text(status, size=12, color=fg, weight=ft.FontWeight.W_500),
            bgcolor=bg,
            border_radius=12,
            padding=ft.Padding.symmetric(horizontal=8, vertical=2),
        )
        return ft.ListTile(
            key=f"alert:{a.id}",
            leading=ft.Row(
                [marker, ft.Icon(icon, color=ft.Colors.PRIMARY if a.unread else ft.Colors.ON_SURFACE_VARIANT)],
                spacing=6,
                tight=True,
            ),
            title=ft.Text(
                title,
                weight=ft.FontWeight.W_700 if a.unread else ft.FontWeight.W_500,
                max_lines=2,
                overflow=ft.TextOverflow.ELLIPSIS,
            ),
            subtitle=ft.Column(
                [
                    ft.Text(f"{a.order_number} · {when} · {channel}", max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
                    ft.Text(
                        a.reason, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=3, overflow=ft.TextOverflow.ELLIPSIS
                    ),
                ],
                spacing=2,
                tight=True,
            ),
            trailing=status_chip,
            is_three_line=True,
            on_click=self._click_handler(a),
        )

    # ------------------------------------------------------------------ events

    def _click_handler(self, a: AlertItem) -> Callable[[Any], Any]:
        async def handler(_: Any) -> None:
            await self.model.mark_alert_read(a.id)
            self._on_open(a.order_number)

        return handler

    async def _on_mark_all(self, _: Any) -> None:
        await self.model.mark_all_read()

    async def _on_retry(self, _: Any) -> None:
        await self.model.load_alerts()
