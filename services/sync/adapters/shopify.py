"""Shopify Admin REST orders (with fulfillments and their events) as an OrderSource.

    cursor = "<updated_at watermark>" | "<watermark>|<Link rel=next URL>"
        no Link URL ──GET /orders.json?status=any&updated_at_min=W&order=updated_at asc&limit=N
        Link URL    ──GET <page_info URL> (the continuation of the same query)
    each fulfillment ──GET /orders/{id}/fulfillments/{fid}/events.json──> embedded events

The watermark is inclusive, so the last orders of a run come back once more on the next sync; the
engine stops there because the cursor no longer moves (re-storing them changes nothing).
"""

from __future__ import annotations

from typing import Any

import httpx

from services.domain import Order, OrderPage, PayloadError, SkippedRecord, format_utc
from services.sources.http import expect_object, next_link
from services.sources.payload import map_each
from services.sources.shopify.client import MAX_PAGE, ShopifyClient
from services.sources.shopify.mapper import parse_order

from ..ports import FetchedPage, named
from .base import ClientDelegate

SEPARATOR = "|"
NUMBER_KEYS = ("name", "order_number", "id")
"""The fields the mapper takes an order number from, in its order (to name a skipped order)."""


def split_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    """Return ``(watermark, next_url)`` of a cursor."""
    if not cursor:
        return None, None
    watermark, _, url = cursor.partition(SEPARATOR)
    return watermark or None, url or None


def _watermark(orders: list[Order], current: str | None) -> str | None:
    stamps = [format_utc(o.updated_at) for o in orders if o.updated_at is not None]
    if current:
        stamps.append(current)
    return max(stamps) if stamps else None


class ShopifyOrderSource(ClientDelegate[ShopifyClient]):
    """Pages of a shop's orders, oldest change first, mapped to domain orders."""

    def __init__(self, client: ShopifyClient, *, with_events: bool = True, source: str | None = None) -> None:
        """Wrap ``client``; ``source`` (the configured source name) replaces the mapper's kind on each order."""
        super().__init__(client)
        self.with_events = with_events
        self.source = source

    def _same_origin(self, url: str) -> str:
        base, there = httpx.URL(self.client.base_url), httpx.URL(url)
        if (there.scheme, there.host, there.port) != (base.scheme, base.host, base.port):
            raise PayloadError(f"shopify: refusing a next-page link to another host ({there.host})")
        return url

    def _embed_events(self, order: dict[str, Any]) -> None:
        for fulfillment in order.get("fulfillments") or []:
            if isinstance(fulfillment, dict) and "events" not in fulfillment and fulfillment.get("id") is not None:
                fulfillment["events"] = self.client.fulfillment_events(order.get("id", ""), fulfillment["id"])

    def fetch_page(self, cursor: str | None, *, limit: int, etag: str | None) -> FetchedPage:
        """Fetch and map one page of orders changed at or after the cursor's watermark."""
        watermark, url = split_cursor(cursor)
        if url is not None:
            response = self.client.request("GET", self._same_origin(url))
        else:
            params: dict[str, Any] = {"status": "any", "order": "updated_at asc", "limit": max(1, min(limit, MAX_PAGE))}
            if watermark:
                params["updated_at_min"] = watermark
            response = self.client.request("GET", "/orders.json", params=params)
        body = expect_object(self.client.json(response), "shopify", "GET /orders.json")
        raw_orders = body.get("orders")
        if not isinstance(raw_orders, list):
            raise PayloadError("shopify: GET /orders.json: missing field 'orders'")
        if self.with_events:
            for raw in raw_orders:
                if isinstance(raw, dict):
                    self._embed_events(raw)
        skipped: list[SkippedRecord] = []
        mapped = map_each(
            raw_orders, parse_order, where="shopify orders", kind="order", keys=NUMBER_KEYS, skipped=skipped
        )
        orders = named(mapped, self.source)
        new_mark = _watermark(orders, watermark)
        following = next_link(response)
        next_cursor = new_mark or ""
        if following:
            next_cursor = f"{next_cursor}{SEPARATOR}{self._same_origin(following)}"
        page = OrderPage(
            orders=tuple(orders), next_cursor=next_cursor or None, has_more=bool(following), skipped=tuple(skipped)
        )
        return FetchedPage(page=page)
