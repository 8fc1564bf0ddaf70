"""AfterShip Tracking API client (HTTP only).

    AfterShipClient(api_key, api_version="v4" | "2023-10" | "2025-01" ...)
        iter_tracking_pages() ──GET /trackings (page/limit up to 2023-10, cursor from 2024)──> raw pages
        get_tracking(slug, number) / get_tracking_by_id(id) / create_tracking(...) / last_checkpoint(...)

Auth header ``aftership-api-key`` (v4) or ``as-api-key`` (dated versions). A 429 waits until
``X-RateLimit-Reset`` (AfterShip sends no Retry-After); error envelopes become typed errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from services.domain import SourceError

from ..errors import error_for_code
from ..http import HttpSource, expect_object, sub_list, sub_object

LEGACY_BASE = "https://api.aftership.com/v4"
DATED_BASE = "https://api.aftership.com/tracking/{version}"
MAX_PAGE = 200


class AfterShipClient(HttpSource):
    """Talk to the AfterShip Tracking API with one API key."""

    vendor = "aftership"

    def __init__(self, api_key: str, *, api_version: str = "v4", base_url: str | None = None, **options: Any) -> None:
        self.api_version = api_version
        legacy = api_version == "v4"
        base = base_url or (LEGACY_BASE if legacy else DATED_BASE.format(version=api_version))
        header = "aftership-api-key" if legacy else "as-api-key"
        super().__init__(base, headers={header: api_key, "Content-Type": "application/json"}, **options)

    @property
    def cursor_paging(self) -> bool:
        """Tell whether this API version pages by cursor (2024-xx and later) instead of page numbers."""
        return self.api_version != "v4" and self.api_version >= "2024"

    def error_for_response(self, response: httpx.Response) -> SourceError:
        """Translate an AfterShip ``meta`` error envelope (code + message) into a typed error."""
        try:
            body = response.json()
        except ValueError:
            return super().error_for_response(response)
        meta = body.get("meta") if isinstance(body, dict) else None
        if isinstance(meta, dict):
            code = meta.get("code")
            message = str(meta.get("message") or meta.get("type") or "")
            return error_for_code(self.vendor, response.status_code, code if isinstance(code, int) else None, message)
        return super().error_for_response(response)

    def iter_tracking_pages(self, *, limit: int = 100, **filters: str) -> Iterator[dict[str, Any]]:
        """Yield every page of ``GET /trackings`` (raw envelopes), following the version's pagination."""
        limit = max(1, min(limit, MAX_PAGE))
        page = 1
        cursor: str | None = None
        pages_read = 0
        while True:
            self.page_budget(pages_read, "GET /trackings")
            pages_read += 1
            params: dict[str, str | int] = {**filters, "limit": limit}
            if self.cursor_paging:
                if cursor:
                    params["cursor"] = cursor
            else:
                params["page"] = page
            body = expect_object(self.get_json("/trackings", params=params), self.vendor, "GET /trackings")
            yield body
            data = sub_object(body, "data")
            trackings = sub_list(data, "trackings")
            if self.cursor_paging:
                pagination = sub_object(data, "pagination")
                following = pagination.get("next_cursor")
                cursor = following if isinstance(following, str) else None
                if not pagination.get("has_next_page") or not cursor or not trackings:
                    return
            else:
                count = data.get("count")
                if not trackings or not isinstance(count, int) or page * limit >= count:
                    return
                page += 1

    def get_tracking(self, slug: str, tracking_number: str) -> dict[str, Any]:
        """``GET /trackings/:slug/:tracking_number`` (v4 and 2023-10)."""
        return expect_object(
            self.get_json(f"/trackings/{slug}/{tracking_number}"), self.vendor, "GET /trackings/:slug/:number"
        )

    def get_tracking_by_id(self, tracking_id: str) -> dict[str, Any]:
        """``GET /trackings/:id``."""
        return expect_object(self.get_json(f"/trackings/{tracking_id}"), self.vendor, "GET /trackings/:id")

    def create_tracking(self, tracking_number: str, slug: str | None = None, **fields: Any) -> dict[str, Any]:
        """``POST /trackings``: wrapped in ``tracking`` up to 2023-10, flat from 2024."""
        tracking: dict[str, Any] = {"tracking_number": tracking_number, **fields}
        if slug:
            tracking["slug"] = slug
        body: dict[str, Any] = tracking if self.cursor_paging else {"tracking": tracking}
        return expect_object(self.post_json("/trackings", body), self.vendor, "POST /trackings")

    def last_checkpoint(self, slug: str, tracking_number: str) -> dict[str, Any]:
        """``GET /last_checkpoint/:slug/:tracking_number``."""
        return expect_object(
            self.get_json(f"/last_checkpoint/{slug}/{tracking_number}"), self.vendor, "GET /last_checkpoint"
        )
