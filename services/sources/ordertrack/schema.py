"""Payload types of the backend API (``/v1/orders``, ``/v1/stream``)."""

from __future__ import annotations

from typing import Any, TypedDict


class OrdersPagePayload(TypedDict):
    """``GET /v1/orders`` response body."""

    orders: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


class StreamEventPayload(TypedDict, total=False):
    """``data:`` of a ``/v1/stream`` Server-Sent Event."""

    order_number: str
    tracking_number: str
    event: dict[str, Any]
    updated_at: str
