"""How a shipment's delivery estimate changed: the "ETA changes (n)" list and the line under the ETA."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, tzinfo
from typing import Any

import flet as ft

from services.domain import DeliveryWindow, EtaChange
from views import formatting as fmt


def eta_changes(
    tracking_number: str,
    history: Sequence[EtaChange],
    tz: tzinfo | None,
    *,
    is_open: bool,
    on_toggle: Callable[[Any], None],
) -> list[ft.Control]:
    """Return the "ETA changes (n)" toggle and, when expanded, one line per estimate (oldest first)."""
    toggle = ft.TextButton(
        f"ETA changes ({len(history)})",
        icon=ft.Icons.EXPAND_LESS if is_open else ft.Icons.EXPAND_MORE,
        tooltip=f"{'Hide' if is_open else 'Show'} how the delivery estimate of {tracking_number} changed",
        on_click=on_toggle,
    )
    if not is_open:
        return [toggle]
    rows: list[ft.Control] = []
    previous: DeliveryWindow | None = None
    for change in history:
        window = change.window
        if window is None:
            what = "estimate withdrawn"
        else:
            shown = fmt.eta(window, tz)
            if previous is None:
                what = f"{shown} · first estimate"
            else:
                zone = UTC if window.date_only and previous.date_only else tz  # calendar days compare as days
                moved = fmt.eta_move((previous.start, previous.end), (window.start, window.end), zone, was=False)
                what = f"{shown} · {moved}"
            previous = window
        rows.append(
            ft.Text(
                f"{what} · first seen {fmt.moment(change.seen_at, tz)}",
                size=12,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    return [toggle, ft.Container(ft.Column(rows, spacing=4), padding=ft.Padding.only(left=12))]


def eta_change(eta: DeliveryWindow, history: Sequence[EtaChange], tz: tzinfo | None) -> list[str]:
    """Say how the current estimate came about: ``first estimate`` / ``moved later by 1 day (was Mon 1 Dec)``."""
    if not history:
        return []  # nothing recorded (yet): say nothing rather than guess
    earlier = history[:-1] if history[-1].window == eta else history
    if not earlier:
        return ["first estimate"]
    before = earlier[-1].window
    if before is None:
        return ["new estimate after the carrier withdrew one"]
    zone = UTC if eta.date_only and before.date_only else tz  # calendar days compare as days
    return [fmt.eta_move((before.start, before.end), (eta.start, eta.end), zone)]
