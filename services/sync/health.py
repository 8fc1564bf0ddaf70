"""Source health for people: healthy, stale since T, or failing with a reason (from ``SyncState``).

The engine records failures (``last_error``, ``stale_since`` = the last time data was complete);
this module turns the rows into one verdict per source, including "stale" for a source that
simply has not been synced for a while (nothing failed, but nothing ran either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.domain import SyncHealth, SyncState, format_utc, sync_health
from services.storage import Store

from .engine import STREAM_SUFFIX, is_internal_state

STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's verdict: ``healthy``, ``stale``, ``failing`` or ``never`` (synced)."""

    source: str
    state: SyncHealth
    since: datetime | None
    """Stale or failing since when (the last complete sync), None when healthy."""
    reason: str | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    stream_position: str | None = None
    stream_error: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """Return the verdict as JSON (times in UTC with Z)."""
        return {
            "source": self.source,
            "health": self.state.value,
            "since": format_utc(self.since) if self.since else None,
            "reason": self.reason,
            "last_success_at": format_utc(self.last_success_at) if self.last_success_at else None,
            "last_attempt_at": format_utc(self.last_attempt_at) if self.last_attempt_at else None,
            "stream_last_event_id": self.stream_position,
            "stream_error": self.stream_error,
        }

    def describe(self) -> str:
        """Return the verdict as one line of text."""
        if self.state is SyncHealth.FAILING:
            since = f" (stale since {format_utc(self.since)})" if self.since else ""
            return f"failing: {self.reason}{since}"
        if self.state is SyncHealth.STALE:
            return f"stale since {format_utc(self.since)}" if self.since else "stale"
        return self.state.value


def source_health(
    state: SyncState, now: datetime, *, stale_after: timedelta = STALE_AFTER, stream: SyncState | None = None
) -> SourceHealth:
    """Return the verdict for one source's sync state at ``now``."""
    verdict = sync_health(state.last_success_at, state.last_error, now, stale_after)
    since, reason = None, None
    if verdict is SyncHealth.FAILING:
        since, reason = state.stale_since or state.last_success_at, state.last_error
    elif verdict is SyncHealth.STALE:
        since, reason = state.last_success_at, "no sync for a while"
    return SourceHealth(
        source=state.source,
        state=verdict,
        since=since,
        reason=reason,
        last_success_at=state.last_success_at,
        last_attempt_at=state.last_attempt_at,
        stream_position=stream.cursor if stream is not None else None,
        stream_error=stream.last_error if stream is not None else None,
    )


def health_report(
    store: Store, now: datetime, *, names: list[str] | None = None, stale_after: timedelta = STALE_AFTER
) -> list[SourceHealth]:
    """Return the verdict of every source with sync state (plus ``names`` that never synced), by name."""
    rows = {s.source: s for s in store.sync_state.all()}
    wanted = sorted({n for n in rows if not is_internal_state(n)} | set(names or ()))
    return [
        source_health(
            rows.get(name, SyncState(name)), now, stale_after=stale_after, stream=rows.get(name + STREAM_SUFFIX)
        )
        for name in wanted
    ]
