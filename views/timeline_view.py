"""The Timeline screen (home): "needs attention" pinned on top, then every order's events, newest first, by day."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date
from typing import Any, Protocol

import flet as ft

from services.domain import AttentionItem, AttentionReason, EventKind, FeedEntry, SyncPhase
from views import formatting as fmt
from views import widgets
from views.base import ScreenModel

ATTENTION_TITLES: dict[AttentionReason, str] = {
    AttentionReason.EXCEPTION: "Delivery problem",
    AttentionReason.FAILED_ATTEMPT: "Delivery attempt failed",
    AttentionReason.ACTION_REQUIRED: "Action required",
    AttentionReason.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    AttentionReason.DELAYED: "Delayed — ETA passed",
    AttentionReason.STALE: "No carrier update for 3+ days",
}

ATTENTION_PREVIEW = 5
"""Pinned items shown before "Show all"."""

_REASON_ICONS = {
    AttentionReason.EXCEPTION: ft.Icons.ERROR_OUTLINE,
    AttentionReason.FAILED_ATTEMPT: ft.Icons.DOOR_FRONT_DOOR_OUTLINED,
    AttentionReason.ACTION_REQUIRED: ft.Icons.ASSIGNMENT_LATE_OUTLINED,
    AttentionReason.AVAILABLE_FOR_PICKUP: ft.Icons.STOREFRONT_OUTLINED,
    AttentionReason.DELAYED: ft.Icons.SCHEDULE,
    AttentionReason.STALE: ft.Icons.HOURGLASS_EMPTY,
}

_STATUS_ICONS = {
    "placed": ft.Icons.SHOPPING_BAG_OUTLINED,
    "confirmed": ft.Icons.PAYMENTS_OUTLINED,
    "shipped": ft.Icons.LOCAL_SHIPPING_OUTLINED,
    "info_received": ft.Icons.LABEL_OUTLINE,
    "in_transit": ft.Icons.LOCAL_SHIPPING_OUTLINED,
    "out_for_delivery": ft.Icons.DELIVERY_DINING_OUTLINED,
    "delivered": ft.Icons.INVENTORY_2_OUTLINED,
    "available_for_pickup": ft.Icons.STOREFRONT_OUTLINED,
    "failed_attempt": ft.Icons.DOOR_FRONT_DOOR_OUTLINED,
    "exception": ft.Icons.ERROR_OUTLINE,
    "cancelled": ft.Icons.CANCEL_OUTLINED,
    "returned": ft.Icons.ASSIGNMENT_RETURN_OUTLINED,
    "refunded": ft.Icons.CURRENCY_EXCHANGE,
}


class TimelineModel(ScreenModel, Protocol):
    """What the Timeline reads and calls (``app.state.FeedState`` satisfies it)."""

    @property
    def attention(self) -> Sequence[AttentionItem]:
        """Return the pinned "needs attention" items, most urgent first."""
        ...

    @property
    def feed(self) -> Sequence[FeedEntry]:
        """Return the loaded feed, newest first."""
        ...

    @property
    def feed_has_more(self) -> bool:
        """Tell whether older feed entries can be loaded."""
        ...

    @property
    def feed_loaded(self) -> bool:
        """Tell whether the feed was read at least once."""
        ...

    @property
    def feed_error(self) -> str | None:
        """Return why the feed could not be read, if it could not."""
        ...

    @property
    def cache_total(self) -> int:
        """Return how many live orders the cache holds."""
        ...

    async def load_feed(self) -> None:
        """Read the pinned items and the first page of the feed."""

    async def load_more_feed(self) -> None:
        """Append older feed entries."""


class TimelineScreen:
    """Builds and repaints the Timeline body from a :class:`TimelineModel`."""

    def __init__(self, model: TimelineModel, *, on_open: Callable[[str], None], is_dark: Callable[[], bool]) -> None:
        """Create the controls; call :meth:`refresh` to paint the model."""
        self.model = model
        self._on_open = on_open
        self._is_dark = is_dark
        self.show_all_attention = False
        self._loading_more = False
        self.list = ft.ListView(expand=True, spacing=0, padding=ft.Padding.only(bottom=16))
        self.root = ft.Container(expand=True)

    # ------------------------------------------------------------------ painting

    def refresh(self) -> None:
        """Repaint pinned items and the feed from the model (no page update)."""
        m = self.model
        if m.feed_error is not None and not m.feed:
            self.root.content = widgets.error_state("Couldn't read your timeline", m.feed_error, self._on_retry)
            return
        if not m.feed and not m.attention:
            self.root.content = self._empty()
            return
        controls: list[ft.Control] = []
        if m.attention:
            controls.extend(self._attention_section(list(m.attention)))
        controls.extend(self._feed_rows(list(m.feed)))
        if m.feed_has_more:
            controls.append(
                ft.Container(
                    content=ft.TextButton("Show older events", icon=ft.Icons.EXPAND_MORE, on_click=self._on_more),
                    alignment=ft.Alignment.CENTER,
                    padding=8,
                )
            )
        self.list.controls = controls
        self.root.content = self.list

    def _empty(self) -> ft.Control:
        m = self.model
        if not m.feed_loaded:
            return widgets.loading_state("Reading your timeline…", "Your latest orders and parcel scans appear here.")
        if m.sync.phase in (SyncPhase.SYNCING, SyncPhase.NEVER) and m.cache_total == 0:
            return widgets.loading_state(
                "Fetching your orders…", "The first sync can take a moment. Events appear as soon as they arrive."
            )
        if m.sync.phase is SyncPhase.FAILING and m.cache_total == 0:
            reason = f": {m.sync.error}" if m.sync.error else ""
            return widgets.empty_state(
                ft.Icons.CLOUD_OFF,
                "Nothing to show yet",
                f"We couldn't reach your order source{reason}. We'll keep trying in the background.",
                "Try again",
                self._on_sync_now,
            )
        return widgets.empty_state(
            ft.Icons.TIMELINE, "No events yet", "Purchases, shipments and carrier scans will show up here."
        )

    def _attention_section(self, items: list[AttentionItem]) -> list[ft.Control]:
        dark = self._is_dark()
        shown = items if self.show_all_attention else items[:ATTENTION_PREVIEW]
        bg, fg = widgets.status_colors("exception", dark)
        head = ft.Container(
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.PRIORITY_HIGH, color=fg, size=18),
                    ft.Text(f"Needs attention ({len(items)})", weight=ft.FontWeight.W_600, color=fg),
                ],
                spacing=6,
            ),
            bgcolor=bg,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        )
        out: list[ft.Control] = [head]
        out.extend(self._attention_tile(i, dark) for i in shown)
        if len(items) > ATTENTION_PREVIEW:
            text = "Show fewer" if self.show_all_attention else f"Show all {len(items)}"
            toggle = ft.TextButton(text, on_click=self._toggle_attention)
            out.append(ft.Row([toggle], alignment=ft.MainAxisAlignment.END))
        out.append(ft.Container(height=8))
        return out

    def _attention_tile(self, item: AttentionItem, dark: bool) -> ft.Control:
        tz, now = self.model.tz, self.model.now
        if item.reason is AttentionReason.DELAYED:
            when = f"expected by {fmt.since(item.since, tz, now)}"
        elif item.reason is AttentionReason.STALE:
            when = f"last update {fmt.ago(item.since, now)}"
        else:
            when = fmt.ago(item.since, now)
        who = " · ".join(p for p in (item.order_number, item.merchant, fmt.carrier_name(item.carrier)) if p)
        sub = " · ".join(p for p in (item.detail, when) if p)
        return ft.ListTile(
            leading=ft.Icon(_REASON_ICONS[item.reason], color=ft.Colors.ERROR),
            title=ft.Text(ATTENTION_TITLES[item.reason], weight=ft.FontWeight.W_600),
            subtitle=ft.Text(f"{who}\n{sub}", max_lines=3, overflow=ft.TextOverflow.ELLIPSIS),
            is_three_line=True,
            on_click=widgets.opener(self._on_open, item.order_number),
            content_padding=ft.Padding.symmetric(horizontal=8),
        )

    def _feed_rows(self, items: list[FeedEntry]) -> list[ft.Control]:
        tz, now = self.model.tz, self.model.now
        today = fmt.local(now, tz).date()
        out: list[ft.Control] = []
        current: date | None = None
        dark = self._is_dark()
        for item in items:
            day = fmt.local(item.occurred_at, tz if item.offset_known else UTC).date()
            if day != current:
                current = day
                out.append(
                    ft.Container(
                        content=ft.Text(
                            fmt.day_heading(day, today),
                            theme_style=ft.TextThemeStyle.TITLE_SMALL,
                            weight=ft.FontWeight.W_600,
                            color=ft.Colors.PRIMARY,
                        ),
                        padding=ft.Padding.only(left=8, top=16, bottom=4),
                    )
                )
            out.append(self._feed_tile(item, dark))
        return out

    def _feed_tile(self, item: FeedEntry, dark: bool) -> ft.Control:
        tz = self.model.tz
        if item.offset_known:
            when = fmt.clock(item.occurred_at, tz)
        else:
            when = f"{fmt.clock(item.occurred_at, UTC)} carrier local"
        where = [item.order_number, item.merchant]
        if item.kind is EventKind.SHIPMENT:
            where.append(fmt.carrier_name(item.carrier) if item.carrier else "")
            where.append(item.location or "")
        alert = item.kind is EventKind.ALERT
        icon = _STATUS_ICONS.get(item.status, ft.Icons.CIRCLE_OUTLINED)
        if alert:
            icon = ft.Icons.NOTIFICATIONS_ACTIVE_OUTLINED
        chip = widgets.alert_chip(dark) if alert else widgets.status_chip(item.status, dark)
        return ft.ListTile(
            leading=ft.Icon(icon, color=ft.Colors.PRIMARY),
            title=ft.Text(item.description or fmt.label(item.status), max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            subtitle=ft.Text(" · ".join(p for p in where if p), max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            trailing=ft.Column(
                [chip, ft.Text(when, size=12, color=ft.Colors.ON_SURFACE_VARIANT)],
                horizontal_alignment=ft.CrossAxisAlignment.END,
                alignment=ft.MainAxisAlignment.CENTER,
                spacing=4,
                tight=True,
            ),
            on_click=widgets.opener(self._on_open, item.order_number),
            content_padding=ft.Padding.symmetric(horizontal=8),
        )

    # ------------------------------------------------------------------ events


    def _toggle_attention(self, _: Any) -> None:
        self.show_all_attention = not self.show_all_attention
        self.refresh()

    async def _on_more(self, _: Any) -> None:
        if self._loading_more:
            return
        self._loading_more = True
        try:
            await self.model.load_more_feed()
        finally:
            self._loading_more = False

    async def _on_retry(self, _: Any) -> None:
        await self.model.load_feed()

    def _on_sync_now(self, _: Any) -> None:
        self.model.request_sync()
