"""The backend API (``ordertrack`` kind) as an OrderSource."""

from __future__ import annotations

from services.sources.ordertrack.client import OrdertrackClient
from services.sources.ordertrack.mapper import parse_orders_page

from .ports import FetchedPage


class OrdertrackOrderSource:
    """Pages of ``GET /v1/orders`` mapped to domain orders."""

    def __init__(self, client: OrdertrackClient) -> None:
        self.client = client

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests the client sent."""
        return self.client.requests_sent

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Fetch and map one page (a 304 gives ``not_modified``)."""
        response = self.client.fetch_orders(cursor, limit=limit, etag=etag)
        if response.not_modified:
            return FetchedPage(page=None, etag=response.etag, not_modified=True)
        return FetchedPage(page=parse_orders_page(response.body), etag=response.etag)

    def close(self) -> None:
        """Close the client."""
        self.client.close()
