"""The Settings screen: theme (system / light / dark), where the data lives, the data source."""

from __future__ import annotations

import flet as ft

from views import widgets
from views.model import OrdersUiModel, ThemeChoice

_THEME_LABELS = {ThemeChoice.SYSTEM: "System", ThemeChoice.LIGHT: "Light", ThemeChoice.DARK: "Dark"}
_THEME_ICONS = {
    ThemeChoice.SYSTEM: ft.Icons.BRIGHTNESS_AUTO,
    ThemeChoice.LIGHT: ft.Icons.LIGHT_MODE,
    ThemeChoice.DARK: ft.Icons.DARK_MODE,
}


class SettingsScreen:
    """Builds the Settings body from an :class:`OrdersUiModel`."""

    def __init__(self, model: OrdersUiModel) -> None:
        """Keep the model; :meth:`build` makes the controls."""
        self.model = model

    def build(self) -> ft.Control:
        """Return the Settings body."""
        m = self.model
        theme = ft.SegmentedButton(
            segments=[
                ft.Segment(value=c.value, label=ft.Text(_THEME_LABELS[c]), icon=ft.Icon(_THEME_ICONS[c]))
                for c in ThemeChoice
            ],
            selected=[m.theme.value],
            allow_empty_selection=False,
            allow_multiple_selection=False,
            show_selected_icon=False,
            on_change=self._on_theme,
        )
        source = (
            "Demo data from the built-in demo server. Add your shop or carrier account to see your own orders."
            if m.sync.is_demo
            else "Your configured sources."
        )
        sections: list[ft.Control] = [
            _section("Appearance", [ft.Text("Theme", color=ft.Colors.ON_SURFACE_VARIANT), theme]),
            _section(
                "Data",
                [
                    ft.Text("Data location", color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(m.data_location, font_family="monospace"),
                    ft.Text("Source", color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(source),
                ],
            ),
        ]
        return ft.Column(
            sections,
            spacing=16,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )

    def _on_theme(self, e: ft.Event[ft.SegmentedButton]) -> None:
        selected = e.control.selected
        if selected:
            self.model.set_theme(ThemeChoice(selected[0]))


def _section(title: str, body: list[ft.Control]) -> ft.Control:
    return ft.Card(
        content=ft.Container(ft.Column([widgets.section_title(title), *body], spacing=8), padding=16),
        variant=ft.CardVariant.OUTLINED,
        margin=0,
    )
