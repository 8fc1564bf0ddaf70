"""Small shared pieces: status chip, demo badge, sync status bar, empty / error / loading states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from enum import StrEnum
from typing import Any

import flet as ft

from services.domain import OrderSummary, SyncInfo, SyncPhase
from views import formatting as fmt

Handler = Callable[[Any], Any]


class Tone(StrEnum):
    """Colour families for statuses."""

    NEUTRAL = "neutral"
    INFO = "info"
    PROGRESS = "progress"
    SUCCESS = "success"
    WARNING = "warning"
    DANGER = "danger"


# (light bg, light fg, dark bg, dark fg): every pair is >= 7:1 (checked by tests/unit/ui).
TONE_COLORS: dict[Tone, tuple[str, str, str, str]] = {
    Tone.NEUTRAL: ("#E6E1E9", "#1D1B20", "#4A4550", "#ECE6F0"),
    Tone.INFO: ("#D3E3FD", "#041E49", "#1F3A5F", "#D3E3FD"),
    Tone.PROGRESS: ("#E8DEF8", "#21005D", "#4A3F6B", "#EADDFF"),
    Tone.SUCCESS: ("#C4EED0", "#072711", "#1E4D2B", "#C4EED0"),
    Tone.WARNING: ("#FFE08C", "#261A00", "#5C4400", "#FFE08C"),
    Tone.DANGER: ("#FFDAD6", "#410002", "#8C1D18", "#FFDAD6"),
}

STATUS_TONES: dict[str, Tone] = {
    # order statuses
    "placed": Tone.NEUTRAL,
    "confirmed": Tone.INFO,
    "processing": Tone.INFO,
    "partially_shipped": Tone.INFO,
    "shipped": Tone.INFO,
    "partially_delivered": Tone.SUCCESS,
    "delivered": Tone.SUCCESS,
    "cancelled": Tone.DANGER,
    "returned": Tone.NEUTRAL,
    "refunded": Tone.NEUTRAL,
    # shipment / event statuses
    "pending": Tone.NEUTRAL,
    "info_received": Tone.NEUTRAL,
    "in_transit": Tone.INFO,
    "out_for_delivery": Tone.PROGRESS,
    "available_for_pickup": Tone.WARNING,
    "failed_attempt": Tone.WARNING,
    "exception": Tone.DANGER,
    "expired": Tone.NEUTRAL,
}


def status_colors(status: str, dark: bool) -> tuple[str, str]:
    """Return ``(background, foreground)`` of a status chip for the light or dark theme."""
    light_bg, light_fg, dark_bg, dark_fg = TONE_COLORS[STATUS_TONES.get(status, Tone.NEUTRAL)]
    return (dark_bg, dark_fg) if dark else (light_bg, light_fg)


def _chip(content: ft.Control, bg: str) -> ft.Container:
    """Wrap ``content`` in the rounded, tinted label every chip and badge shares."""
    return ft.Container(
        content=content, bgcolor=bg, border_radius=8, padding=ft.Padding.symmetric(horizontal=8, vertical=3)
    )


def _icon_label(icon: ft.IconData, text: ft.Text, fg: str) -> ft.Row:
    """Return a small ``icon`` before ``text``, both in ``fg``."""
    return ft.Row([ft.Icon(icon, size=14, color=fg), text], spacing=4, tight=True)


def status_chip(status: str, dark: bool) -> ft.Container:
    """Build a non-interactive, colour-coded status label."""
    bg, fg = status_colors(status, dark)
    return _chip(ft.Text(fmt.label(status), size=12, weight=ft.FontWeight.W_600, color=fg, no_wrap=True), bg)


def alert_chip(dark: bool) -> ft.Container:
    """Build the label of an alert in a timeline: a bell and "Alert sent" (what the customer was told)."""
    bg, fg = status_colors("out_for_delivery", dark)
    text = ft.Text("Alert sent", size=12, weight=ft.FontWeight.W_600, color=fg, no_wrap=True)
    return _chip(_icon_label(ft.Icons.NOTIFICATIONS_ACTIVE_OUTLINED, text, fg), bg)


def demo_badge(dark: bool) -> ft.Container:
    """Build the "Demo data" badge shown while the app runs on the embedded demo server."""
    bg, fg = status_colors("available_for_pickup", dark)
    return _chip(_icon_label(ft.Icons.SCIENCE_OUTLINED, ft.Text("Demo data", size=12, color=fg), fg), bg)


def icon_button(icon: ft.IconData, text: str, on_click: Handler | None, *, disabled: bool = False) -> ft.IconButton:
    """Build an icon button whose accessible name and tooltip are both ``text``.

    A tooltip alone is not announced as the button's name by the Flutter web client; the icon's
    semantics label is.
    """
    return ft.IconButton(
        icon=ft.Icon(icon, semantics_label=text),
        tooltip=text,
        on_click=on_click,
        disabled=disabled,
    )


def sync_text(info: SyncInfo, tz: tzinfo | None) -> str:
    """Return the one-line sync status ("Syncing…", "Last synced 14:02", "Offline — …")."""
    last = fmt.since(info.last_synced_at, tz) if info.last_synced_at else None
    if info.phase is SyncPhase.SYNCING:
        return "Syncing…"
    if info.phase is SyncPhase.FAILING:
        return f"Offline — showing cached data from {last}" if last else "Offline — nothing synced yet"
    if info.phase is SyncPhase.STALE:
        since = info.stale_since or info.last_synced_at
        return f"Stale since {fmt.since(since, tz)}" if since else "Not synced yet"
    if last:
        return f"Last synced {last}"
    return "Not synced yet"


def sync_bar(info: SyncInfo, tz: tzinfo | None, dark: bool, on_sync_now: Handler | None) -> ft.Row:
    """Build the status line: demo badge, sync state (with progress while syncing), "Sync now"."""
    children: list[ft.Control] = []
    if info.is_demo:
        children.append(demo_badge(dark))
    muted: str = ft.Colors.ON_SURFACE_VARIANT
    alert: str = ft.Colors.ERROR
    if info.phase in (SyncPhase.FAILING, SyncPhase.STALE):
        _, muted = status_colors("failed_attempt", dark)  # on the warning banner: the tone's own >= 7:1 text
        alert = muted
    if info.phase is SyncPhase.SYNCING:
        lead: ft.Control = ft.ProgressRing(width=14, height=14, stroke_width=2, semantics_label="Syncing")
    elif info.phase is SyncPhase.FAILING:
        lead = ft.Icon(ft.Icons.CLOUD_OFF, size=16, color=alert)
    elif info.phase is SyncPhase.STALE:
        lead = ft.Icon(ft.Icons.HISTORY, size=16, color=muted)
    else:
        lead = ft.Icon(ft.Icons.CLOUD_DONE_OUTLINED, size=16, color=muted)
    status_lines: list[ft.Control] = [
        ft.Text(
            sync_text(info, tz),
            size=12,
            color=muted,
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
            weight=ft.FontWeight.W_600 if muted != ft.Colors.ON_SURFACE_VARIANT else None,
        )
    ]
    if info.phase is SyncPhase.FAILING and info.error:
        status_lines.append(ft.Text(info.error, size=11, color=alert, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS))
    children.append(
        ft.Row(
            [lead, ft.Column(status_lines, spacing=0, tight=True, expand=True)],
            spacing=6,
            expand=True,
        )
    )
    children.append(icon_button(ft.Icons.SYNC, "Sync now", on_sync_now, disabled=info.syncing))
    return ft.Row(children, spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER)


def sync_banner(info: SyncInfo, tz: tzinfo | None, dark: bool, on_sync_now: Handler | None) -> ft.Control:
    """Build the always-visible sync status: a plain line, or a warning banner when offline or stale."""
    bar = sync_bar(info, tz, dark, on_sync_now)
    if info.phase not in (SyncPhase.FAILING, SyncPhase.STALE):
        return bar
    bg, _ = status_colors("failed_attempt", dark)
    return ft.Container(bar, bgcolor=bg, border_radius=8, padding=ft.Padding.only(left=10, right=2))


def _state_panel(icon: ft.Control, title: str, message: str, action: ft.Control | None) -> ft.Container:
    body: list[ft.Control] = [
        icon,
        ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, text_align=ft.TextAlign.CENTER),
        ft.Text(message, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
    ]
    if action is not None:
        body.append(action)
    return ft.Container(
        content=ft.Column(
            body,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            alignment=ft.MainAxisAlignment.CENTER,
            spacing=12,
            tight=True,
        ),
        alignment=ft.Alignment.CENTER,
        padding=32,
        expand=True,
    )


def empty_state(
    icon: ft.IconData, title: str, message: str, action_text: str | None = None, on_action: Handler | None = None
) -> ft.Container:
    """Build a designed empty state: icon, title, explanation and an optional action."""
    action = ft.FilledTonalButton(action_text, on_click=on_action) if action_text else None
    return _state_panel(ft.Icon(icon, size=48, color=ft.Colors.ON_SURFACE_VARIANT), title, message, action)


def error_state(title: str, message: str, on_retry: Handler | None) -> ft.Container:
    """Build a designed error state with a "Try again" action."""
    action = ft.FilledButton("Try again", icon=ft.Icons.REFRESH, on_click=on_retry) if on_retry else None
    return _state_panel(ft.Icon(ft.Icons.ERROR_OUTLINE, size=48, color=ft.Colors.ERROR), title, message, action)


def opener(on_open: Callable[[str], None], number: str) -> Callable[[Any], None]:
    """Return a click handler that opens order ``number``."""

    def handler(_: Any) -> None:
        on_open(number)

    return handler


def order_tile(
    s: OrderSummary,
    *,
    key: str,
    leading: ft.Icon,
    status: str,
    tz: tzinfo | None,
    dark: bool,
    on_open: Callable[[str], None],
) -> ft.ListTile:
    """Build one order row: number, merchant · day · carriers, status chip and total; a click opens it."""
    details = [s.merchant or fmt.label(s.channel.value), fmt.short_day(s.placed_at, tz)]
    if s.carriers:
        details.append(", ".join(fmt.carrier_name(c) for c in s.carriers))
    return ft.ListTile(
        key=key,
        leading=leading,
        title=ft.Text(s.order_number, weight=ft.FontWeight.W_600, no_wrap=True, overflow=ft.TextOverflow.ELLIPSIS),
        subtitle=ft.Text(" · ".join(details), max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
        trailing=ft.Column(
            [status_chip(status, dark), ft.Text(fmt.money(s.total, s.currency), weight=ft.FontWeight.W_500)],
            horizontal_alignment=ft.CrossAxisAlignment.END,
            alignment=ft.MainAxisAlignment.CENTER,
            spacing=6,
            tight=True,
        ),
        on_click=opener(on_open, s.order_number),
    )


def stale_note(message: str, on_retry: Handler | None) -> ft.Container:
    """Build the line above data kept from the last good read: why it may be out of date, and "Try again"."""
    retry = ft.TextButton("Try again", icon=ft.Icons.REFRESH, on_click=on_retry) if on_retry else None
    return ft.Container(
        content=ft.Row(
            [
                ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ERROR, size=18),
                ft.Text(message, expand=True, size=13),
                *([retry] if retry else []),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        bgcolor=ft.Colors.ERROR_CONTAINER,
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=12, vertical=4),
    )


def loading_state(title: str, message: str) -> ft.Container:
    """Build a designed loading state with an indeterminate progress ring."""
    ring = ft.ProgressRing(width=40, height=40, semantics_label="Loading")
    return _state_panel(ring, title, message, None)


def section_title(text: str) -> ft.Text:
    """Build a section heading."""
    return ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600)
