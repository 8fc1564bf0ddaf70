"""Sync: pull sources into the local cache (engine), on a schedule and by push (coordinator)."""

from .engine import SourceRuntime, SyncEngine, SyncReport, TrackingSource

__all__ = ["SourceRuntime", "SyncEngine", "SyncReport", "TrackingSource"]
