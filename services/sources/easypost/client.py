"""EasyPost client (HTTP only).

    EasyPostClient(api_key)
        iter_tracker_pages() ──GET /trackers?page_size&before_id=<last id> while has_more──> raw pages
        get_tracker(id) / create_tracker(tracking_code, carrier)

HTTP Basic auth with the API key as user name. EasyPost sends no rate-limit headers: 429 backs off
exponentially (5 req/s on list endpoints).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from services.domain import SourceError

from ..errors import error_for_code
from ..http import HttpSource, expect_object, sub_list

BASE = "https://api.easypost.com/v2"
MAX_PAGE = 100


class EasyPostClient(HttpSource):
    """Talk to EasyPost with one API key."""

    vendor = "easypost"

    def __init__(self, api_key: str, *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(base_url or BASE, auth=(api_key, ""), **options)

    def error_for_response(self, response: httpx.Response) -> SourceError:
        """Translate EasyPost's ``{"error": {"code", "message"}}`` envelope."""
        try:
            body = response.json()
        except ValueError:
            return super().error_for_response(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return error_for_code(
                self.vendor, response.status_code, str(error.get("code") or ""), str(error.get("message") or "")
            )
        return super().error_for_response(response)

    def iter_tracker_pages(self, *, page_size: int = MAX_PAGE, **filters: Any) -> Iterator[dict[str, Any]]:
        """Yield every page of ``GET /trackers`` (newest first), paging with ``before_id``."""
        params: dict[str, Any] = {**filters, "page_size": max(1, min(page_size, MAX_PAGE))}
        pages_read = 0
        while True:
            self.page_budget(pages_read, "GET /trackers")
            pages_read += 1
            body = expect_object(self.get_json("/trackers", params=params), self.vendor, "GET /trackers")
            yield body
            trackers = sub_list(body, "trackers")
            last = trackers[-1] if trackers and isinstance(trackers[-1], dict) else {}
            if not body.get("has_more") or not isinstance(last.get("id"), str):
                return
            params["before_id"] = last["id"]

    def get_tracker(self, tracker_id: str) -> dict[str, Any]:
        """``GET /trackers/:id``."""
        return expect_object(self.get_json(f"/trackers/{tracker_id}"), self.vendor, "GET /trackers/:id")

    def create_tracker(self, tracking_code: str, carrier: str | None = None) -> dict[str, Any]:
        """``POST /trackers`` (an existing tracker for the same code and carrier is returned as is)."""
        tracker: dict[str, Any] = {"tracking_code": tracking_code}
        if carrier:
            tracker["carrier"] = carrier
        return expect_object(self.post_json("/trackers", {"tracker": tracker}), self.vendor, "POST /trackers")
