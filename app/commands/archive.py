"""`ordertrack archive verify | move [--after-days N] | list [filters]`: the order History."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from services.domain import money
from services.storage.archive import list_orders, verify

from ..settings import MAX_HISTORY_AFTER_DAYS
from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    MAX_LIMIT,
    CliError,
    open_container,
    orders_json_or_empty,
    whole_number,
)
from .orders import add_filter_options, filter_from_args

ORDER = 70


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `archive` command group."""
    p = sub.add_parser("archive", help="the History of finished orders: verify, move, list")
    actions = p.add_subparsers(dest="archive_command", required=True, parser_class=type(p))

    v = actions.add_parser("verify", help="check the cache file, its encryption and the History")
    v.set_defaults(func=cmd_verify)

    m = actions.add_parser("move", help="move delivered, cancelled and returned orders to History")
    m.add_argument(
        "--after-days",
        type=whole_number(0, MAX_HISTORY_AFTER_DAYS),
        default=None,
        help="days since the last update before an order moves (default: the app's setting, 30 unless changed)",
    )
    m.set_defaults(func=cmd_move)

    ls = actions.add_parser("list", help="find orders in History")
    add_filter_options(ls)
    ls.add_argument("--source", default=None, help="only orders from this source")
    ls.add_argument("--text", default=None, help="orders whose number, merchant, customer or items contain TEXT")
    ls.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=None, help="at most this many orders")
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(func=cmd_list)


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the cache and report problems in plain words (exit 1 on any problem)."""
    container = open_container()
    try:
        report = verify(container.store)
    finally:
        container.close()
    if report.problems:
        print(f"The local cache has {len(report.problems)} problem(s):")
        for problem in report.problems:
            print(f"  - {problem}")
        return EXIT_ERROR
    cipher = f"encrypted with SQLCipher {report.cipher_version}" if report.encrypted else "NOT encrypted"
    print(f"The local cache is sound: {report.orders} orders, {report.in_history} in History, {cipher}.")
    return EXIT_OK


def cmd_move(args: argparse.Namespace) -> int:
    """Move old finished orders to History."""
    if args.after_days is not None and args.after_days < 0:
        raise CliError("--after-days must be 0 or more", EXIT_USAGE)
    container = open_container()
    try:
        days = container.settings.history_after_days if args.after_days is None else args.after_days
        moved = container.move_to_history(days)
    finally:
        container.close()
    print(f"Moved {moved} order(s) to History (finished and unchanged for {days} days).")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """List orders in History."""
    flt = replace(filter_from_args(args), source=args.source or None, text=args.text or None)
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    container = open_container()
    try:
        found = list_orders(container.store, flt, True, limit=args.limit)
    finally:
        container.close()
    if orders_json_or_empty(found, args.format, "No orders in History match."):
        return EXIT_OK
    for o in found:
        placed = o.placed_at.strftime("%Y-%m-%d %H:%M")
        total = f"{money(o.total, o.currency)} {o.currency}"
        print(f"{o.order_number:<14} {placed:<17} {o.channel.value:<11} {o.status.value:<12} {total}")
    print(f"{len(found)} orders in History")
    return EXIT_OK
