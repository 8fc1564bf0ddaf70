"""The start screen when no keyring can keep the cache key: choose or enter the cache passphrase.

    UnlockScreen.show(page) ─▶ the user types ─▶ on_submit(passphrase) ─▶ None (opened: the app
                                                                      replaces this screen)
                                                                   └▶ a message (shown; try again)

It knows nothing about keys or files: ``on_submit`` (from app/) opens the cache and answers in plain
words. ``choosing`` asks for a new passphrase twice (a new cache, or one from before encryption);
otherwise the existing passphrase once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from views.shell import SEED

Submit = Callable[[str], Awaitable[str | None]]
"""Try a passphrase: None when the cache opened, else what went wrong in plain words."""

ROUTE = "/unlock"


class UnlockScreen:
    """A centred card: why a passphrase is needed, the field(s), one button, progress and errors."""

    def __init__(self, *, choosing: bool, min_length: int, on_submit: Submit, title: str = "Order Tracking") -> None:
        """Build the controls; :meth:`show` puts them on a page."""
        self.choosing = choosing
        self.min_length = min_length
        self._on_submit = on_submit
        self.title = title
        self.passphrase = ft.TextField(
            label="New passphrase" if choosing else "Passphrase",
            password=True,
            can_reveal_password=False,  # its eye icon has no label for screen readers in Flet 1.0.5
            on_submit=self._submit,
        )
        self.repeat = ft.TextField(
            label="Repeat the passphrase",
            password=True,
            can_reveal_password=False,  # its eye icon has no label for screen readers in Flet 1.0.5
            visible=choosing,
            on_submit=self._submit,
        )
        self.button = ft.FilledButton(
            "Protect and open" if choosing else "Unlock",
            icon=ft.Icons.LOCK_OPEN,
            on_click=self._submit,
        )
        self.progress = ft.ProgressRing(width=20, height=20, visible=False, tooltip="Opening the cache")
        self.error = ft.Text("", color=ft.Colors.ERROR, visible=False)

    def show(self, page: ft.Page) -> None:
        """Replace what the page shows with this screen (the app's theme, light or dark as the system)."""
        page.title = self.title
        page.theme = ft.Theme(color_scheme_seed=SEED)
        page.dark_theme = ft.Theme(color_scheme_seed=SEED)
        page.theme_mode = ft.ThemeMode.SYSTEM
        page.views.clear()
        page.views.append(ft.View(route=ROUTE, controls=[self._body()], padding=16))
        page.update()

    def _body(self) -> ft.Control:
        if self.choosing:
            heading = "Protect your order history"
            text = (
                "No secure keyring is available on this computer to keep the key of your encrypted order "
                "cache. Choose a passphrase to protect it instead; you will type it each time the app "
                f"starts. At least {self.min_length} characters. It is not stored anywhere."
            )
        else:
            heading = "Unlock your order history"
            text = (
                "Your order cache is encrypted with a passphrase because no secure keyring is available "
                "on this computer. Type it to open the app."
            )
        card = ft.Card(
            content=ft.Container(
                padding=24,
                content=ft.Column(
                    [self.passphrase, self.repeat, self.error, ft.Row([self.button, self.progress], spacing=16)],
                    spacing=16,
                    tight=True,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                ),
            ),
        )
        column = ft.Column(
            [
                ft.Row([ft.Icon(ft.Icons.LOCK, color=ft.Colors.PRIMARY), ft.Text(heading, size=22)], spacing=12),
                ft.Text(text, color=ft.Colors.ON_SURFACE_VARIANT),
                card,
            ],
            spacing=16,
            tight=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        # a readable column, centred on desktops, the full width (less the margin) on phones
        return ft.Container(content=ft.Container(content=column, width=440), alignment=ft.Alignment.CENTER, expand=True)

    async def _submit(self, _: Any) -> None:
        value = self.passphrase.value or ""
        problem = self._check(value)
        if problem is None:
            self._busy(True)
            try:
                problem = await self._on_submit(value)
            finally:
                self._busy(False)
        if problem is not None:
            self.error.value = problem
            self.error.visible = True
            self.error.update()

    def _check(self, value: str) -> str | None:
        """Return what is wrong with the typed passphrase before trying it, or None."""
        if not value:
            return "Type the passphrase."
        if self.choosing and len(value) < self.min_length:
            return f"The passphrase must have at least {self.min_length} characters."
        if self.choosing and value != (self.repeat.value or ""):
            return "The two passphrases differ."
        return None

    def _busy(self, busy: bool) -> None:
        self.button.disabled = busy
        self.progress.visible = busy
        self.error.visible = self.error.visible and not busy
        try:
            self.button.update()
            self.progress.update()
            self.error.update()
        except RuntimeError:  # the app already replaced this screen
            pass
