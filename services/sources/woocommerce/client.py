"""WooCommerce REST v3 client (HTTP only).

    WooCommerceClient(site_url, consumer_key, consumer_secret)
        iter_order_pages(with_tracking=...) ──GET /wc/v3/orders?page&per_page until X-WP-TotalPages──> raw pages
            with_tracking: each order gets ``shipment_trackings`` from the Shipment Tracking extension
            (GET /wc-shipment-tracking/v3/orders/<id>/shipment-trackings; absent extension -> none)
        get_order(id) / shipment_trackings(order_id)

HTTP Basic auth with the consumer key and secret (HTTPS). Core WooCommerce has no rate limit; a
host's 429 honours Retry-After.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import VendorError
from ..http import HttpSource, expect_list, expect_object

MAX_PAGE = 100


class WooCommerceClient(HttpSource):
    """Talk to one WooCommerce store's REST API."""

    vendor = "woocommerce"

    def __init__(self, site_url: str, consumer_key: str, consumer_secret: str, **options: Any) -> None:
        super().__init__(f"{site_url.rstrip('/')}/wp-json", auth=(consumer_key, consumer_secret), **options)
        self._tracking_available = True

    def shipment_trackings(self, order_id: int | str) -> list[Any]:
        """Return the order's Shipment Tracking items ([] when the extension is not installed)."""
        if not self._tracking_available:
            return []
        try:
            body = self.get_json(f"/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings")
        except VendorError as err:
            if err.code == 404:
                self._tracking_available = False
                return []
            raise
        return expect_list(body, self.vendor, "GET shipment-trackings")

    def _embed(self, order: dict[str, Any]) -> None:
        if "shipment_trackings" not in order and order.get("id") is not None:
            order["shipment_trackings"] = self.shipment_trackings(order["id"])

    def iter_order_pages(
        self, *, per_page: int = MAX_PAGE, with_tracking: bool = False, **filters: Any
    ) -> Iterator[list[Any]]:
        """Yield every page of ``GET /wc/v3/orders`` (a JSON array each)."""
        page = 1
        while True:
            self.page_budget(page - 1, "GET /wc/v3/orders")
            params = {**filters, "page": page, "per_page": max(1, min(per_page, MAX_PAGE))}
            response = self.request("GET", "/wc/v3/orders", params=params)
            orders = expect_list(self.json(response), self.vendor, "GET /wc/v3/orders")
            if with_tracking:
                for order in orders:
                    if isinstance(order, dict):
                        self._embed(order)
            yield orders
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages", "0"))
            except ValueError:
                total_pages = 0
            if not orders or page >= total_pages:
                return
            page += 1

    def get_order(self, order_id: int | str, *, with_tracking: bool = False) -> dict[str, Any]:
        """``GET /wc/v3/orders/<id>``."""
        order = expect_object(self.get_json(f"/wc/v3/orders/{order_id}"), self.vendor, "GET /wc/v3/orders/<id>")
        if with_tracking:
            self._embed(order)
        return order
