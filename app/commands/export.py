"""`ordertrack export --format pdf|csv|json [filters] -o PATH`: the order history as a file."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from services.export import FORMATS, ExportCancelled, ExportProgress, export_orders

from ..paths import data_dir
from .common import EXIT_OK, CliError, open_container
from .orders import add_filter_options, filter_from_args

ORDER = 60


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `export` command."""
    p = sub.add_parser("export", help="export orders to PDF (with a tax summary), CSV or JSON")
    p.add_argument("--format", choices=FORMATS, required=True)
    add_filter_options(p)
    p.add_argument("--source", default=None, help="only orders from this source")
    p.add_argument("--text", default=None, help="orders whose number, merchant, customer or items contain TEXT")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--history", action="store_true", help="only orders moved to History")
    scope.add_argument("--live", action="store_true", help="only orders not in History")
    p.add_argument("--customer", default=None, help="customer name for the PDF title (default: from the orders)")
    p.add_argument("-o", "--output", required=True, type=Path, help="the file to write (outside the data folder)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists (atomically)")
    p.set_defaults(func=cmd_export)


def _progress_printer() -> Any:
    """Return a progress callback printing to stderr when it is a terminal (else None)."""
    if not sys.stderr.isatty():
        return None

    def show(p: ExportProgress) -> None:
        sys.stderr.write(f"\r{p.phase}: {p.done}/{p.total}   ")
        if p.done >= p.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


@contextlib.contextmanager
def _ctrl_c_cancels() -> Iterator[threading.Event]:
    """While the export runs, Ctrl-C (SIGINT) sets the export's cancel flag instead of raising.

    A KeyboardInterrupt can land inside one of reportlab's bare ``except:`` blocks and vanish, and
    the export then completes over the old file. The flag is checked at every layout step and once
    more after the layout, before the file replaces the old one, so a cancel is never lost.
    """
    cancel = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield cancel
        return
    previous = signal.signal(signal.SIGINT, lambda _signo, _frame: cancel.set())
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def check_target(target: Path, home: Path, *, force: bool) -> Path:
    """Return the export target, or refuse one inside the data folder ``home`` or an existing file without force.

    Both paths are resolved (symlinks followed), so a link into the data folder is refused as well:
    an export must never replace the cache, its key parameters or the settings.
    """
    target = target.expanduser()
    real, data = target.resolve(), home.expanduser().resolve()
    if real == data or data in real.parents:
        raise CliError(f"refusing to write {target} inside the data folder ({data}); choose another folder")
    if (target.is_symlink() or target.exists()) and not target.is_dir() and not force:
        raise CliError(f"{target} already exists; add --force to replace it")
    return target


def cmd_export(args: argparse.Namespace) -> int:
    """Export the matching orders to a file."""
    args.output = check_target(args.output, data_dir(), force=args.force)
    flt = replace(filter_from_args(args), source=args.source or None, text=args.text or None)
    archived = True if args.history else (False if args.live else None)
    container = open_container()
    try:
        with _ctrl_c_cancels() as cancel:
            result = export_orders(
                container.store,
                flt,
                args.format,
                args.output,
                archived=archived,
                customer=args.customer,
                progress=_progress_printer(),
                cancel=cancel,
            )
    except ExportCancelled as err:
        raise CliError("export cancelled; nothing was written", 130) from err
    finally:
        container.close()
    extra = f", {result.pages} pages" if args.format == "pdf" else (f", {result.rows} rows" if result.rows else "")
    print(f"Exported {result.orders} orders to {result.path} ({args.format}{extra})")
    return EXIT_OK
