"""Shopify Admin REST client (HTTP only).

    ShopifyClient(shop, access_token, api_version="2026-07")
        iter_order_pages(with_events=...) ──GET /orders.json, following Link rel="next"──> raw pages
            with_events: each fulfillment gets its ``events`` from
            GET /orders/{id}/fulfillments/{fid}/events.json (REST serves them separately)
        get_order(id) / fulfillment_events(order_id, fulfillment_id)

Header ``X-Shopify-Access-Token``. The REST bucket (40, leaking 2/s) answers 429 with Retry-After,
which is honoured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..http import HttpSource, expect_object, next_link

API_VERSION = "2026-07"
MAX_PAGE = 250


def admin_base(shop: str, api_version: str) -> str:
    """Return the Admin API base URL for a shop domain (``x.myshopify.com``) or a full URL."""
    root = shop if shop.startswith(("http://", "https://")) else f"https://{shop}"
    return f"{root.rstrip('/')}/admin/api/{api_version}"


class ShopifyClient(HttpSource):
    """Talk to one shop's Admin REST API with an access token."""

    vendor = "shopify"

    def __init__(self, shop: str, access_token: str, *, api_version: str = API_VERSION, **options: Any) -> None:
        super().__init__(
            admin_base(shop, api_version),
            headers={"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"},
            **options,
        )

    def fulfillment_events(self, order_id: int | str, fulfillment_id: int | str) -> list[Any]:
        """``GET /orders/{id}/fulfillments/{fid}/events.json``."""
        body = expect_object(
            self.get_json(f"/orders/{order_id}/fulfillments/{fulfillment_id}/events.json"),
            self.vendor,
            "GET fulfillment events",
        )
        events = body.get("fulfillment_events")
        return events if isinstance(events, list) else []

    def _embed_events(self, order: dict[str, Any]) -> None:
        for fulfillment in order.get("fulfillments") or []:
            if isinstance(fulfillment, dict) and "events" not in fulfillment and fulfillment.get("id") is not None:
                fulfillment["events"] = self.fulfillment_events(order.get("id", ""), fulfillment["id"])

    def iter_order_pages(
        self, *, limit: int = MAX_PAGE, with_events: bool = False, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield every page of ``GET /orders.json`` (``status=any`` unless filtered), cursor via Link."""
        params: dict[str, Any] | None = {"status": "any", **filters, "limit": max(1, min(limit, MAX_PAGE))}
        url: str | None = "/orders.json"
        pages_read = 0
        while url:
            self.page_budget(pages_read, "GET /orders.json")
            pages_read += 1
            response = self.request("GET", url, params=params)
            body = expect_object(self.json(response), self.vendor, "GET /orders.json")
            if with_events:
                for order in body.get("orders") or []:
                    if isinstance(order, dict):
                        self._embed_events(order)
            yield body
            url, params = next_link(response), None  # page_info URLs carry their own query

    def get_order(self, order_id: int | str, *, with_events: bool = False) -> dict[str, Any]:
        """``GET /orders/{id}.json`` (optionally with each fulfillment's events embedded)."""
        body = expect_object(self.get_json(f"/orders/{order_id}.json"), self.vendor, "GET /orders/{id}.json")
        order = body.get("order")
        if with_events and isinstance(order, dict):
            self._embed_events(order)
        return body
