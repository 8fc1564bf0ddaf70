"""Sync: pull sources into the local cache (engine), on a schedule and by push (coordinator)."""

from .engine import SourceRuntime, SyncEngine, SyncReport, is_internal_state
from .ports import ChangeListener, FetchedPage, OrderSource, TrackingSource

__all__ = [
    "ChangeListener",
    "FetchedPage",
    "OrderSource",
    "SourceRuntime",
    "SyncEngine",
    "SyncReport",
    "TrackingSource",
    "is_internal_state",
]
