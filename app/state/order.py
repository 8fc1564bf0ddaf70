"""The open order's state: the order, its unified timeline (alerts included) and its ETA history."""

from __future__ import annotations

import logging

from services.domain import EtaChange, Order, TimelineEntry, unified_timeline
from services.storage import usage as usage_kinds

from .observable import Latest, ScreenState, Status, off_loop
from .ports import ArchivePort, OrdersGateway
from .usage import UsageState

log = logging.getLogger(__name__)


class OrderState(ScreenState):
    """One order opened by number (a deep link, a tap on a row)."""

    def __init__(
        self, status: Status, gateway: OrdersGateway, usage: UsageState, archive: ArchivePort | None = None
    ) -> None:
        """Start with no order open."""
        super().__init__(status)
        self._gateway = gateway
        self._usage = usage
        self._archive = archive
        self._latest = Latest()
        self.order: Order | None = None
        self.order_number: str | None = None
        self.timeline: list[TimelineEntry] = []
        self.eta_history: dict[str, tuple[EtaChange, ...]] = {}
        """The open order's ETA changes per tracking number, oldest first (empty when none are known)."""

    async def open_order(self, order_number: str) -> None:
        """Load one order and its unified timeline."""
        self._usage.record(usage_kinds.ORDER_OPENED, order_number)
        self.order_number = order_number
        self._forget()
        await self.read(notify=True)

    def close_order(self) -> None:
        """Forget the open order."""
        if self.order_number is None:
            return
        self._latest.cancel()
        self.order_number = None
        self._forget()
        self.notify()

    def _forget(self) -> None:
        self.order = None
        self.timeline = []
        self.eta_history = {}

    async def read(self, *, notify: bool = True) -> None:
        """Re-read the open order (if any); a failed read shows it as not found, its ETAs / alerts as none."""
        number = self.order_number
        if number is None:
            return
        ticket = self._latest.begin()
        alerts: tuple[TimelineEntry, ...] = ()
        etas: dict[str, tuple[EtaChange, ...]] = {}
        try:
            order = await off_loop(self._gateway.get, number)
        except Exception:
            log.exception("reading order %s failed", number)
            order = None
        if order is not None:
            try:
                etas = await off_loop(self._gateway.eta_history, number)
            except Exception:  # the order still shows, with its current ETA only
                log.warning("reading the ETA history of order %s failed", number, exc_info=True)
        if order is not None and self._archive is not None:
            try:
                alerts = await off_loop(self._archive.order_alerts, number)
            except Exception:  # the order still shows, without its alerts
                log.warning("reading the alerts of order %s failed", number, exc_info=True)
        if not self._latest.is_current(ticket) or number != self.order_number:
            return
        self.order = order
        self.eta_history = etas
        self.timeline = unified_timeline(order, alerts) if order is not None else []
        if notify:
            self.notify()
