"""`ordertrack normalize --source KIND FILE` and `ordertrack detect NUMBER`: offline middleware tools.

``normalize`` maps a saved vendor payload (API response or webhook body) to the domain JSON:
``{"orders": [...]}`` or ``{"shipments": [...]}``. ``detect`` ranks carrier candidates for a
tracking number. Neither touches the cache, the keyring or the network.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from services.domain import AppError, Order, Shipment, ValidationError, order_to_json, shipment_to_json
from services.sources.limits import MAX_BODY_BYTES
from services.sources.registry import KINDS, normalize
from services.tracking_numbers import detect

from .common import EXIT_OK, EXIT_USAGE, CliError, print_json

ORDER = 60
MAX_PAYLOAD_BYTES = MAX_BODY_BYTES
"""Refuse payloads larger than this (the same cap as an answer read from a source)."""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `normalize` and `detect` commands."""
    norm = sub.add_parser("normalize", help="map a vendor payload (API response or webhook) to domain JSON")
    norm.add_argument("--source", required=True, choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    norm.add_argument("--format", choices=("json",), default="json", help="output format (always JSON)")
    norm.add_argument("file", metavar="FILE", help="the payload file ('-' reads standard input)")
    norm.set_defaults(func=cmd_normalize)
    det = sub.add_parser("detect", help="ranked carrier candidates for a tracking number")
    det.add_argument("number", metavar="TRACKING_NUMBER")
    det.add_argument("--format", choices=("table", "json"), default="json")
    det.set_defaults(func=cmd_detect)


def _too_large(name: str) -> CliError:
    return CliError(f"cannot read {name}: larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB", EXIT_USAGE)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CliError(f"not JSON: {name} is not UTF-8 text (byte {err.start})", EXIT_USAGE) from err


def _read(file: str) -> str:
    """Read at most MAX_PAYLOAD_BYTES (+1 to tell) from a file or standard input, never the whole of a stream."""
    if file == "-":
        data = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise _too_large("standard input")
        return _decode(data, "standard input")
    path = Path(file)
    try:
        if path.is_dir():
            raise CliError(f"cannot read {file}: it is a directory", EXIT_USAGE)
        if path.stat().st_size > MAX_PAYLOAD_BYTES:
            raise _too_large(file)
        with path.open("rb") as handle:  # a FIFO or device reports size 0: the read itself is bounded
            data = handle.read(MAX_PAYLOAD_BYTES + 1)
    except FileNotFoundError as err:
        raise CliError(f"cannot read {file}: no such file", EXIT_USAGE) from err
    except PermissionError as err:
        raise CliError(f"cannot read {file}: permission denied", EXIT_USAGE) from err
    except OSError as err:
        raise CliError(f"cannot read {file}: {err.strerror or type(err).__name__}", EXIT_USAGE) from err
    if len(data) > MAX_PAYLOAD_BYTES:
        raise _too_large(file)
    return _decode(data, file)


def cmd_normalize(args: argparse.Namespace) -> int:
    """Print the domain JSON of one vendor payload; exit 2 with one line when it is not one."""
    text = _read(args.file)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(f"not JSON: {err.msg} at line {err.lineno} column {err.colno}", EXIT_USAGE) from err
    except RecursionError as err:
        raise CliError("not JSON: nested too deeply", EXIT_USAGE) from err
    try:
        kind, items = normalize(args.source, payload)
    except ValidationError as err:
        raise CliError(" ".join(err.message.split()), EXIT_USAGE) from err
    except AppError as err:
        # A vendor error envelope (bad key, unknown number...) is valid input of the wrong kind.
        raise CliError(f"the payload is an error answer, not data: {err.message}", EXIT_USAGE) from err
    except RecursionError as err:
        raise CliError(f"not a {args.source} payload: nested too deeply", EXIT_USAGE) from err
    if kind == "orders":
        print_json({"orders": [order_to_json(o) for o in items if isinstance(o, Order)]})
    else:
        print_json({"shipments": [shipment_to_json(s) for s in items if isinstance(s, Shipment)]})
    return EXIT_OK


def cmd_detect(args: argparse.Namespace) -> int:
    """Print the carrier candidates of a tracking number, best first (none for garbage).

    Each candidate: ``carrier``, ``name``, ``valid``, ``tracking_url`` and, to explain the ranking,
    ``format`` (the data set's format name), ``checksum`` (a check digit was verified),
    ``confidence`` (share among the valid candidates) and ``details`` (service type, post, ...).
    """
    candidates = detect(args.number)
    if args.format == "json":
        print_json(
            {
                "candidates": [
                    {
                        "carrier": c.carrier,
                        "name": c.name,
                        "valid": c.valid,
                        "tracking_url": c.tracking_url,
                        "format": c.format,
                        "checksum": c.checksum,
                        "confidence": c.confidence,
                        "details": dict(c.details),
                    }
                    for c in candidates
                ]
            }
        )
    elif not candidates:
        print(f"No carrier matches {args.number.strip()!r}.")
    else:
        for c in candidates:
            if not c.valid:
                mark = "not valid"
            else:
                mark = f"{c.confidence:.0%} " + ("check digit ok" if c.checksum else "pattern only")
            print(f"{c.carrier:<18} {c.name:<28} {c.format:<26} {mark:<22} {c.tracking_url or ''}")
    return EXIT_OK
