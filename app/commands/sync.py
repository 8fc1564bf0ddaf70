"""`ordertrack sync`: pull every source (or one) into the local cache, once or ``--follow``."""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from services.domain import ChangeSet, format_utc, utc_now
from services.sync import SyncReport
from services.sync.coordinator import SyncCoordinator

from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError, open_container, print_json, seconds

if TYPE_CHECKING:
    from app.container import AppContainer

ORDER = 40
PAGE_SIZE_ENV = "ORDERTRACK_SYNC_PAGE_SIZE"
"""Orders per page request (tests use small pages to make many transactions)."""
INTERVAL_ENV = "ORDERTRACK_SYNC_INTERVAL"
"""Requested polling interval in seconds; each source kind's floor still applies."""

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `sync` command."""
    sync = sub.add_parser("sync", help="sync sources into the local cache")
    sync.add_argument("--source", default=None, help="only this source")
    sync.add_argument("--format", choices=("table", "json"), default="table")
    sync.add_argument(
        "--follow", action="store_true", help="keep syncing live (push + polling) until Ctrl+C or SIGTERM"
    )
    sync.add_argument(
        "--interval",
        type=seconds(1, MAX_INTERVAL),
        default=None,
        help="polling interval in seconds, up to a day (never below the source's floor)",
    )
    sync.set_defaults(func=cmd_sync)


MAX_INTERVAL = 86_400.0
"""Longest polling interval in seconds (a day); also the bound of ``--interval``."""
MAX_PAGE_SIZE = 10_000
"""Most orders one page request may ask for."""


def _env_number(name: str, high: float) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    try:
        value = float(raw)
    except ValueError as err:
        raise CliError(f"{name} must be a number, got {shown!r}", EXIT_USAGE) from err
    if not math.isfinite(value) or value <= 0 or value > high:
        raise CliError(f"{name} must be a number above 0 and at most {high:g}, got {shown!r}", EXIT_USAGE)
    return value


def _batch_line(source: str, changes: ChangeSet) -> str:
    line = (
        f"{format_utc(utc_now())} {source}: {len(changes.new_orders)} new orders, "
        f"{len(changes.changed_orders)} changed, {len(changes.new_events)} new events"
    )
    if len(changes.new_events) == 1:
        ev = changes.new_events[0]
        line += f" ({ev.tracking_number} {ev.event.status.value}: {ev.event.description})"
    return line


def follow(container: AppContainer, source: str | None, interval: float | None) -> int:
    """Run the coordinator (push + polling) until SIGINT/SIGTERM; print one line per change batch."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    out_lock = threading.Lock()

    def say(line: str, *, err: bool = False) -> None:
        with out_lock:
            print(line, file=sys.stderr if err else sys.stdout, flush=True)

    try:
        engine = container.engine(source)
        page_size = _env_number(PAGE_SIZE_ENV, MAX_PAGE_SIZE)
        if page_size is not None:
            engine.page_size = max(int(page_size), 1)
        engine.listeners.append(lambda name, changes: say(_batch_line(name, changes)))
        coordinator = SyncCoordinator(engine, interval=interval or _env_number(INTERVAL_ENV, MAX_INTERVAL))
        failing: set[str] = set()

        def on_report(report: SyncReport) -> None:
            if report.error and report.source not in failing:
                failing.add(report.source)
                say(f"ordertrack: sync of {report.source} failing: {report.error} (cached data kept)", err=True)
            elif not report.error and report.source in failing:
                failing.discard(report.source)
                say(f"{format_utc(utc_now())} {report.source}: recovered")

        coordinator.on_report = on_report

        def on_push_status(name: str, live: bool, reason: str | None) -> None:
            if not live and reason:  # once per change of reason (the listener reports changes only)
                say(f"ordertrack: push stream of {name} down: {reason} (polling meanwhile)", err=True)

        coordinator.on_push_status = on_push_status
        if container.is_demo:
            say("Demo data: no source configured, following the embedded demo backend.")
        names = ", ".join(s.config.name for s in engine.sources)
        say(f"Following {names or 'no sources'} (push + polling); Ctrl+C to stop.")
        coordinator.start()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            coordinator.close()
        left = coordinator.threads_alive()
        if left:
            log.warning("sync threads still running at exit: %s", ", ".join(left))
        say("Stopped.")
        return EXIT_OK
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync once and report what changed (or follow live with ``--follow``)."""
    container = open_container()
    try:
        if args.follow:
            return follow(container, args.source, args.interval)
        reports = container.sync_once(args.source)
        failed = [r for r in reports if r.error]
        if args.format == "json":
            print_json(
                {
                    "demo": container.is_demo,
                    "sources": [
                        {
                            "source": r.source,
                            "ok": r.error is None,
                            "error": r.error,
                            "not_modified": r.not_modified,
                            "orders_seen": r.orders_seen,
                            "new_orders": len(r.changes.new_orders),
                            "changed_orders": len(r.changes.changed_orders),
                            "new_events": len(r.changes.new_events),
                            "requests": r.requests,
                            "skipped": r.skipped,
                            "finished_at": format_utc(r.finished_at) if r.finished_at else None,
                        }
                        for r in reports
                    ],
                }
            )
        else:
            if container.is_demo:
                print("Demo data: no source configured, synced from the embedded demo backend.")
            for r in reports:
                if r.error:
                    print(f"{r.source}: FAILED — {r.error} (cached data kept)")
                elif r.not_modified:
                    print(f"{r.source}: up to date (not modified)")
                else:
                    skipped = f", {r.skipped} skipped (not valid, see the log)" if r.skipped else ""
                    print(
                        f"{r.source}: {len(r.changes.new_orders)} new orders, "
                        f"{len(r.changes.changed_orders)} changed, {len(r.changes.new_events)} new events{skipped}"
                    )
        for r in failed:
            print(f"ordertrack: sync of {r.source} failed: {r.error}", file=sys.stderr)
        return EXIT_ERROR if failed else EXIT_OK
    finally:
        container.close()
