"""What the shell is handed: one state object per screen (``app.state.AppState`` satisfies :class:`ShellModel`).

Each screen declares the Protocol of what it reads and calls next to itself (``OrdersModel`` in
``views.orders_view`` ...); this module only composes them, adding ``subscribe`` (every state object
has its own listeners) and the few calls the shell itself makes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from services.domain import EtaChange, ListFilters, Order, TimelineEntry
from views.base import Observed, ScreenModel
from views.feedback import SelfServiceModel
from views.history_view import HistoryModel
from views.notifications_view import NotificationsModel
from views.orders_view import OrdersModel
from views.settings_view import SettingsModel
from views.timeline_view import TimelineModel


class StatusModel(ScreenModel, Observed, Protocol):
    """The session's sync status line and clock."""


class OrderModel(ScreenModel, Observed, Protocol):
    """The open order (``app.state.OrderState``)."""

    @property
    def order(self) -> Order | None:
        """Return the open order, if one is open and found."""
        ...

    @property
    def order_number(self) -> str | None:
        """Return the number of the order asked for."""
        ...

    @property
    def timeline(self) -> Sequence[TimelineEntry]:
        """Return the order's unified timeline, oldest first."""
        ...

    @property
    def eta_history(self) -> Mapping[str, Sequence[EtaChange]]:
        """Return the ETA changes per tracking number, oldest first."""
        ...

    async def open_order(self, order_number: str) -> None:
        """Load one order and its unified timeline."""

    def close_order(self) -> None:
        """Forget the open order."""


class ShellOrders(OrdersModel, Observed, Protocol):
    """The Orders state, observable, with its filter choices."""

    async def load_choices(self) -> None:
        """Read what the carrier and source filters offer."""


class ShellFeed(TimelineModel, Observed, Protocol):
    """The Timeline state, observable."""

    @property
    def feed_loading(self) -> bool:
        """Tell whether the feed is being read."""
        ...


class ShellHistory(HistoryModel, Observed, Protocol):
    """The History state, observable, and its "Show in History" entry from the Orders screen."""

    async def show_like(self, query: str, filters: ListFilters, start: date | None, end: date | None) -> None:
        """Take the Orders screen's search, dates and filters."""


class ShellAlerts(NotificationsModel, Observed, Protocol):
    """The alert log, observable."""


class ShellSettings(SettingsModel, Observed, Protocol):
    """Settings, observable, and the read of the sources' health."""

    async def load_sources(self) -> None:
        """Read the sources' health (and, the first time, the preferences and data settings)."""


class ShellModel(Protocol):
    """One session's state: a state object per screen (``app.state.AppState`` satisfies it)."""

    @property
    def status(self) -> StatusModel:
        """Return the sync status line and clock."""
        ...

    @property
    def orders(self) -> ShellOrders:
        """Return the Orders screen's state."""
        ...

    @property
    def order(self) -> OrderModel:
        """Return the open order's state."""
        ...

    @property
    def feed(self) -> ShellFeed:
        """Return the Timeline's state."""
        ...

    @property
    def history(self) -> ShellHistory:
        """Return History's state."""
        ...

    @property
    def alerts(self) -> ShellAlerts:
        """Return the Notifications screen's state."""
        ...

    @property
    def settings(self) -> ShellSettings:
        """Return Settings' state."""
        ...

    @property
    def usage(self) -> SelfServiceModel:
        """Return the self-service figures the Order screen records."""
        ...
