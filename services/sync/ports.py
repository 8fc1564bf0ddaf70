"""What the sync engine needs from a source: an order feed and/or a tracking API.

Adapters over each vendor client implement these; the engine never sees vendor formats.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from services.domain import ChangeSet, Order, OrderPage, Shipment, SkippedRecord


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """One answer of an order feed: a page, or ``not_modified`` (conditional request hit)."""

    page: OrderPage | None
    etag: str | None = None
    not_modified: bool = False


def named(orders: list[Order], source: str | None) -> list[Order]:
    """Return ``orders`` carrying the configured source name (None: keep what the mapper set).

    Mappers are pure and know only the payload, so they fill ``Order.source`` with the kind
    ("shopify") or the backend's own label; two configured sources of one kind must stay apart.
    """
    if source is None:
        return orders
    return [o if o.source == source else replace(o, source=source) for o in orders]


class OrderSource(Protocol):
    """A feed of orders changed since a cursor (backend API, Shopify, WooCommerce...)."""

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests were sent so far."""
        ...

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Return the orders changed after ``cursor`` (``etag`` revalidates the same query)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class TrackingSource(Protocol):
    """A tracking API the engine can read carrier events from."""

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests were sent so far."""
        ...

    def list_page(self, page: int, limit: int) -> tuple[list[Shipment], bool]:
        """Return one page of every tracking and whether more pages follow (empty when unsupported)."""
        ...

    def get_many(self, wanted: list[tuple[str, str]]) -> list[Shipment]:
        """Return the trackings for ``(carrier, tracking_number)`` pairs it knows (batched as the API allows)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class ReportsSkipped(Protocol):
    """A tracking source that keeps the records it could not map (the engine logs and counts them)."""

    def take_skipped(self) -> list[SkippedRecord]:
        """Return and forget the records skipped since the last call."""
        ...


class ChangeListener(Protocol):
    """Called after every committed sync transaction that changed something."""

    def __call__(self, source: str, changes: ChangeSet) -> None:
        """React to ``changes`` from ``source`` (alerts, UI refresh); must not raise."""
        ...
