"""Shared pieces of the tracking adapters: per-record error isolation and page-number cursors.

A tracking that does not fit the domain (a year-9999 scan, a NaN amount...) is a ``SkippedRecord``
collected on the adapter; the engine takes them after each call (``take_skipped``) and logs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from services.domain import Shipment, SkippedRecord, ValidationError
from services.sources.errors import VendorError
from services.sources.http import HttpSource
from services.sources.payload import Normalized

log = logging.getLogger(__name__)

C = TypeVar("C", bound=HttpSource)
T = TypeVar("T")


class ClientDelegate(Generic[C]):
    """A source over one vendor client: request counting and closing delegate to it."""

    def __init__(self, client: C) -> None:
        self.client = client

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests the client sent."""
        return self.client.requests_sent

    def close(self) -> None:
        """Close the client."""
        self.client.close()


class ClientBacked(ClientDelegate[C]):
    """A tracking adapter over one vendor client, collecting the records that did not fit."""

    def __init__(self, client: C) -> None:
        super().__init__(client)
        self.skipped: list[SkippedRecord] = []
        """Records mapped since the last ``take_skipped`` that did not fit (filled by the mappers)."""

    def take_skipped(self) -> list[SkippedRecord]:
        """Return and forget the records skipped since the last call."""
        taken, self.skipped = self.skipped, []
        return taken


def shipments_of(result: Normalized) -> list[Shipment]:
    """Return the Shipments of a mapper result (an order payload gives none)."""
    kind, items = result
    return [s for s in items if isinstance(s, Shipment)] if kind == "shipments" else []


def each_known(
    vendor: str,
    wanted: Iterable[tuple[str, str]],
    fetch: Callable[[str, str], list[Shipment]],
    skipped: list[SkippedRecord] | None = None,
) -> list[Shipment]:
    """Fetch ``(carrier, number)`` pairs one by one; a number the vendor rejects is skipped, not fatal.

    A tracking that does not fit the domain goes to ``skipped`` (when given) and the next number is
    fetched. Auth, rate-limit and outage errors still propagate: they concern the whole source.
    """
    out: list[Shipment] = []
    for carrier, number in wanted:
        try:
            out.extend(fetch(carrier, number))
        except VendorError as err:
            log.info("%s: no tracking for %s (%s)", vendor, number, err.code)
        except ValidationError as err:
            if skipped is None:
                raise
            skipped.append(SkippedRecord(kind="shipment", key=number, reason=err.message))
    return out


class PageCursors:
    """Remember the vendor cursor that starts each page number (for cursor-paged list APIs).

    The engine resumes a back-fill by page number; a page whose cursor is unknown (after a restart)
    is reached again from the first page.
    """

    def __init__(self) -> None:
        self._cursors: dict[int, str | None] = {1: None}

    def known(self, page: int) -> bool:
        """Tell whether the cursor of ``page`` is known."""
        return page in self._cursors

    def start_of(self, page: int) -> str | None:
        """Return the cursor that starts ``page`` (None for the first page)."""
        return self._cursors.get(page)

    def highest_known(self, page: int) -> int:
        """Return the highest page not after ``page`` whose cursor is known."""
        return max(p for p in self._cursors if p <= page)

    def remember(self, page: int, cursor: str) -> None:
        """Record the cursor that starts ``page``."""
        self._cursors[page] = cursor

    def walk(self, page: int, fetch: Callable[[str | None], tuple[T, str | None]]) -> tuple[T | None, bool]:
        """Reach ``page`` from the nearest page whose cursor is known, one request a page.

        ``fetch(cursor)`` reads the page that cursor starts and returns its body and the cursor of the
        next page (None: no more pages). Returns the body of ``page`` (None when the list ended before
        it) and whether more pages follow it.
        """
        current = self.highest_known(page)
        while True:
            body, following = fetch(self.start_of(current))
            if following is not None:
                self.remember(current + 1, following)
            if current >= page or following is None:
                return (body if current == page else None), following is not None and current == page
            current += 1
