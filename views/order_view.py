"""The Order screen: header, items, shipments and the unified, chronological timeline."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import flet as ft

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    EtaChange,
    EventKind,
    Order,
    Shipment,
    TimelineEntry,
    eta_note,
    eta_passed,
)
from views import formatting as fmt
from views import widgets
from views.eta_view import eta_change, eta_changes
from views.feedback import FeedbackSection

WIDE_DETAIL = 900
"""From this content width on, details and timeline sit side by side."""

_DOT = 14

FOLD_OVER = 40
"""Timelines longer than this show their first and latest events, with the middle folded away."""

FOLD_HEAD, FOLD_TAIL = 5, 25


class OrderScreen:
    """Builds the body of one order from the model's open order and timeline."""

    def __init__(
        self,
        *,
        on_back: Callable[[Any], Any],
        is_dark: Callable[[], bool],
        on_repaint: Callable[[], None] | None = None,
    ) -> None:
        """Keep the callbacks; :meth:`build` makes the controls."""
        self._on_back = on_back
        self._is_dark = is_dark
        self._on_repaint = on_repaint
        self.unfolded: str | None = None
        """The order whose long timeline is shown in full."""
        self._number: str | None = None
        self.clipboard = ft.Clipboard()  # a service: kept on self or it is unregistered after an event
        self._now: datetime = datetime.now(UTC)
        self.copied: list[str] = []
        self.feedback = FeedbackSection()  # the composition root gives it the model (self-service figures)
        self._etas: Mapping[str, Sequence[EtaChange]] = {}
        self.eta_open: set[tuple[str | None, str]] = set()
        """(order number, tracking number) of the shipments whose list of ETA changes is expanded."""

    def build(
        self,
        order: Order | None,
        number: str | None,
        timeline: Sequence[TimelineEntry],
        tz: tzinfo | None,
        *,
        loading: bool,
        width: float,
        now: datetime | None = None,
        checked_at: datetime | None = None,
        eta_history: Mapping[str, Sequence[EtaChange]] | None = None,
    ) -> ft.Control:
        """Return the screen body for ``order`` (or its loading / not-found state).

        ``eta_history`` holds every estimated window each shipment had, by tracking number, oldest
        first; the shipment cards say how the estimate moved and list the changes.
        """
        self._now = now or datetime.now(UTC)
        self._number = number
        self._etas = eta_history or {}
        if order is None:
            if loading:
                return widgets.loading_state("Opening order…", f"Reading {number or 'the order'} from the cache.")
            return widgets.empty_state(
                ft.Icons.SEARCH_OFF,
                "Order not found",
                f"{number or 'This order'} is not in your synced orders.",
                "Back to orders",
                self._on_back,
            )
        dark = self._is_dark()
        header = self._header(order, tz, dark, checked_at)
        items = [self._items(order)] if order.items else []
        parcels = [self._shipment(s, tz, dark) for s in order.shipments]
        timeline_col = self._timeline(timeline, tz, dark)
        timeline_col = self.feedback.below(timeline_col, order.order_number)
        if width >= WIDE_DETAIL:
            details: list[ft.Control] = [header, *items, *parcels]
            body: ft.Control = ft.Row(
                [
                    ft.Column(details, spacing=12, expand=5, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                    ft.Column([timeline_col], expand=7, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                ],
                spacing=24,
                vertical_alignment=ft.CrossAxisAlignment.START,
            )
            return ft.Column([body], scroll=ft.ScrollMode.AUTO, expand=True)
        # one column: what moves (parcels, timeline) before what does not (items)
        return ft.Column(
            [header, *parcels, timeline_col, *items],
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )

    # ------------------------------------------------------------------ parts

    def _header(self, order: Order, tz: tzinfo | None, dark: bool, checked_at: datetime | None) -> ft.Control:
        lines: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(order.order_number, theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                    widgets.status_chip(order.status.value, dark),
                ],
                wrap=True,
                spacing=12,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ]
        if order.merchant:
            lines.append(ft.Text(order.merchant, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        lines.append(
            ft.Text(
                f"Placed {fmt.moment(order.placed_at, tz)} · {fmt.label(order.channel.value)}",
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
        lines.append(
            ft.Row(
                [
                    ft.Text("Total", color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(
                        fmt.money(order.total, order.currency),
                        theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                        weight=ft.FontWeight.W_600,
                    ),
                    ft.Text(
                        f"incl. tax {fmt.money(order.tax_total, order.currency)}",
                        size=12,
                        color=ft.Colors.ON_SURFACE_VARIANT,
                    ),
                ],
                spacing=8,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
        fresh = checked_at or order.updated_at
        freshness = f"Updated {fmt.ago(fresh, self._now)} from {order.source}" if fresh else f"From {order.source}"
        lines.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.UPDATE, size=14, color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(freshness, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=4,
            )
        )
        return _card(ft.Column(lines, spacing=6))

    def _items(self, order: Order) -> ft.Control:
        rows: list[ft.Control] = [widgets.section_title(f"Items ({sum(i.quantity for i in order.items)})")]
        for item in order.items:
            rows.append(
                ft.Row(
                    [
                        ft.Text(f"{item.quantity} ×", color=ft.Colors.ON_SURFACE_VARIANT, width=36),
                        ft.Text(item.name, expand=True, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
                        ft.Text(fmt.money(item.unit_price * item.quantity, order.currency)),
                    ],
                    spacing=8,
                    vertical_alignment=ft.CrossAxisAlignment.START,
                )
            )
        return _card(ft.Column(rows, spacing=8))

    def _shipment(self, s: Shipment, tz: tzinfo | None, dark: bool) -> ft.Control:
        name = s.carrier_name or fmt.carrier_name(s.carrier)
        lines: list[ft.Control] = [
            ft.Row(
                [
                    ft.Icon(ft.Icons.LOCAL_SHIPPING_OUTLINED, color=ft.Colors.PRIMARY),
                    ft.Text(name, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
                    widgets.status_chip(s.status.value, dark),
                ],
                spacing=8,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            ft.Row(
                [
                    ft.Text(f"Tracking number {s.tracking_number}"),
                    widgets.icon_button(ft.Icons.CONTENT_COPY, "Copy tracking number", self._copy_handler(s)),
                ],
                spacing=0,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ]
        history = tuple(self._etas.get(s.tracking_number, ()))
        known = [c.window for c in history if c.window is not None]
        if s.delivered_at is not None:
            delivered = f"Delivered {fmt.moment(s.delivered_at, tz)}"
            last = s.estimated_delivery or (known[-1] if known else None)
            if last is not None:
                days = last.days if last.date_only else None
                delivered += (
                    f" · expected {fmt.eta(last, tz)} (last estimate)"
                    f" · {fmt.arrival(s.delivered_at, last.start, last.end, days=days, tz=tz)}"
                )
            lines.append(ft.Text(delivered, color=ft.Colors.ON_SURFACE_VARIANT))
        elif s.estimated_delivery is not None:
            eta = s.estimated_delivery
            expected = " · ".join([f"Expected {fmt.eta(eta, tz)}", *eta_change(eta, history, tz)])
            if eta_passed(eta, self._now, tz) and s.status not in FINAL_SHIPMENT_STATUSES:
                lines.append(
                    ft.Row(
                        [
                            ft.Icon(ft.Icons.SCHEDULE, size=16, color=ft.Colors.ERROR),
                            ft.Text(f"{expected} · ETA passed", color=ft.Colors.ERROR, weight=ft.FontWeight.W_500),
                        ],
                        spacing=6,
                        wrap=True,
                    )
                )
            else:
                lines.append(ft.Text(expected, color=ft.Colors.ON_SURFACE_VARIANT))
            note = eta_note(history, tz, self._now.date()) if history and history[-1].window == eta else None
            if note is not None:  # "Moved from 5–6 Dec to 8 Dec on 3 Dec"
                lines.append(ft.Text(note, color=ft.Colors.ON_SURFACE_VARIANT))
        elif s.status not in FINAL_SHIPMENT_STATUSES:
            note = eta_note(history, tz, self._now.date()) if history and history[-1].window is None else None
            if note is not None:
                # "Estimate withdrawn by the carrier on 3 Dec (was 5–6 Dec)"
                lines.append(ft.Text(note, color=ft.Colors.ON_SURFACE_VARIANT))
            else:
                lines.append(ft.Text("No delivery estimate from the carrier yet", color=ft.Colors.ON_SURFACE_VARIANT))
        if len(history) > 1:
            lines.extend(self._eta_changes(s.tracking_number, history, tz))
        latest = s.latest_event
        if latest is not None:
            lines.append(
                ft.Text(
                    f"Last carrier update {fmt.ago(latest.occurred_at, self._now)}",
                    size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                )
            )
        if s.action_required:
            lines.append(ft.Text("Action required — check with the carrier", color=ft.Colors.ERROR))
        if s.tracking_url:
            lines.append(
                ft.TextButton(
                    f"Track on {name}",
                    icon=ft.Icons.OPEN_IN_NEW,
                    url=ft.Url(s.tracking_url, target=ft.UrlTarget.BLANK),
                    tooltip=s.tracking_url,
                    on_click=self._link_handler(s),
                )
            )
        return _card(ft.Column(lines, spacing=6))

    def _eta_changes(self, tracking_number: str, history: Sequence[EtaChange], tz: tzinfo | None) -> list[ft.Control]:
        key = (self._number, tracking_number)
        return eta_changes(tracking_number, history, tz, is_open=key in self.eta_open, on_toggle=self._eta_toggle(key))

    def _eta_toggle(self, key: tuple[str | None, str]) -> Callable[[Any], None]:
        def toggle(_: Any) -> None:
            self.eta_open ^= {key}
            if self._on_repaint is not None:
                self._on_repaint()

        return toggle

    def _timeline(self, entries: Sequence[TimelineEntry], tz: tzinfo | None, dark: bool) -> ft.Control:
        count = f"{len(entries)} event{'' if len(entries) == 1 else 's'}"
        rows: list[ft.Control] = [widgets.section_title(f"Timeline ({count})")]
        if not entries:
            rows.append(ft.Text("No events yet.", color=ft.Colors.ON_SURFACE_VARIANT))
        last = len(entries) - 1
        fold = len(entries) > FOLD_OVER and self.unfolded != self._number
        for i, entry in enumerate(entries):
            if fold and FOLD_HEAD <= i < len(entries) - FOLD_TAIL:
                if i == FOLD_HEAD:
                    hidden = len(entries) - FOLD_HEAD - FOLD_TAIL
                    rows.append(
                        ft.Container(
                            ft.TextButton(
                                f"Show {hidden} more events", icon=ft.Icons.UNFOLD_MORE, on_click=self._unfold
                            ),
                            padding=ft.Padding.only(left=12, bottom=12),
                        )
                    )
                continue
            rows.append(self._timeline_row(entry, tz, dark, last=i == last))
        return _card(ft.Column(rows, spacing=0))

    def _unfold(self, _: Any) -> None:
        self.unfolded = self._number
        if self._on_repaint is not None:
            self._on_repaint()

    def _timeline_row(self, e: TimelineEntry, tz: tzinfo | None, dark: bool, *, last: bool) -> ft.Control:
        bg, fg = widgets.status_colors(e.status, dark)
        dot = ft.Container(
            width=_DOT,
            height=_DOT,
            border_radius=_DOT / 2,
            bgcolor=bg if dark else fg,
            border=ft.Border.all(3, fg if dark else bg),
            left=0,
            top=3,
        )
        carrier_time: str | None = None
        if e.offset_known:
            when = fmt.moment(e.occurred_at, tz)
            if e.local_time and e.kind is EventKind.SHIPMENT:
                carrier_time = f"Carrier local: {fmt.carrier_local_offset(e.local_time)}"
                when = f"{when} your time"
        else:
            # no offset from the carrier: show its wall-clock time as given, never "converted"
            when = fmt.carrier_local(e.local_time) if e.local_time else fmt.moment(e.occurred_at, UTC)
        label = widgets.alert_chip(dark) if e.kind is EventKind.ALERT else widgets.status_chip(e.status, dark)
        text: list[ft.Control] = [
            ft.Row(
                [
                    label,
                    ft.Text(when, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=8,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ]
        if e.description:
            text.append(ft.Text(e.description, weight=ft.FontWeight.W_500))
        if e.location:
            text.append(ft.Text(e.location, size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        if carrier_time:
            text.append(ft.Text(carrier_time, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        if e.kind is EventKind.SHIPMENT and (e.carrier or e.tracking_number):
            who = " · ".join(p for p in (fmt.carrier_name(e.carrier) if e.carrier else "", e.tracking_number) if p)
            text.append(ft.Text(who, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        if not e.offset_known:
            text.append(
                ft.Text(
                    "Carrier's local time (time zone not given)",
                    size=11,
                    italic=True,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                )
            )
        connector = ft.BorderSide(2, ft.Colors.TRANSPARENT if last else ft.Colors.OUTLINE_VARIANT)
        body = ft.Container(
            content=ft.Column(text, spacing=2),
            margin=ft.Margin.only(left=_DOT / 2 - 1),
            padding=ft.Padding.only(left=20, bottom=18),
            border=ft.Border(left=connector),
        )
        return ft.Stack([body, dot])

    def _link_handler(self, s: Shipment) -> Callable[[Any], Any]:
        async def opened(_: Any) -> None:
            await self.feedback.link_opened(self._number, s.carrier)

        return opened

    def _copy_handler(self, s: Shipment) -> Callable[[Any], Any]:
        async def copy(e: Any) -> None:
            await self.clipboard.set(s.tracking_number)
            self.copied.append(s.tracking_number)
            await self.feedback.number_copied(self._number, s.carrier)
            e.page.show_dialog(ft.SnackBar(ft.Text(f"Tracking number {s.tracking_number} copied")))

        return copy


def _card(content: ft.Control) -> ft.Control:
    return ft.Card(
        content=ft.Container(content, padding=16),
        elevation=0,
        variant=ft.CardVariant.OUTLINED,
        margin=0,
    )
