"""`ordertrack run` (the app) and `ordertrack demo-server`."""

from __future__ import annotations

import argparse
from typing import Any

from app.web_guard import ALLOW_PUBLIC_ENV

from ..settings import MAX_DEMO_ORDERS, MAX_DEMO_SEED
from .common import EXIT_OK, EXIT_USAGE, CliError, whole_number

ORDER = 10


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `run` and `demo-server` commands."""
    run = sub.add_parser("run", help="start the app (desktop window, or --web for a browser)")
    run.add_argument("--web", action="store_true", help="serve the app to a browser instead of a window")
    run.add_argument(
        "--host",
        default="127.0.0.1",
        help=f"loopback address for web mode (default 127.0.0.1; another address needs {ALLOW_PUBLIC_ENV}=1)",
    )
    run.add_argument(
        "--port", type=whole_number(0, 65535), default=0, help="port to serve on in web mode (default: a free port)"
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo-server", help="run the embedded demo backend alone")
    demo.add_argument("--port", type=whole_number(0, 65535), required=True)
    demo.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    demo.add_argument("--orders", type=whole_number(1, MAX_DEMO_ORDERS), default=200)
    demo.add_argument("--seed", type=whole_number(0, MAX_DEMO_SEED), default=7)
    demo.add_argument("--token", default=None, help="bearer token required on /v1, /aftership and /_demo")
    demo.add_argument(
        "--allow-public",
        action="store_true",
        help="allow a non-loopback --host (needs --token); anyone who can reach it sees the demo data",
    )
    demo.set_defaults(func=cmd_demo_server)


def cmd_run(args: argparse.Namespace) -> int:
    """Start the GUI: a desktop window when possible, else the web app on loopback."""
    from app.web_guard import ListenAddressError, check_listen_host
    from app.web_server import allow_public

    try:
        check_listen_host(args.host, allow_public=allow_public())
    except ListenAddressError as err:
        raise CliError(str(err), EXIT_USAGE) from err
    from app.gui import desktop_available, run_gui

    web = args.web
    if not web:
        ok, why = desktop_available()
        if not ok:
            print(f"No desktop window here ({why}); serving the app in your browser instead.", flush=True)
            web = True
    run_gui(web=web, host=args.host, port=args.port)
    return EXIT_OK


def cmd_demo_server(args: argparse.Namespace) -> int:
    """Run the demo backend in the foreground until interrupted."""
    import signal
    import threading

    from services.demo import DemoServer

    try:
        server = DemoServer(
            orders=args.orders,
            seed=args.seed,
            token=args.token,
            host=args.host,
            port=args.port,
            allow_public=args.allow_public,
        )
    except ValueError as err:
        hint = "" if args.allow_public else " (pass --allow-public with --token to serve other hosts)"
        raise CliError(f"{err}{hint}", EXIT_USAGE) from err
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
