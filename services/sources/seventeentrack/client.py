"""17TRACK Tracking API v2.x client (HTTP only).

    SeventeenTrackClient(api_key)
        register(numbers) / get_track_info(numbers) / stop_tracking(numbers)
            ──POST <endpoint> with JSON arrays of at most 40 numbers each──> one merged
              {"code": 0, "data": {"accepted": [...], "rejected": [...]}}
        iter_track_list(**filters) ──POST gettracklist, page_no 1..page_total──> raw pages

Auth header ``17token``. 17TRACK sends no rate-limit headers, so 429 backs off exponentially; an
error ``code`` in a 200 answer becomes AuthError (bad key / IP), RateLimitedError (quota) or VendorError.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from services.domain import RateLimitedError

from ..errors import VendorError, error_for_code
from ..http import HttpSource, expect_object, sub_list, sub_object
from .status_map import AUTH_ERRORS, QUOTA_ERRORS

BASE = "https://api.17track.net/track/{version}"
BATCH_LIMIT = 40
"""17TRACK accepts at most 40 numbers per call."""

Number = str | tuple[str, int]
"""A tracking number, optionally with its 17TRACK carrier id."""


def _item(number: Number) -> dict[str, Any]:
    if isinstance(number, tuple):
        return {"number": number[0], "carrier": number[1]}
    return {"number": number}


class SeventeenTrackClient(HttpSource):
    """Talk to the 17TRACK v2.x Tracking API with one API key."""

    vendor = "17track"

    def __init__(self, api_key: str, *, api_version: str = "v2.2", base_url: str | None = None, **options: Any) -> None:
        super().__init__(
            base_url or BASE.format(version=api_version),
            headers={"17token": api_key, "Content-Type": "application/json"},
            **options,
        )

    def _check(self, body: dict[str, Any], endpoint: str) -> dict[str, Any]:
        code = body.get("code")
        if code in (0, None):
            return body
        errors = sub_list(sub_object(body, "data"), "errors")
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        message = f"{first.get('message') or 'error'} (code {code}) on {endpoint}"
        if code in AUTH_ERRORS:
            raise error_for_code(self.vendor, 401, code, message)
        if code in QUOTA_ERRORS:
            raise RateLimitedError(f"{self.vendor}: {message}")
        raise VendorError(f"{self.vendor}: {message}", vendor=self.vendor, code=code)

    def call(self, endpoint: str, body: object) -> dict[str, Any]:
        """POST one JSON body to ``endpoint`` and return the checked envelope."""
        answer = expect_object(self.post_json(f"/{endpoint}", body), self.vendor, endpoint)
        return self._check(answer, endpoint)

    def batched(self, endpoint: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """POST ``items`` in chunks of 40 and merge the answers' ``accepted``/``rejected`` lists."""
        accepted: list[Any] = []
        rejected: list[Any] = []
        for start in range(0, len(items), BATCH_LIMIT):
            answer = self.call(endpoint, list(items[start : start + BATCH_LIMIT]))
            data = sub_object(answer, "data")
            accepted.extend(sub_list(data, "accepted"))
            rejected.extend(sub_list(data, "rejected"))
        return {"code": 0, "data": {"accepted": accepted, "rejected": rejected}}

    def register(self, numbers: Sequence[Number]) -> dict[str, Any]:
        """Register numbers for tracking (auto-detecting the carrier when no id is given)."""
        items = [{**_item(n), **({} if isinstance(n, tuple) else {"auto_detection": True})} for n in numbers]
        return self.batched("register", items)

    def get_track_info(self, numbers: Sequence[Number]) -> dict[str, Any]:
        """Fetch the tracking info of registered numbers (``gettrackinfo``)."""
        return self.batched("gettrackinfo", [_item(n) for n in numbers])

    def stop_tracking(self, numbers: Sequence[Number]) -> dict[str, Any]:
        """Stop tracking numbers (``stoptrack``)."""
        return self.batched("stoptrack", [_item(n) for n in numbers])

    def iter_track_list(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Yield every page of ``gettracklist`` (1-based ``page_no``, fixed page size 40)."""
        page = 1
        while True:
            self.page_budget(page - 1, "gettracklist")
            answer = self.call("gettracklist", {**filters, "page_no": page})
            yield answer
            data = sub_object(answer, "data")
            page_info = sub_object(data, "page") or data
            total = page_info.get("page_total")
            if not isinstance(total, int) or page >= total:
                return
            page += 1
