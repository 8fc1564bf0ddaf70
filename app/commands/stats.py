"""`ordertrack stats`: update latency (avg, p50, p95) over live carrier events, and source health."""

from __future__ import annotations

import argparse
from typing import Any

from services.domain import utc_now
from services.storage import StatsRepository
from services.sync.health import health_report

from .common import EXIT_OK, open_container, print_json

ORDER = 90


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `stats` command."""
    stats = sub.add_parser("stats", help="update latency and sync health")
    stats.add_argument("--format", choices=("table", "json"), default="table")
    stats.add_argument("--source", default=None, help="latency of this source only")
    stats.set_defaults(func=cmd_stats)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the latency of live tracking updates (source event -> stored) and each source's health."""
    container = open_container()
    try:
        latency = StatsRepository(container.store).update_latency(source=args.source)
        names = [s.name for s in container.store.sources.list()]
        health = health_report(container.store, utc_now(), names=names)
        if args.format == "json":
            print_json(
                {
                    "update_latency": latency.as_json(),
                    "sources": [h.as_json() for h in health],
                }
            )
            return EXIT_OK
        print("Time to deliver a tracking status update (source event -> stored, live updates only)")
        print(
            f"  events {latency.count}   avg {_ms(latency.avg_ms)}   "
            f"p50 {_ms(latency.p50_ms)}   p95 {_ms(latency.p95_ms)}"
        )
        print("Sources")
        if not health:
            print("  none synced yet")
        for h in health:
            print(f"  {h.source:<20} {h.describe()}")
        return EXIT_OK
    finally:
        container.close()
