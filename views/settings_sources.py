"""The Sources section of Settings: each source with its health, "Test connection", add and remove."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import flet as ft

from services.domain import AppError, SourceInfo, SourceTest, SyncHealth
from views import formatting as fmt
from views import widgets
from views.base import ScreenModel

_HEALTH = {
    SyncHealth.HEALTHY: ("Healthy", "delivered"),
    SyncHealth.STALE: ("Stale", "pending"),
    SyncHealth.FAILING: ("Failing", "exception"),
    SyncHealth.NEVER: ("Not synced yet", "pending"),
}


class SourcesModel(ScreenModel, Protocol):
    """What the Sources section reads and calls (part of ``views.settings_view.SettingsModel``)."""

    source_test: SourceTest | None

    @property
    def sources(self) -> Sequence[SourceInfo]:
        """Return the data sources with their health."""
        ...

    async def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source; raise an AppError with the reason."""

    async def remove_source(self, name: str) -> None:
        """Remove a source and its token."""

    async def test_source(self, name: str) -> None:
        """Sync one source once and keep the outcome in ``source_test``."""


class SourcesSection:
    """Builds the Sources card; owns the "Add a source" and "Remove source?" dialogs."""

    def __init__(
        self, model: SourcesModel, section: Callable[[str, list[ft.Control]], ft.Control], is_dark: Callable[[], bool]
    ) -> None:
        """Create the dialogs; :meth:`build` makes the card with ``section``."""
        self.model = model
        self._section = section
        self._is_dark = is_dark
        self.name_field = ft.TextField(label="Name", hint_text="e.g. my-shop", dense=True, autofocus=True)
        self.url_field = ft.TextField(
            label="Backend URL", hint_text="https://orders.example.com", dense=True, keyboard_type=ft.KeyboardType.URL
        )
        self.token_field = ft.TextField(
            label="Token",
            hint_text="Optional: the API token of your account",
            password=True,
            can_reveal_password=False,
            dense=True,
            on_submit=self._on_add,
        )
        self.add_error = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.add_progress = ft.ProgressBar(visible=False)
        self.add_dialog = ft.AlertDialog(
            modal=True,
            on_dismiss=self._forget_token,  # Escape closes it too: the typed token must not linger
            title=ft.Text("Add a source"),
            content=ft.Column(
                [
                    ft.Text(
                        "Connect an Order Tracking backend. The token is stored in your system keyring and "
                        "never shown again.",
                        color=ft.Colors.ON_SURFACE_VARIANT,
                    ),
                    self.name_field,
                    self.url_field,
                    self.token_field,
                    self.add_error,
                    self.add_progress,
                ],
                tight=True,
                spacing=12,
                width=420,
            ),
            actions=[
                ft.TextButton("Cancel", on_click=self._close_dialog),
                ft.FilledButton("Add source", on_click=self._on_add),
            ],
        )
        self._remove_target: str | None = None
        self.remove_dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text("Remove source?"),
            content=ft.Text(""),
            actions=[
                ft.TextButton("Cancel", on_click=self._close_dialog),
                ft.FilledButton("Remove", on_click=self._on_remove_confirmed),
            ],
        )

    def build(self) -> ft.Control:
        """Return the Sources card."""
        m = self.model
        body: list[ft.Control] = []
        if m.sync.is_demo:
            body.append(
                ft.Text(
                    "You are looking at demo data from the built-in demo server. Add your shop's backend "
                    "to see your own orders.",
                    color=ft.Colors.ON_SURFACE_VARIANT,
                )
            )
        for src in m.sources:
            body.append(self._source_row(src))
        body.append(
            ft.Row(
                [ft.FilledTonalButton("Add source", icon=ft.Icons.ADD, on_click=self._open_add)],
                alignment=ft.MainAxisAlignment.END,
            )
        )
        return self._section("Sources", body)

    def _source_row(self, src: SourceInfo) -> ft.Control:
        m = self.model
        dark = self._is_dark()
        now, tz = m.now, m.tz
        label, tone = _HEALTH[src.health]
        bg, fg = widgets.status_colors(tone, dark)
        chip = ft.Container(
            content=ft.Text(label, size=12, weight=ft.FontWeight.W_600, color=fg),
            bgcolor=bg,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=8, vertical=3),
        )
        title = "Demo data" if src.builtin else src.name
        lines: list[ft.Control] = [
            ft.Row(
                [ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600), chip],
                spacing=8,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            ft.Text(f"{src.kind} · {src.url}", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
        if src.last_success_at is not None:
            lines.append(
                ft.Text(
                    f"Last sync {fmt.ago(src.last_success_at, now)} ({fmt.since(src.last_success_at, tz, now)})",
                    size=13,
                )
            )
        else:
            lines.append(ft.Text("Never synced", size=13))
        if src.stale_since is not None:
            lines.append(ft.Text(f"Stale since {fmt.since(src.stale_since, tz, now)}", size=13, color=ft.Colors.ERROR))
        if src.last_error:
            lines.append(ft.Text(f"Last error: {src.last_error}", size=13, color=ft.Colors.ERROR))
        test = m.source_test
        if test is not None and test.source == src.name:
            if test.running:
                lines.append(
                    ft.Row(
                        [
                            ft.ProgressRing(width=16, height=16, stroke_width=2, semantics_label="Testing"),
                            ft.Text(f"Testing the connection to {title}…", size=13),
                        ],
                        spacing=8,
                    )
                )
            else:
                lines.append(
                    ft.Row(
                        [
                            ft.Icon(
                                ft.Icons.CHECK_CIRCLE_OUTLINE if test.ok else ft.Icons.ERROR_OUTLINE,
                                size=16,
                                color=ft.Colors.PRIMARY if test.ok else ft.Colors.ERROR,
                            ),
                            ft.Text(test.message, size=13, color=None if test.ok else ft.Colors.ERROR, expand=True),
                        ],
                        spacing=8,
                    )
                )
        busy = test is not None and test.running
        actions: list[ft.Control] = [
            ft.OutlinedButton(
                "Test connection",
                icon=ft.Icons.NETWORK_CHECK,
                on_click=self._test_handler(src.name),
                disabled=busy,
            )
        ]
        if not src.builtin:
            actions.append(
                ft.TextButton(
                    "Remove",
                    icon=ft.Icons.DELETE_OUTLINE,
                    on_click=self._remove_handler(src.name),
                )
            )
        lines.append(ft.Row(actions, spacing=8, wrap=True))
        return ft.Container(
            content=ft.Column(lines, spacing=4),
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
            padding=12,
        )

    def _open_add(self, e: Any) -> None:
        self.name_field.value = ""
        self.url_field.value = ""
        self.token_field.value = ""
        self.add_error.visible = False
        self.add_progress.visible = False
        e.page.show_dialog(self.add_dialog)

    async def _on_add(self, e: Any) -> None:
        name, url, token = self.name_field.value or "", self.url_field.value or "", self.token_field.value or ""
        self.add_error.visible = False
        self.add_progress.visible = True
        self.add_dialog.update()
        try:
            await self.model.add_source(name, url, token)
        except AppError as err:
            self.add_error.value = str(err)
            self.add_error.visible = True
            self.add_progress.visible = False
            return
        finally:
            self.token_field.value = ""  # never kept, never shown again
        self.add_progress.visible = False
        e.page.pop_dialog()
        e.page.show_dialog(ft.SnackBar(ft.Text(f"Added source {name.strip()}. Syncing it now…")))

    def _test_handler(self, name: str) -> Callable[[Any], Any]:
        async def handler(_: Any) -> None:
            await self.model.test_source(name)

        return handler

    def _remove_handler(self, name: str) -> Callable[[Any], Any]:
        def handler(e: Any) -> None:
            self._remove_target = name
            self.remove_dialog.content = ft.Text(
                f"“{name}” and its token are removed. Orders already downloaded from it stay in your history."
            )
            e.page.show_dialog(self.remove_dialog)

        return handler

    async def _on_remove_confirmed(self, e: Any) -> None:
        name = self._remove_target
        e.page.pop_dialog()
        if name is not None:
            self._remove_target = None
            await self.model.remove_source(name)

    def _close_dialog(self, e: Any) -> None:
        self.token_field.value = ""
        e.page.pop_dialog()

    def _forget_token(self, _: Any = None) -> None:
        self.token_field.value = ""
