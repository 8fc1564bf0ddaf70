"""The Settings screen: data sources (health, add, test, remove), appearance, and the local data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol

import flet as ft

from services.domain import (
    AppError,
    DataCheck,
    NotificationSettings,
    Protection,
    SourceInfo,
    SourceTest,
    SyncInfo,
    ThemeChoice,
)
from views import formatting as fmt
from views import widgets
from views.filter_bar import FilterMenu

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
_HEALTH = {
    "healthy": ("Healthy", "delivered"),
    "failing": ("Failing", "exception"),
    "never": ("Not synced yet", "pending"),
}


class SettingsModel(Protocol):
    """What Settings reads and calls (``app.state.SettingsState`` satisfies it)."""

    theme: ThemeChoice
    data_location: str
    source_test: SourceTest | None
    data_check: DataCheck | None
    history_after_days: int | None
    protection: Protection | None
    notification_settings: NotificationSettings | None

    @property
    def sources(self) -> Sequence[SourceInfo]:
        """Return the data sources with their health."""
        ...

    @property
    def sync(self) -> SyncInfo:
        """Return the sync status snapshot."""
        ...

    @property
    def tz(self) -> tzinfo | None:
        """Return the time zone times are shown in (None: this machine's local time)."""
        ...

    @property
    def now(self) -> datetime:
        """Return the current time (UTC)."""
        ...

    async def add_source(self, name: str, url: str, token: str) -> None:
        """Add an ``ordertrack`` source; raise an AppError with the reason."""

    async def remove_source(self, name: str) -> None:
        """Remove a source and its token."""

    async def test_source(self, name: str) -> None:
        """Sync one source once and keep the outcome in ``source_test``."""

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
        self.history_delay = FilterMenu(
            "Move to History after", [(str(k), text) for k, text in HISTORY_DELAYS], self._on_history_delay
        )
        self._switches: dict[str, ft.Switch] = {}
        self._fields: dict[str, ft.TextField] = {}
        self._shown: dict[str, object] = {}
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
            self._sources_section(),
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

    def _sources_section(self) -> ft.Control:
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
        return _section("Sources", body)

    def _source_row(self, src: SourceInfo) -> ft.Control:
        m = self.model
        dark = self._is_dark()
        now, tz = m.now, m.tz
        label, tone = _HEALTH.get(src.health, (fmt.label(src.health), "pending"))
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
        self.token_field.value = ""
        e.page.pop_dialog()

    def _forget_token(self, _: Any = None) -> None:
        self.token_field.value = ""


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
