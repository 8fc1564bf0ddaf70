"""The app's own self-service figures of one session (kept on this device only).

Recording is fire-and-forget on a worker thread: a failure is logged, never shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.domain import utc_now
from services.storage import usage as usage_kinds

from .observable import reason
from .ports import UsagePort

log = logging.getLogger(__name__)


class UsageState:
    """Feedback answers, tracking links opened, numbers copied, and the figures other screens record."""

    def __init__(self, usage: UsagePort | None = None, *, clock: Callable[[], datetime] = utc_now) -> None:
        """Record through ``usage`` (None: nothing is recorded)."""
        self._usage = usage
        self._clock = clock
        self._pending: set[asyncio.Future[None]] = set()
        self.feedback: dict[str, bool] = {}
        """This session's "Did this page answer your question?" answers by order number."""

    def feedback_for(self, order_number: str) -> bool | None:
        """Return this session's answer for an order (None: not answered)."""
        return self.feedback.get(order_number)

    async def answer_feedback(self, order_number: str, helpful: bool) -> None:
        """Record "Did this page answer your question?" for an order, once per order per session."""
        if order_number in self.feedback:
            return
        self.feedback[order_number] = helpful
        if self._usage is not None:
            self._track(self._usage.record_feedback, helpful, self._clock(), order_number, "order")

    async def tracking_link_opened(self, order_number: str, carrier: str) -> None:
        """Record that a shipment's tracking page was opened."""
        self.record(usage_kinds.TRACKING_LINK_OPENED, order_number, carrier or None)

    async def tracking_number_copied(self, order_number: str, carrier: str) -> None:
        """Record that a tracking number was copied."""
        self.record(usage_kinds.TRACKING_NUMBER_COPIED, order_number, carrier or None)

    def record(self, kind: str, order_number: str | None = None, detail: str | None = None) -> None:
        """Record one usage figure of ``kind`` (see ``services.storage.usage``)."""
        if self._usage is not None:
            self._track(self._usage.record, kind, self._clock(), order_number, detail)

    async def settled(self) -> None:
        """Wait until every figure handed to a worker thread is written (or failed)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    def _track(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the UI loop: a figure is not worth blocking anyone for
            log.debug("usage figure dropped: no event loop")
            return
        future = loop.run_in_executor(None, fn, *args)
        self._pending.add(future)
        future.add_done_callback(self._written)

    def _written(self, future: asyncio.Future[None]) -> None:
        self._pending.discard(future)
        if not future.cancelled() and (err := future.exception()) is not None:
            log.warning("recording a self-service figure failed: %s", reason(err), exc_info=err)
