"""The Settings screen: data sources (health, add, test, remove), appearance, and the local data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import flet as ft

from services.domain import (
    AppError,
    DataCheck,
    NotificationSettings,
    Protection,
    ThemeChoice,
)
from views import formatting as fmt
from views import widgets
from views.filter_bar import FilterMenu
from views.settings_sources import SourcesModel, SourcesSection

_THEME_LABELS = {ThemeChoice.SYSTEM: "System", ThemeChoice.LIGHT: "Light", ThemeChoice.DARK: "Dark"}
_THEME_ICONS = {
    ThemeChoice.SYSTEM: ft.Icons.BRIGHTNESS_AUTO,
    ThemeChoice.LIGHT: ft.Icons.LIGHT_MODE,
    ThemeChoice.DARK: ft.Icons.DARK_MODE,
}
HISTORY_DELAYS: tuple[tuple[int, str], ...] = (
    (7, "7 days"),
    (14, "14 days"),
    (30, "30 days"),
    (60, "60 days"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "365 days"),
)
"""The History delays offered in Settings (any other value set from the CLI is shown too)."""


class SettingsModel(SourcesModel, Protocol):
    """What Settings reads and calls (``app.state.SettingsState`` satisfies it)."""

    theme: ThemeChoice
    data_location: str
    data_check: DataCheck | None
    history_after_days: int | None
    protection: Protection | None
    notification_settings: NotificationSettings | None

    async def set_notification_setting(self, key: str, value: str) -> None:
        """Change one preference (a bad value is reported in ``error``)."""

    async def set_history_after_days(self, days: int) -> int:
        """Change the History delay and apply it now; return how many orders moved."""

    async def check_data(self) -> None:
        """Check the local database and keep the outcome in ``data_check``."""

    async def clear_cache(self) -> int:
        """Delete the cached live orders (History kept); return how many went."""

    def set_theme(self, choice: ThemeChoice) -> None:
        """Change the theme preference."""


class SettingsScreen:
    """Builds the Settings body from a :class:`SettingsModel`; owns its dialogs."""

    def __init__(self, model: SettingsModel, *, is_dark: Callable[[], bool] | None = None) -> None:
        """Keep the model and create the dialogs; :meth:`build` makes the body."""
        self.model = model
        self._is_dark = is_dark or (lambda: False)
        self.sources = SourcesSection(model, _section, self._is_dark)
        self.history_delay = FilterMenu(
            "Move to History after", [(str(k), text) for k, text in HISTORY_DELAYS], self._on_history_delay
        )
        self._switches: dict[str, ft.Switch] = {}
        self._fields: dict[str, ft.TextField] = {}
        self._shown: dict[str, object] = {}
        self.clear_dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text("Clear the cache?"),
            content=ft.Text(
                "The orders downloaded from your sources are deleted from this device and downloaded again "
                "from scratch. History, your sources, your notification settings and the alert log stay; "
                "no alert is sent twice.",
            ),
            actions=[
                ft.TextButton("Cancel", on_click=self._close_dialog),
                ft.FilledButton("Clear cache", on_click=self._on_clear_confirmed),
            ],
        )

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
        sections: list[ft.Control] = [
            self.sources.build(),
            self._notifications_section(),
            _section("Appearance", [ft.Text("Theme", color=ft.Colors.ON_SURFACE_VARIANT), ft.Row([theme], wrap=True)]),
            self._data_section(),
        ]
        return ft.Column(
            sections,
            spacing=16,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )

    # ------------------------------------------------------------------ sections

    def _notifications_section(self) -> ft.Control:
        prefs = self.model.notification_settings
        if prefs is None:
            return _section("Notifications", [ft.Text("Reading your notification preferences…")])
        body: list[ft.Control] = []
        if prefs.error:
            body.append(ft.Text(prefs.error, color=ft.Colors.ERROR))
        body.append(ft.Text("Channels", color=ft.Colors.ON_SURFACE_VARIANT))
        for key, label, value in (
            ("channels.native", "Desktop notifications", prefs.native),
            ("channels.in_app", "In-app alerts", prefs.in_app),
            ("channels.email", "E-mail", prefs.email),
        ):
            body.append(self._switch(key, label, value))
        self._email_field = self._field(
            "email", "E-mail address for alerts", prefs.email_address, keyboard_type=ft.KeyboardType.EMAIL
        )
        self._quiet_field = self._field("quiet", "Quiet hours (e.g. 22:00-07:00, or off)", prefs.quiet_hours or "off")
        self._tz_field = self._field("tz", "Time zone (e.g. Europe/Berlin)", prefs.timezone)
        body.append(_field_row(self._email_field, "Save address", self._pref_field("channels.email.address", "email")))
        body.append(_field_row(self._quiet_field, "Save quiet hours", self._pref_field("quiet_hours", "quiet")))
        body.append(_field_row(self._tz_field, "Save time zone", self._pref_field("timezone", "tz")))
        body.append(ft.Text("Alert rules", color=ft.Colors.ON_SURFACE_VARIANT))
        for rule in prefs.rules:
            body.append(
                ft.Column(
                    [
                        self._switch(f"rules.{rule.id}", rule.title, rule.enabled),
                        ft.Text(rule.description, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=2,
                )
            )
        return _section("Notifications", body)

    def _switch(self, key: str, label: str, value: bool) -> ft.Switch:
        """Return the one Switch of preference ``key``, showing ``value`` when the saved value changed.

        The controls live as long as the screen: a repaint after one switch is saved must not replace
        a second switch the user is toggling at that moment (its event would go to a removed control).
        """
        switch = self._switches.get(key)
        if switch is None:
            switch = self._switches[key] = ft.Switch(label=label, value=value, on_change=self._pref_switch(key))
        elif self._shown.get(key) != value:
            switch.value = value
        self._shown[key] = value
        return switch

    def _field(self, which: str, label: str, value: str, **kw: Any) -> ft.TextField:
        """Return the one TextField ``which``; a repaint never overwrites what is being typed into it."""
        field = self._fields.get(which)
        if field is None:
            field = self._fields[which] = ft.TextField(label=label, value=value, **kw)
        elif self._shown.get(which) != value:
            field.value = value
        self._shown[which] = value
        return field

    def _pref_switch(self, key: str) -> Callable[[Any], Any]:
        async def handler(e: Any) -> None:
            await self.model.set_notification_setting(key, "on" if e.control.value else "off")

        return handler

    def _pref_field(self, key: str, which: str) -> Callable[[Any], Any]:
        async def handler(_: Any) -> None:
            field = {"email": self._email_field, "quiet": self._quiet_field, "tz": self._tz_field}[which]
            await self.model.set_notification_setting(key, str(field.value or "").strip())

        return handler

    def _data_section(self) -> ft.Control:
        m = self.model
        body: list[ft.Control] = [
            ft.Text("Database location", color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(m.data_location, font_family="monospace", selectable=True),
        ]
        if m.protection is not None:
            locked = m.protection.encrypted
            body.append(
                ft.Row(
                    [
                        ft.Icon(
                            ft.Icons.LOCK_OUTLINE if locked else ft.Icons.LOCK_OPEN,
                            color=ft.Colors.PRIMARY if locked else ft.Colors.ERROR,
                            size=18,
                        ),
                        ft.Text(m.protection.describe(), expand=True),
                    ],
                    spacing=8,
                )
            )
        if m.history_after_days is not None:
            days = m.history_after_days
            options = list(HISTORY_DELAYS)
            if days not in dict(options):
                options = sorted([*options, (days, _days(days))])
            self.history_delay.set_options([(str(k), text) for k, text in options])
            self.history_delay.select(str(days))
            body.extend(
                [
                    ft.Text("History", color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Row([self.history_delay.button], wrap=True),
                    ft.Text(
                        "Delivered, cancelled and returned orders leave the Orders list and move to History "
                        f"{_days(days)} after their last update. They keep every detail and can be exported.",
                        size=12,
                        color=ft.Colors.ON_SURFACE_VARIANT,
                    ),
                ]
            )
        check = m.data_check
        if check is not None and check.running:
            body.append(
                ft.Row(
                    [
                        ft.ProgressRing(width=16, height=16, stroke_width=2, semantics_label="Checking"),
                        ft.Text("Checking the database…"),
                    ],
                    spacing=8,
                )
            )
        elif check is not None and check.ok:
            when = f" (checked {fmt.since(check.checked_at, m.tz, m.now)})" if check.checked_at else ""
            body.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.VERIFIED_OUTLINED, color=ft.Colors.PRIMARY, size=18),
                        ft.Text(f"The database is healthy: no damage found{when}.", expand=True),
                    ],
                    spacing=8,
                )
            )
        elif check is not None:
            body.append(ft.Text("The database has problems:", color=ft.Colors.ERROR, weight=ft.FontWeight.W_600))
            body.extend(ft.Text(f"• {p}", color=ft.Colors.ERROR) for p in check.problems)
        body.append(
            ft.Row(
                [
                    ft.OutlinedButton(
                        "Verify database",
                        icon=ft.Icons.FACT_CHECK_OUTLINED,
                        on_click=self._on_verify,
                        disabled=check is not None and check.running,
                    ),
                    ft.OutlinedButton("Clear cache", icon=ft.Icons.DELETE_SWEEP_OUTLINED, on_click=self._open_clear),
                ],
                spacing=8,
                wrap=True,
            )
        )
        return _section("Data", body)

    # ------------------------------------------------------------------ events

    def _on_theme(self, e: ft.Event[ft.SegmentedButton]) -> None:
        selected = e.control.selected
        if selected:
            self.model.set_theme(ThemeChoice(selected[0]))

    async def _on_history_delay(self) -> None:
        days = int(self.history_delay.value)
        page = self.history_delay.button.page
        try:
            moved = await self.model.set_history_after_days(days)
        except AppError as err:
            message = str(err)
        else:
            message = f"Finished orders now move to History after {_days(days)}." + (
                f" Moved {moved:,} order{'s' if moved != 1 else ''} now." if moved else ""
            )
        page.show_dialog(ft.SnackBar(ft.Text(message)))

    async def _on_verify(self, _: Any) -> None:
        await self.model.check_data()

    def _open_clear(self, e: Any) -> None:
        e.page.show_dialog(self.clear_dialog)

    async def _on_clear_confirmed(self, e: Any) -> None:
        e.page.pop_dialog()
        removed = await self.model.clear_cache()
        e.page.show_dialog(
            ft.SnackBar(ft.Text(f"Cache cleared: {removed:,} order{'s' if removed != 1 else ''} removed. "
                                "Downloading your orders again…"))
        )

    def _close_dialog(self, e: Any) -> None:
        e.page.pop_dialog()


def _field_row(field: ft.TextField, label: str, on_save: Callable[[Any], Any]) -> ft.Control:
    """A text field that takes the free width and its Save button (Enter saves too).

    No ``wrap``: an expanding child inside a wrapping Row has no width to expand into, which is a
    layout error that Flutter's release build paints as a grey box.
    """
    field.on_submit = on_save
    return ft.Row(
        [ft.Container(field, expand=True), ft.OutlinedButton(label, tooltip=label, on_click=on_save)],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


def _days(days: int) -> str:
    """Return a delay in days in words ("1 day", "30 days", "0 days" = at once)."""
    return "1 day" if days == 1 else f"{days:,} days"


def _section(title: str, body: list[ft.Control]) -> ft.Control:
    column = ft.Column(
        [widgets.section_title(title), *body], spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )
    return ft.Card(
        content=ft.Container(column, padding=16),
        variant=ft.CardVariant.OUTLINED,
        margin=0,
    )
