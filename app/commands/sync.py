"""`ordertrack sync`: pull every source (or one) into the local cache."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from services.domain import format_utc

from .common import EXIT_ERROR, EXIT_OK, open_container, print_json

ORDER = 40


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `sync` command."""
    sync = sub.add_parser("sync", help="sync sources into the local cache")
    sync.add_argument("--source", default=None, help="only this source")
    sync.add_argument("--format", choices=("table", "json"), default="table")
    sync.set_defaults(func=cmd_sync)


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync once and report what changed."""
    container = open_container()
    try:
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
                    print(
                        f"{r.source}: {len(r.changes.new_orders)} new orders, "
                        f"{len(r.changes.changed_orders)} changed, {len(r.changes.new_events)} new events"
                    )
        for r in failed:
            print(f"ordertrack: sync of {r.source} failed: {r.error}", file=sys.stderr)
        return EXIT_ERROR if failed else EXIT_OK
    finally:
        container.close()
