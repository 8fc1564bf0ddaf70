"""`ordertrack sources list | add | remove`: configured data sources (secrets to the keyring)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.runtime import split_woocommerce_token
from services.credentials import source_token_key
from services.domain import ConfigError, SourceConfig, utc_now
from services.sources.urls import UrlPolicyError, validate_source_url

from .common import EXIT_OK, EXIT_USAGE, CliError, open_container, opt_time, print_json

ORDER = 30
SOURCE_KINDS = ("ordertrack", "shopify", "woocommerce", "aftership", "17track", "easypost", "shippo", "karrio")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `sources` command group."""
    sources = sub.add_parser("sources", help="list, add or remove data sources")
    ssub = sources.add_subparsers(dest="sources_command", parser_class=type(sources))
    sources.set_defaults(func=lambda _a: _usage())
    sl = ssub.add_parser("list", help="list configured sources")
    sl.add_argument("--format", choices=("table", "json"), default="table")
    sl.set_defaults(func=cmd_list)
    sa = ssub.add_parser("add", help="add a source (its token goes to the OS keyring)")
    sa.add_argument("kind", choices=SOURCE_KINDS)
    sa.add_argument("--url", required=True)
    sa.add_argument("--name", default=None)
    sa.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the credentials from standard input (woocommerce: ck_...:cs_... on one line)",
    )
    sa.set_defaults(func=cmd_add)
    sr = ssub.add_parser("remove", help="remove a source and its token")
    sr.add_argument("name")
    sr.set_defaults(func=cmd_remove)


def _usage() -> int:
    raise CliError(
        "usage: ordertrack sources list | add KIND --url URL [--name N] [--token-stdin] | remove NAME", EXIT_USAGE
    )


def cmd_list(args: argparse.Namespace) -> int:
    """List configured sources with their sync health."""
    container = open_container()
    try:
        rows = container.store.sources.list()
        states = {s.source: s for s in container.store.sync_state.all()}
        if args.format == "json":
            print_json(
                {
                    "sources": [
                        {
                            "name": s.name,
                            "kind": s.kind,
                            "url": s.url,
                            "enabled": s.enabled,
                            "health": states[s.name].health if s.name in states else "never",
                            "last_success_at": opt_time(states.get(s.name), "last_success_at"),
                            "stale_since": opt_time(states.get(s.name), "stale_since"),
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
    finally:
        container.close()


CREDENTIAL_HELP = {
    "ordertrack": "the backend API bearer token (optional)",
    "shopify": "the Admin API access token (shpat_...)",
    "woocommerce": "CONSUMER_KEY:CONSUMER_SECRET on one line (ck_...:cs_...)",
    "aftership": "the AfterShip API key",
    "17track": "the 17TRACK API key (17token)",
    "easypost": "the EasyPost API key",
    "shippo": "the Shippo API token",
    "karrio": "the Karrio API key",
}
"""What ``--token-stdin`` reads for each kind (every kind but ``ordertrack`` needs one)."""


def check_url(kind: str, raw: str) -> str:
    """Return a usable source URL or raise a one-line CliError (the one source-address policy)."""
    try:
        return validate_source_url(raw)
    except UrlPolicyError as err:
        raise CliError(f"--url {err.reason}", EXIT_USAGE) from err


def check_token(kind: str, token: str) -> str:
    """Return the credential read for ``kind`` or raise a one-line CliError naming what is wrong."""
    if not token:
        raise CliError(f"no credentials on standard input (expected {CREDENTIAL_HELP[kind]})", EXIT_USAGE)
    if not (token.isascii() and token.isprintable()):
        raise CliError("the token has characters that cannot be sent in an HTTP header", EXIT_USAGE)
    if any(c.isspace() for c in token):
        raise CliError(f"the token must not contain spaces (expected {CREDENTIAL_HELP[kind]})", EXIT_USAGE)
    if kind == "woocommerce":
        try:
            split_woocommerce_token(token)
        except ConfigError as err:
            raise CliError(err.message, EXIT_USAGE) from err
    return token


def cmd_add(args: argparse.Namespace) -> int:
    """Add a source; its credentials go to the OS keyring and nowhere else."""
    url = check_url(args.kind, args.url)
    name = (args.name or args.kind).strip()
    if not name or not (name.isascii() and name.isprintable()) or len(name) > 64:
        raise CliError("--name must be 1-64 printable ASCII characters", EXIT_USAGE)
    token = None
    if args.token_stdin:
        token = check_token(args.kind, sys.stdin.readline().strip())
    elif args.kind != "ordertrack":
        raise CliError(f"a {args.kind} source needs --token-stdin ({CREDENTIAL_HELP[args.kind]})", EXIT_USAGE)
    container = open_container()
    try:
        if container.store.sources.get(name) is not None:
            raise CliError(f"a source named {name!r} already exists")
        if token is not None:
            container.credentials.set(source_token_key(name), token)
        container.store.sources.add(SourceConfig(name=name, kind=args.kind, url=url, created_at=utc_now()))
        print(f"Added source {name!r} ({args.kind}, {url}).")
        return EXIT_OK
    finally:
        container.close()


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a source and its token."""
    container = open_container()
    try:
        if not container.store.sources.remove(args.name):
            raise CliError(f"no source named {args.name!r}")
        container.credentials.delete(source_token_key(args.name))
        print(f"Removed source {args.name!r}.")
        return EXIT_OK
    finally:
        container.close()
