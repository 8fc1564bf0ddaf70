"""What the cache tells about the sync before this process synced: the first status line of every session."""

from __future__ import annotations

from collections.abc import Iterable

from services.domain import SyncInfo, SyncPhase, SyncState

from .ports import OrdersGateway


def initial_sync_info(gateway: OrdersGateway, *, is_demo: bool) -> SyncInfo:
    """Describe the cache before this process synced: last success and any standing failure."""
    states: Iterable[SyncState] = gateway.sync_states()
    failing = [s for s in states if s.last_error]
    last = gateway.last_synced_at()
    if failing:
        stale = min((s.stale_since for s in failing if s.stale_since), default=None)
        return SyncInfo(
            phase=SyncPhase.FAILING,
            last_synced_at=last,
            error="; ".join(f"{s.source}: {s.last_error}" for s in failing),
            stale_since=stale,
            is_demo=is_demo,
        )
    return SyncInfo(phase=SyncPhase.UP_TO_DATE if last else SyncPhase.NEVER, last_synced_at=last, is_demo=is_demo)
