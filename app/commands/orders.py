"""`ordertrack orders` and `ordertrack timeline`: read the local cache."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from typing import Any

from services.domain import (
    Channel,
    EtaChange,
    OrderFilter,
    OrderStatus,
    Shipment,
    eta_iso,
    eta_note,
    eta_to_json,
    format_utc,
    money,
    timeline_entry_to_json,
    unified_timeline,
)
from services.notify import alert_entries
from services.storage import NotifyRepository

from .common import (
    EXIT_OK,
    EXIT_USAGE,
    MAX_LIMIT,
    CliError,
    csv_values,
    end_of_day,
    enum_list,
    open_container,
    orders_json_or_empty,
    parse_date,
    print_json,
    whole_number,
)

ORDER = 50


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """Add the order filters shared by `orders` and `export`."""
    parser.add_argument("--number", default=None, help="order-number prefix")
    parser.add_argument("--from", dest="date_from", type=parse_date, default=None, help="placed on/after (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=parse_date, default=None, help="placed on/before (YYYY-MM-DD)")
    parser.add_argument("--status", action="append", help="order status (repeatable or comma-separated)")
    parser.add_argument("--channel", action="append", help="sales channel (repeatable or comma-separated)")
    parser.add_argument("--carrier", action="append", help="carrier slug (repeatable or comma-separated)")


def filter_from_args(args: argparse.Namespace) -> OrderFilter:
    """Build an OrderFilter from the shared filter options."""
    return OrderFilter(
        number_prefix=args.number or None,
        placed_from=args.date_from,
        placed_to=end_of_day(args.date_to) if args.date_to else None,
        statuses=enum_list(OrderStatus, args.status, "status"),
        channels=enum_list(Channel, args.channel, "channel"),
        carriers=csv_values(args.carrier),
    )


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `orders` and `timeline` commands."""
    orders = sub.add_parser("orders", help="list cached orders")
    add_filter_options(orders)
    scope = orders.add_mutually_exclusive_group()
    scope.add_argument("--live", action="store_true", help="only orders not in History (what the Orders screen lists)")
    scope.add_argument("--history", action="store_true", help="only orders moved to History")
    orders.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=None, help="at most this many orders")
    orders.add_argument("--format", choices=("table", "json"), default="table")
    orders.set_defaults(func=cmd_orders)

    tl = sub.add_parser("timeline", help="the unified, chronological timeline of one order")
    tl.add_argument("order_number")
    tl.add_argument("--format", choices=("table", "json"), default="table")
    tl.set_defaults(func=cmd_timeline)


def cmd_orders(args: argparse.Namespace) -> int:
    """List cached orders (all of them, or with --live / --history one side of the History move)."""
    flt = replace(filter_from_args(args), archived=True if args.history else (False if args.live else None))
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    container = open_container()
    try:
        orders = container.store.orders.list_orders(flt, limit=args.limit)
        if orders_json_or_empty(orders, args.format, "No orders match."):
            return EXIT_OK
        print(f"{'ORDER':<14} {'PLACED':<17} {'CHANNEL':<11} {'STATUS':<19} {'TOTAL':>13}  CARRIERS")
        for o in orders:
            placed = o.placed_at.strftime("%Y-%m-%d %H:%M")
            total = f"{money(o.total, o.currency)} {o.currency}"
            print(
                f"{o.order_number:<14} {placed:<17} {o.channel.value:<11} {o.status.value:<19} {total:>13}  "
                f"{','.join(o.carriers)}"
            )
        print(f"{len(orders)} orders")
        return EXIT_OK
    finally:
        container.close()


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print the unified timeline of one order: order events, carrier events and the alerts sent about it."""
    container = open_container()
    try:
        order = container.store.orders.get(args.order_number)
        if order is None:
            raise CliError(f"no order {args.order_number!r} in the cache (try `ordertrack sync`)")
        sent = NotifyRepository(container.store).list(order_number=order.order_number)
        entries = unified_timeline(order, alert_entries(sent))  # order events, carrier events, alerts sent
        etas = container.store.orders.eta_history(order.order_number)
        if args.format == "json":
            print_json(
                {
                    "order_number": order.order_number,
                    "events": [timeline_entry_to_json(e) for e in entries],
                    "estimates": [_estimate_json(s, etas.get(s.tracking_number, ())) for s in order.shipments],
                }
            )
            return EXIT_OK
        print(
            f"Order {order.order_number} — {order.status.value} — {money(order.total, order.currency)} {order.currency}"
        )
        for s in order.shipments:
            line = _estimate_line(s, etas.get(s.tracking_number, ()))
            if line:
                print(line)
        for e in entries:
            where = f" @ {e.location}" if e.location else ""
            parcel = f" [{e.carrier} {e.tracking_number}]" if e.tracking_number else ""
            when = format_utc(e.occurred_at) if e.offset_known else f"{e.local_time} (carrier local time)"
            print(f"{when}  {e.kind.value:<8} {e.status:<20} {e.description}{where}{parcel}")
        return EXIT_OK
    finally:
        container.close()


def _estimate_line(shipment: Shipment, history: Sequence[EtaChange]) -> str | None:
    """One line per parcel: its estimate (a date-only one as its calendar days) and what the carrier did to it."""
    note = eta_note(history, UTC)
    eta = shipment.estimated_delivery
    if eta is None and note is None:
        return None
    parcel = f"Parcel {shipment.tracking_number}" + (f" ({shipment.carrier})" if shipment.carrier else "")
    if eta is None:
        what = "no estimate"
    elif eta.date_only:
        what = f"expected {eta_iso(eta)} (calendar day, any time zone)"
    else:
        what = f"expected {eta_iso(eta)}"
    return " · ".join([f"{parcel}: {what}", *([note] if note else [])])


def _estimate_json(shipment: Shipment, history: Sequence[EtaChange]) -> dict[str, Any]:
    """The estimate of one parcel, its history (oldest first) and the note on its latest change."""
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "estimated_delivery": eta_to_json(shipment.estimated_delivery),
        "note": eta_note(history, UTC),
        "history": [
            {
                "estimated_delivery": eta_to_json(change.window),
                "withdrawn": change.window is None,
                "seen_at": format_utc(change.seen_at),
            }
            for change in history
        ],
    }
