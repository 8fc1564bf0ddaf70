"""The app's own metrics, kept on this device: what customers do to help themselves, and whether it helped.

    AppState ──(off the UI loop)──▶ UsageRepository.record(kind, at, order_number, detail)   one small INSERT
                                    UsageRepository.record_feedback(helpful, at, ...)        one small INSERT
    ordertrack stats ─────────────▶ UsageRepository.summary(since) -> SelfServiceSummary    one read snapshot

Nothing leaves the device and nothing secret is stored: a row holds a time, a kind, at most an
order number that is already in the cache, and a short non-personal detail (``found`` / ``none``
for searches, a carrier slug, an export format). Search texts are never stored. The tables are
the customer's metrics, not cache: ``Store.clear_cache()`` keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from .convert import opt_ts, ts
from .tables import feedback, usage_events

if TYPE_CHECKING:
    from .store import Store

SESSION_STARTED = "session_started"
ORDER_OPENED = "order_opened"
SEARCH = "search"
TRACKING_LINK_OPENED = "tracking_link_opened"
TRACKING_NUMBER_COPIED = "tracking_number_copied"
EXPORT = "export"

USAGE_KINDS = frozenset({SESSION_STARTED, ORDER_OPENED, SEARCH, TRACKING_LINK_OPENED, TRACKING_NUMBER_COPIED, EXPORT})
"""The usage events the app records."""

SEARCH_FOUND, SEARCH_NONE = "found", "none"
"""The ``detail`` of a ``search`` event: whether the settled search listed at least one order."""

_DETAIL_MAX = 100
_NUMBER_MAX = 100


def _pct(part: int, whole: int) -> float | None:
    """Return ``part`` as a percentage of ``whole`` (0.1 precision); None when ``whole`` is 0."""
    return None if whole == 0 else round(100.0 * part / whole, 1)


@dataclass(frozen=True, slots=True)
class SelfServiceSummary:
    """Self-service figures and satisfaction over the recorded usage (since an instant, or all of it)."""

    since: datetime | None
    sessions: int
    orders_opened: int
    distinct_orders_opened: int
    searches: int
    searches_found: int
    tracking_links_opened: int
    tracking_numbers_copied: int
    exports: int
    feedback_yes: int
    feedback_no: int
    orders_opened_without_no: int
    """Distinct orders opened that got no "No, this did not answer my question" in the period."""

    @property
    def answers(self) -> int:
        """Return how many "Did this page answer your question?" answers there are."""
        return self.feedback_yes + self.feedback_no

    @property
    def search_found_pct(self) -> float | None:
        """Return the share of settled searches that listed at least one order (None: no search)."""
        return _pct(self.searches_found, self.searches)

    @property
    def resolution_pct(self) -> float | None:
        """Return the self-service resolution rate: share of answers "Yes, this answered my question"."""
        return _pct(self.feedback_yes, self.answers)

    @property
    def opened_without_no_pct(self) -> float | None:
        """Return the share of distinct orders opened without a follow-up "No" (None: none opened)."""
        return _pct(self.orders_opened_without_no, self.distinct_orders_opened)

    @property
    def csat_pct(self) -> float | None:
        """Return satisfaction (CSAT): yes / (yes + no) in percent; None when nobody answered."""
        return _pct(self.feedback_yes, self.answers)

    def as_json(self) -> dict[str, Any]:
        """Return the summary as the ``self_service`` object ``ordertrack stats`` prints."""
        return {
            "since": opt_ts(self.since),
            "sessions": self.sessions,
            "orders_opened": self.orders_opened,
            "distinct_orders_opened": self.distinct_orders_opened,
            "searches": self.searches,
            "searches_found": self.searches_found,
            "search_found_pct": self.search_found_pct,
            "tracking_links_opened": self.tracking_links_opened,
            "tracking_numbers_copied": self.tracking_numbers_copied,
            "exports": self.exports,
            "feedback": {"yes": self.feedback_yes, "no": self.feedback_no, "answers": self.answers},
            "resolution_pct": self.resolution_pct,
            "orders_opened_without_no": self.orders_opened_without_no,
            "opened_without_no_pct": self.opened_without_no_pct,
            "csat_pct": self.csat_pct,
        }


class UsageRepository:
    """Records usage events and feedback answers (one small INSERT each) and summarizes them."""

    def __init__(self, store: Store) -> None:
        self._reading = store.reading  # the Store's public read-snapshot seam
        self._transaction = store.transaction

    def record(self, kind: str, at: datetime, order_number: str | None = None, detail: str | None = None) -> None:
        """Store one usage event (ValueError for an unknown ``kind``); blocking: call it off the UI loop."""
        if kind not in USAGE_KINDS:
            raise ValueError(f"unknown usage event {kind!r}")
        row = {
            "at": ts(at),
            "kind": kind,
            "order_number": order_number[:_NUMBER_MAX] if order_number else None,
            "detail": detail[:_DETAIL_MAX] if detail else None,
        }
        with self._transaction() as uow:
            uow.execute(usage_events.insert().values(**row))

    def record_feedback(
        self, helpful: bool, at: datetime, order_number: str | None = None, screen: str = "order"
    ) -> None:
        """Store one "Did this page answer your question?" answer; blocking: call it off the UI loop."""
        row = {
            "at": ts(at),
            "order_number": order_number[:_NUMBER_MAX] if order_number else None,
            "helpful": bool(helpful),
            "screen": screen[:30],
        }
        with self._transaction() as uow:
            uow.execute(feedback.insert().values(**row))

    def summary(self, since: datetime | None = None) -> SelfServiceSummary:
        """Return the self-service figures and satisfaction of everything recorded at or after ``since``."""
        ue, fb = usage_events, feedback
        in_events = ue.c.at >= ts(since) if since is not None else None
        in_feedback = fb.c.at >= ts(since) if since is not None else None

        by_kind = select(ue.c.kind, func.count()).group_by(ue.c.kind)
        found = select(func.count()).where(ue.c.kind == SEARCH, ue.c.detail == SEARCH_FOUND)
        opened = ue.c.kind == ORDER_OPENED
        distinct = select(func.count(ue.c.order_number.distinct())).where(opened)
        answered_no = [fb.c.order_number == ue.c.order_number, fb.c.helpful.is_(False)]
        answers = select(fb.c.helpful, func.count()).group_by(fb.c.helpful)
        if in_events is not None and in_feedback is not None:
            by_kind = by_kind.where(in_events)
            found = found.where(in_events)
            distinct = distinct.where(in_events)
            answered_no.append(in_feedback)
            answers = answers.where(in_feedback)
        without_no = distinct.where(~exists().where(and_(*answered_no)))

        with self._reading() as conn:  # one snapshot: the figures agree with each other
            counts = {str(kind): int(n) for kind, n in conn.execute(by_kind)}
            searches_found = int(conn.execute(found).scalar_one())
            distinct_opened = int(conn.execute(distinct).scalar_one())
            opened_without_no = int(conn.execute(without_no).scalar_one())
            votes = {bool(helpful): int(n) for helpful, n in conn.execute(answers)}
        return SelfServiceSummary(
            since=since,
            sessions=counts.get(SESSION_STARTED, 0),
            orders_opened=counts.get(ORDER_OPENED, 0),
            distinct_orders_opened=distinct_opened,
            searches=counts.get(SEARCH, 0),
            searches_found=searches_found,
            tracking_links_opened=counts.get(TRACKING_LINK_OPENED, 0),
            tracking_numbers_copied=counts.get(TRACKING_NUMBER_COPIED, 0),
            exports=counts.get(EXPORT, 0),
            feedback_yes=votes.get(True, 0),
            feedback_no=votes.get(False, 0),
            orders_opened_without_no=opened_without_no,
        )
