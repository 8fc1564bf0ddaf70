"""The Timeline's state: the pinned "needs attention" items and the cross-order feed, newest first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from services.domain import AttentionItem, FeedEntry, Order, OrderFilter, OrderStatus, attention_items

from .observable import Latest, ScreenState, Status, off_loop, reason
from .ports import OrdersGateway

log = logging.getLogger(__name__)

FEED_ITEMS = 60
"""Feed entries one page of the Timeline shows (the rest waits for "Show older events")."""

ACTIVE_LIMIT = 300
"""Most orders still on their way that the Timeline reads for attention items and recent scans."""

ATTENTION_LIMIT = 200
"""Most flagged ("needs attention") orders the Timeline pins."""

_ACTIVE_STATUSES = (
    OrderStatus.PROCESSING,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.PARTIALLY_DELIVERED,
)


def read_feed(
    g: OrdersGateway, pages: int, now: datetime, tz: tzinfo | None = None
) -> tuple[list[AttentionItem], list[FeedEntry], bool]:
    """Read the pinned items and ``pages`` pages of the Timeline feed (blocking: run it off the UI loop).

    The feed is exact: every live order's events, carrier scans and alerts sent, newest first,
    straight from the cache's feed query. The pinned items come from the orders still moving and
    the flagged ones.
    """
    shown = FEED_ITEMS * pages
    entries = g.recent_events(shown + 1)  # one more tells whether older entries exist
    active = g.list_orders(OrderFilter(statuses=_ACTIVE_STATUSES, archived=False), limit=ACTIVE_LIMIT, offset=0)
    flagged = g.list_orders(OrderFilter(needs_attention=True, archived=False), limit=ATTENTION_LIMIT, offset=0)
    by_number: dict[str, Order] = {}
    for order in (*active, *flagged):
        by_number.setdefault(order.order_number, order)
    return attention_items(by_number.values(), now, tz), list(entries[:shown]), len(entries) > shown


class FeedState(ScreenState):
    """The Timeline feed. On a read error the entries already shown stay, marked by ``feed_error``."""

    def __init__(self, status: Status, gateway: OrdersGateway, cache_total: Callable[[], int] = lambda: 0) -> None:
        """Start unread; :meth:`load_feed` reads the first page. ``cache_total`` counts the live orders."""
        super().__init__(status)
        self._gateway = gateway
        self._cache_total = cache_total
        self._latest = Latest()
        self._pages = 1
        self.attention: list[AttentionItem] = []
        self.feed: list[FeedEntry] = []
        self.feed_has_more = False
        self.feed_loading = False
        self.feed_loaded = False
        self.feed_error: str | None = None

    @property
    def cache_total(self) -> int:
        """Return how many live orders the cache holds (the Orders screen's last read)."""
        return self._cache_total()

    async def load_feed(self) -> None:
        """Read the pinned items and the first page of the Timeline feed."""
        self._pages = 1
        await self.query(notify=True)

    async def load_more_feed(self) -> None:
        """Append older Timeline feed entries (one more page)."""
        if not self.feed_has_more or self.feed_loading:
            return
        self._pages += 1
        await self.query(notify=True)

    async def query(self, *, notify: bool = True) -> None:
        """Read the feed again (as many pages as are showing)."""
        ticket = self._latest.begin()
        self.feed_loading = True
        if notify:
            self.notify()
        try:
            attention, feed, more = await off_loop(read_feed, self._gateway, self._pages, self.now, self.tz)
        except Exception as err:
            log.exception("reading the timeline failed")
            if self._latest.is_current(ticket):
                self.feed_loading = False
                self.feed_error = reason(err)
                if notify:
                    self.notify()
            return
        if not self._latest.is_current(ticket):
            return
        self.attention, self.feed, self.feed_has_more = attention, feed, more
        self.feed_loading = False
        self.feed_loaded = True
        self.feed_error = None
        if notify:
            self.notify()
