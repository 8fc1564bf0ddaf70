"""WooCommerce REST v3 orders (with Shipment Tracking items) as an OrderSource.

cursor = "<modified_after>|<page>|<highest date_modified_gmt seen>"
    ──GET /wc/v3/orders?modified_after=W&dates_are_gmt=true&orderby=modified&order=asc&page=P&per_page=N
    each order ──GET /wc-shipment-tracking/v3/orders/<id>/shipment-trackings──> embedded trackings
after the last page (X-WP-TotalPages) the cursor becomes the highest modification time seen,
so the next sync asks only for orders modified after it (an empty page ends the run).
"""

from __future__ import annotations

from typing import Any

from services.domain import Order, OrderPage, SkippedRecord, format_utc
from services.sources.http import expect_list
from services.sources.payload import map_each
from services.sources.woocommerce.client import MAX_PAGE, WooCommerceClient
from services.sources.woocommerce.mapper import parse_order

from ..ports import FetchedPage, named
from .base import ClientDelegate

SEPARATOR = "|"
NUMBER_KEYS = ("number", "id")
"""The fields the mapper takes an order number from, in its order (to name a skipped order)."""


def split_cursor(cursor: str | None) -> tuple[str | None, int, str | None]:
    """Return ``(modified_after, page, highest_seen)`` of a cursor."""
    if not cursor:
        return None, 1, None
    parts = cursor.split(SEPARATOR)
    after = parts[0] or None
    page = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) >= 1 else 1
    seen = parts[2] if len(parts) > 2 and parts[2] else None
    return after, page, seen


def _highest(orders: list[Order], *current: str | None) -> str | None:
    stamps = [format_utc(o.updated_at) for o in orders if o.updated_at is not None]
    stamps.extend(c for c in current if c)
    return max(stamps) if stamps else None


class WooCommerceOrderSource(ClientDelegate[WooCommerceClient]):
    """Pages of a store's orders, oldest modification first, mapped to domain orders."""

    def __init__(self, client: WooCommerceClient, *, with_tracking: bool = True, source: str | None = None) -> None:
        """Wrap ``client``; ``source`` (the configured source name) replaces the mapper's kind on each order."""
        super().__init__(client)
        self.with_tracking = with_tracking
        self.source = source

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Fetch and map one page of orders modified after the cursor's watermark."""
        after, page, seen = split_cursor(cursor)
        params: dict[str, Any] = {
            "orderby": "modified",
            "order": "asc",
            "page": page,
            "per_page": max(1, min(limit, MAX_PAGE)),
            "dates_are_gmt": "true",
        }
        if after:
            params["modified_after"] = after.removesuffix("Z")
        response = self.client.request("GET", "/wc/v3/orders", params=params)
        raw_orders = expect_list(self.client.json(response), "woocommerce", "GET /wc/v3/orders")
        if self.with_tracking:
            for raw in raw_orders:
                if isinstance(raw, dict) and "shipment_trackings" not in raw and raw.get("id") is not None:
                    raw["shipment_trackings"] = self.client.shipment_trackings(raw["id"])
        skipped: list[SkippedRecord] = []
        mapped = map_each(
            raw_orders, parse_order, where="woocommerce orders", kind="order", keys=NUMBER_KEYS, skipped=skipped
        )
        orders = named(mapped, self.source)
        highest = _highest(orders, seen, after)
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", "1"))
        except ValueError:
            total_pages = 1
        has_more = bool(raw_orders) and page < total_pages
        if has_more:
            next_cursor = SEPARATOR.join((after or "", str(page + 1), highest or ""))
        else:
            next_cursor = highest or cursor or ""
        result = OrderPage(
            orders=tuple(orders), next_cursor=next_cursor or None, has_more=has_more, skipped=tuple(skipped)
        )
        return FetchedPage(page=result)
