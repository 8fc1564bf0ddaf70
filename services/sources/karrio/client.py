"""Karrio client (HTTP only) for a self-hosted or cloud Karrio server.

    KarrioClient(base_url, api_key)
        iter_tracker_pages() ──GET /v1/trackers?limit&offset, following "next"──> raw pages
        get_tracker(id_or_number) / create_tracker(number, carrier_name) / track(numbers, carrier_name)

Header ``Authorization: Token <key>``. DRF throttling answers 429 with Retry-After, which is honoured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from ..http import HttpSource, expect_object, sub_list

MAX_PAGE = 100


class KarrioClient(HttpSource):
    """Talk to a Karrio server with one API key."""

    vendor = "karrio"

    def __init__(self, base_url: str, api_key: str, **options: Any) -> None:
        super().__init__(base_url, headers={"Authorization": f"Token {api_key}"}, **options)

    def iter_tracker_pages(self, *, limit: int = 50, **filters: Any) -> Iterator[dict[str, Any]]:
        """Yield every page of ``GET /v1/trackers`` (limit/offset pagination via ``next``)."""
        url: str | None = "/v1/trackers"
        params: dict[str, Any] | None = {**filters, "limit": max(1, min(limit, MAX_PAGE)), "offset": 0}
        pages_read = 0
        while url:
            self.page_budget(pages_read, "GET /v1/trackers")
            pages_read += 1
            body = expect_object(self.get_json(url, params=params), self.vendor, "GET /v1/trackers")
            yield body
            results = sub_list(body, "results")
            following = body.get("next")
            url = following if isinstance(following, str) and following and results else None
            params = None  # the "next" URL carries the query

    def get_tracker(self, id_or_number: str) -> dict[str, Any]:
        """``GET /v1/trackers/{id_or_tracking_number}``."""
        return expect_object(
            self.get_json(f"/v1/trackers/{quote(id_or_number, safe='')}"), self.vendor, "GET /v1/trackers/:id"
        )

    def create_tracker(self, tracking_number: str, carrier_name: str) -> dict[str, Any]:
        """``POST /v1/trackers`` (202 Accepted with the tracker)."""
        body = {"tracking_number": tracking_number, "carrier_name": carrier_name}
        return expect_object(self.post_json("/v1/trackers", body), self.vendor, "POST /v1/trackers")

    def track(self, tracking_numbers: Sequence[str], carrier_name: str) -> dict[str, Any]:
        """``POST /v1/proxy/tracking``: stateless tracking, per-number errors in ``messages``."""
        body = {"tracking_numbers": list(tracking_numbers), "carrier_name": carrier_name}
        return expect_object(self.post_json("/v1/proxy/tracking", body), self.vendor, "POST /v1/proxy/tracking")
