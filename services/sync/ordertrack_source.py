"""The backend API (``ordertrack`` kind) as an OrderSource."""

from __future__ import annotations

from dataclasses import replace

from services.sources.ordertrack.client import OrdertrackClient
from services.sources.ordertrack.mapper import parse_orders_page

from .adapters.base import ClientDelegate
from .ports import FetchedPage, named


class OrdertrackOrderSource(ClientDelegate[OrdertrackClient]):
    """Pages of ``GET /v1/orders`` mapped to domain orders."""

    def __init__(self, client: OrdertrackClient, *, source: str | None = None) -> None:
        """Wrap ``client``; ``source`` (the configured source name) replaces the backend's label on each order."""
        super().__init__(client)
        self.source = source

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Fetch and map one page (a 304 gives ``not_modified``)."""
        response = self.client.fetch_orders(cursor, limit=limit, etag=etag)
        if response.not_modified:
            return FetchedPage(page=None, etag=response.etag, not_modified=True)
        page = parse_orders_page(response.body)
        if self.source is not None:
            page = replace(page, orders=tuple(named(list(page.orders), self.source)))
        return FetchedPage(page=page, etag=response.etag)
