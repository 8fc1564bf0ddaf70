"""`ordertrack stats`: update latency (avg, p50, p95) over live carrier events, source health, self-service figures.

Two latencies: "carrier event -> stored" (``update_latency``, the carrier's own delay included) and
"published -> stored" (``publish_latency``, over events whose source said when it published them:
the pipeline alone). The JSON keeps its keys and adds ``publish_latency`` last, in the same shape.
"""

from __future__ import annotations

import argparse
from typing import Any

from services.domain import utc_now
from services.storage import SelfServiceSummary, StatsRepository, UsageRepository
from services.sync.health import health_report

from .common import EXIT_OK, open_container, parse_date, print_json

ORDER = 90


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `stats` command."""
    stats = sub.add_parser("stats", help="update latency, sync health and self-service figures")
    stats.add_argument("--format", choices=("table", "json"), default="table")
    stats.add_argument("--source", default=None, help="latency of this source only")
    stats.add_argument(
        "--since",
        type=parse_date,
        default=None,
        help="latency and self-service figures from this day on (YYYY-MM-DD, UTC); default: everything",
    )
    stats.set_defaults(func=cmd_stats)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _self_service_lines(s: SelfServiceSummary) -> list[str]:
    """Return the "Self-service" section of the table output."""
    period = "all recorded" if s.since is None else f"since {s.since:%Y-%m-%d}"
    answers = f"{s.answers} answer{'' if s.answers == 1 else 's'}"
    rows = [
        ("sessions", str(s.sessions)),
        ("orders opened", f"{s.orders_opened} ({s.distinct_orders_opened} distinct)"),
        ("searches", f"{s.searches} ({_pct(s.search_found_pct)} found)"),
        ("tracking links opened", str(s.tracking_links_opened)),
        ("tracking numbers copied", str(s.tracking_numbers_copied)),
        ("exports", str(s.exports)),
        ("resolution rate", f"{_pct(s.resolution_pct)} answered yes ({s.feedback_yes} of {answers})"),
        (
            "opened without a No",
            f"{_pct(s.opened_without_no_pct)} ({s.orders_opened_without_no} of {s.distinct_orders_opened} orders)",
        ),
        ("satisfaction (CSAT)", f"{_pct(s.csat_pct)} ({answers})"),
    ]
    return [f"Self-service ({period}, this device only)"] + [f"  {name:<24} {value}" for name, value in rows]


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the latency of live tracking updates, each source's health, and the self-service figures."""
    container = open_container()
    try:
        since = getattr(args, "since", None)
        latency, published = StatsRepository(container.store).latencies(source=args.source, since=since)
        names = [s.name for s in container.store.sources.list()]
        health = health_report(container.store, utc_now(), names=names)
        usage = UsageRepository(container.store).summary(since=since)
        if args.format == "json":
            print_json(
                {
                    "update_latency": latency.as_json(),
                    "sources": [h.as_json() for h in health],
                    "self_service": usage.as_json(),
                    "publish_latency": published.as_json(),
                }
            )
            return EXIT_OK
        print("Time to deliver a tracking status update (live updates only)")
        for label, summary in (("carrier event -> stored", latency), ("published -> stored", published)):
            print(
                f"  {label:<24} events {summary.count}   avg {_ms(summary.avg_ms)}   "
                f"p50 {_ms(summary.p50_ms)}   p95 {_ms(summary.p95_ms)}"
            )
        print("Sources")
        if not health:
            print("  none synced yet")
        for h in health:
            print(f"  {h.source:<20} {h.describe()}")
        for line in _self_service_lines(usage):
            print(line)
        return EXIT_OK
    finally:
        container.close()
