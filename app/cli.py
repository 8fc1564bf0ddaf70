"""The ``ordertrack`` command line (a stable contract: see DESIGN.md "The command line").

User errors print one line on stderr and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from typing import Any

from services.domain import (
    AppError,
    Channel,
    OrderFilter,
    OrderStatus,
    SourceConfig,
    ValidationError,
    format_utc,
    order_to_json,
    timeline_entry_to_json,
    unified_timeline,
    utc_now,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
SOURCE_KINDS = ("ordertrack", "shopify", "woocommerce", "aftership", "17track", "easypost", "shippo", "karrio")
SYNCABLE_KINDS = ("ordertrack",)


class CliError(Exception):
    """A user error: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise CliError(f"{self.prog}: {message}", EXIT_USAGE)


def _date(value: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _end_of_day(value: datetime) -> datetime:
    if value.time() == time.min:
        return value.replace(hour=23, minute=59, second=59, microsecond=999999)
    return value


def _enum_list(enum: type[OrderStatus] | type[Channel], values: Sequence[str] | None, what: str) -> tuple[Any, ...]:
    out = []
    for raw in values or []:
        for v in raw.split(","):
            v = v.strip()
            if not v:
                continue
            try:
                out.append(enum(v))
            except ValueError as err:
                allowed = ", ".join(m.value for m in enum)
                raise CliError(f"unknown {what} {v!r} (one of: {allowed})", EXIT_USAGE) from err
    return tuple(out)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every subcommand."""
    p = _Parser(prog="ordertrack", description="Order Tracking: every order, every channel, one timeline.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="start the app (desktop window, or --web for a browser)")
    run.add_argument("--web", action="store_true", help="serve the app to a browser instead of a window")
    run.add_argument("--host", default="127.0.0.1", help="address to serve on in web mode (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=0, help="port to serve on in web mode (default: a free port)")

    demo = sub.add_parser("demo-server", help="run the embedded demo backend alone")
    demo.add_argument("--port", type=int, required=True)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--orders", type=int, default=200)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--token", default=None)

    sources = sub.add_parser("sources", help="list, add or remove data sources")
    ssub = sources.add_subparsers(dest="sources_command", parser_class=_Parser)
    sl = ssub.add_parser("list", help="list configured sources")
    sl.add_argument("--format", choices=("table", "json"), default="table")
    sa = ssub.add_parser("add", help="add a source (its token goes to the OS keyring)")
    sa.add_argument("kind", choices=SOURCE_KINDS)
    sa.add_argument("--url", required=True)
    sa.add_argument("--name", default=None)
    sa.add_argument("--token-stdin", action="store_true", help="read the API token from standard input")
    sr = ssub.add_parser("remove", help="remove a source and its token")
    sr.add_argument("name")

    sync = sub.add_parser("sync", help="sync sources into the local cache")
    sync.add_argument("--source", default=None, help="only this source")
    sync.add_argument("--format", choices=("table", "json"), default="table")

    orders = sub.add_parser("orders", help="list cached orders")
    orders.add_argument("--number", default=None, help="order-number prefix")
    orders.add_argument("--from", dest="date_from", type=_date, default=None, help="placed on or after (YYYY-MM-DD)")
    orders.add_argument("--to", dest="date_to", type=_date, default=None, help="placed on or before (YYYY-MM-DD)")
    orders.add_argument("--status", action="append", help="order status (repeatable or comma-separated)")
    orders.add_argument("--channel", action="append", help="sales channel (repeatable or comma-separated)")
    orders.add_argument("--carrier", action="append", help="carrier slug (repeatable or comma-separated)")
    orders.add_argument("--limit", type=int, default=None, help="at most this many orders")
    orders.add_argument("--format", choices=("table", "json"), default="table")

    tl = sub.add_parser("timeline", help="the unified, chronological timeline of one order")
    tl.add_argument("order_number")
    tl.add_argument("--format", choices=("table", "json"), default="table")
    return p


def _container() -> Any:
    from app.container import AppContainer

    return AppContainer.create()


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cmd_run(args: argparse.Namespace) -> int:
    """Start the GUI."""
    if args.web and args.host in ("0.0.0.0", "::") and not os.environ.get("ORDERTRACK_ALLOW_PUBLIC"):
        raise CliError("refusing to serve on all interfaces; use --host 127.0.0.1 (or set ORDERTRACK_ALLOW_PUBLIC=1)")
    from app.gui import run_gui

    run_gui(web=args.web, host=args.host, port=args.port)
    return EXIT_OK


def cmd_demo_server(args: argparse.Namespace) -> int:
    """Run the demo backend in the foreground until interrupted."""
    import signal
    import threading

    from services.demo import DemoServer

    if args.orders < 1:
        raise CliError("--orders must be at least 1", EXIT_USAGE)
    server = DemoServer(orders=args.orders, seed=args.seed, token=args.token, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as err:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from err
    print(f"Demo backend serving {args.orders} orders (seed {args.seed}) on {server.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


def cmd_sources(args: argparse.Namespace) -> int:
    """Manage configured sources."""
    from services.credentials import source_token_key

    container = _container()
    try:
        if args.sources_command == "list":
            rows = container.store.sources.list()
            states = {s.source: s for s in container.store.sync_state.all()}
            if args.format == "json":
                _print_json(
                    {
                        "sources": [
                            {
                                "name": s.name,
                                "kind": s.kind,
                                "url": s.url,
                                "enabled": s.enabled,
                                "last_success_at": _opt(states.get(s.name), "last_success_at"),
                                "last_error": getattr(states.get(s.name), "last_error", None),
                            }
                            for s in rows
                        ]
                    }
                )
            elif not rows:
                print("No sources configured: the app uses the embedded demo data.")
            else:
                for s in rows:
                    st = states.get(s.name)
                    health = st.health if st else "never"
                    print(f"{s.name:<20} {s.kind:<12} {s.url:<40} {health}")
            return EXIT_OK
        if args.sources_command == "add":
            if args.kind not in SYNCABLE_KINDS:
                supported = ", ".join(SYNCABLE_KINDS)
                raise CliError(f"source kind {args.kind!r} cannot be synced yet (supported: {supported})")
            url = args.url.strip()
            if not url.startswith(("http://", "https://")):
                raise CliError(f"--url must start with http:// or https://, got {url!r}", EXIT_USAGE)
            name = args.name or args.kind
            if container.store.sources.get(name) is not None:
                raise CliError(f"a source named {name!r} already exists")
            if args.token_stdin:
                token = sys.stdin.readline().strip()
                if not token:
                    raise CliError("no token on standard input")
                if not (token.isascii() and token.isprintable()):
                    raise CliError("the token has characters that cannot be sent in an HTTP header", EXIT_USAGE)
                container.credentials.set(source_token_key(name), token)
            container.store.sources.add(SourceConfig(name=name, kind=args.kind, url=url, created_at=utc_now()))
            print(f"Added source {name!r} ({args.kind}, {url}).")
            return EXIT_OK
        if args.sources_command == "remove":
            if not container.store.sources.remove(args.name):
                raise CliError(f"no source named {args.name!r}")
            container.credentials.delete(source_token_key(args.name))
            print(f"Removed source {args.name!r}.")
            return EXIT_OK
        raise CliError("usage: ordertrack sources list | add KIND --url URL [--name N] [--token-stdin] | remove NAME",
                       EXIT_USAGE)
    finally:
        container.close()


def _opt(obj: object, attr: str) -> str | None:
    value = getattr(obj, attr, None)
    return format_utc(value) if isinstance(value, datetime) else None


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync once and report what changed."""
    container = _container()
    try:
        reports = container.sync_once(args.source)
        failed = [r for r in reports if r.error]
        if args.format == "json":
            _print_json(
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
        if failed:
            for r in failed:
                print(f"ordertrack: sync of {r.source} failed: {r.error}", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    finally:
        container.close()


def cmd_orders(args: argparse.Namespace) -> int:
    """List cached orders."""
    flt = OrderFilter(
        number_prefix=args.number or None,
        placed_from=args.date_from,
        placed_to=_end_of_day(args.date_to) if args.date_to else None,
        statuses=_enum_list(OrderStatus, args.status, "status"),
        channels=_enum_list(Channel, args.channel, "channel"),
        carriers=tuple(c.strip() for raw in args.carrier or [] for c in raw.split(",") if c.strip()),
    )
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    container = _container()
    try:
        orders = container.store.orders.list_orders(flt, limit=args.limit)
        if args.format == "json":
            _print_json({"orders": [order_to_json(o) for o in orders]})
            return EXIT_OK
        if not orders:
            print("No orders match.")
            return EXIT_OK
        print(f"{'ORDER':<14} {'PLACED':<17} {'CHANNEL':<11} {'STATUS':<19} {'TOTAL':>13}  CARRIERS")
        for o in orders:
            placed = o.placed_at.strftime("%Y-%m-%d %H:%M")
            total = f"{o.total} {o.currency}"
            print(f"{o.order_number:<14} {placed:<17} {o.channel.value:<11} {o.status.value:<19} {total:>13}  "
                  f"{','.join(o.carriers)}")
        print(f"{len(orders)} orders")
        return EXIT_OK
    finally:
        container.close()


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print the unified timeline of one order."""
    container = _container()
    try:
        order = container.store.orders.get(args.order_number)
        if order is None:
            raise CliError(f"no order {args.order_number!r} in the cache (try `ordertrack sync`)")
        entries = unified_timeline(order)
        if args.format == "json":
            _print_json({"order_number": order.order_number, "events": [timeline_entry_to_json(e) for e in entries]})
            return EXIT_OK
        print(f"Order {order.order_number} — {order.status.value} — {order.total} {order.currency}")
        for e in entries:
            where = f" @ {e.location}" if e.location else ""
            parcel = f" [{e.carrier} {e.tracking_number}]" if e.tracking_number else ""
            when = format_utc(e.occurred_at) if e.offset_known else f"{e.local_time} (carrier local time)"
            print(f"{when}  {e.kind.value:<8} {e.status:<20} {e.description}{where}{parcel}")
        return EXIT_OK
    finally:
        container.close()


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "demo-server": cmd_demo_server,
    "sources": cmd_sources,
    "sync": cmd_sync,
    "orders": cmd_orders,
    "timeline": cmd_timeline,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        command = args.command or "run"
        if command == "run" and args.command is None:
            args = parser.parse_args(["run", *(argv or [])])
        return COMMANDS[command](args)
    except CliError as err:
        print(f"ordertrack: {err}", file=sys.stderr)
        return err.code
    except ValidationError as err:
        print(f"ordertrack: {err.message}", file=sys.stderr)
        return EXIT_USAGE
    except AppError as err:
        print(f"ordertrack: {err.title}: {err.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
