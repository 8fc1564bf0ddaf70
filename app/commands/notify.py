"""`ordertrack prefs show | set KEY VALUE` and `ordertrack notifications`: alert preferences and the log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from services.domain import format_utc
from services.notify import RULES, SMTP_PASSWORD_KEY, apply_setting, load_prefs, save_prefs
from services.notify.preferences import to_json
from services.storage import NotifyRepository

from .common import EXIT_OK, EXIT_USAGE, MAX_LIMIT, CliError, open_container, print_json, whole_number

ORDER = 70


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the `prefs` group and the `notifications` command."""
    prefs = sub.add_parser("prefs", help="notification preferences")
    psub = prefs.add_subparsers(dest="prefs_command", parser_class=type(prefs))
    prefs.set_defaults(func=lambda _a: _usage())
    show = psub.add_parser("show", help="show the rules, channels, quiet hours and e-mail settings")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(func=cmd_show)
    pset = psub.add_parser("set", help="set one preference (smtp.password: pass - and the password on stdin)")
    pset.add_argument("key")
    pset.add_argument("value")
    pset.set_defaults(func=cmd_set)
    log = sub.add_parser("notifications", help="the notification log, each alert with its reason")
    log.add_argument("--format", choices=("table", "json"), default="table")
    log.add_argument("--order", default=None, help="only this order's alerts")
    log.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=None)
    log.add_argument("--mark-read", action="store_true", help="mark every in-app alert read")
    log.set_defaults(func=cmd_notifications)


def _usage() -> int:
    raise CliError("usage: ordertrack prefs show [--format json] | set KEY VALUE", EXIT_USAGE)


def cmd_show(args: argparse.Namespace) -> int:
    """Print the preferences (never the SMTP password)."""
    container = open_container()
    try:
        prefs = load_prefs(NotifyRepository(container.store))
    finally:
        container.close()
    data = to_json(prefs)
    if args.format == "json":
        print_json({"preferences": data, "rule_table": [_rule(r.id, prefs.rule_on(r.id)) for r in RULES]})
        return EXIT_OK
    out = sys.stdout
    email = data["channels"]["email"]
    out.write(
        f"channels: native={_onoff(prefs.native)} in_app={_onoff(prefs.in_app)} "
        f"email={_onoff(prefs.email)} {email['address'] or '(no address)'}\n"
    )
    out.write(f"quiet hours: {data['quiet_hours'] or 'off'}   timezone: {prefs.timezone}\n")
    out.write(f"muted orders: {', '.join(prefs.muted) or '-'}   stale after: {prefs.stale_days} days\n")
    smtp = data["smtp"]
    out.write(
        f"smtp: {smtp['host'] or '(not set)'}:{smtp['port']} starttls={_onoff(smtp['starttls'])} "
        f"implicit_tls={_onoff(smtp['implicit_tls'])} "
        f"user={smtp['username'] or '-'} (password: OS keyring)\n\n"
    )
    out.write(f"{'RULE':<22}{'ON':<5}{'CHANNELS':<24}DESCRIPTION\n")
    for rule in RULES:
        chans = ",".join(prefs.routes.get(rule.id, ()))
        out.write(f"{rule.id:<22}{_onoff(prefs.rule_on(rule.id)):<5}{chans:<24}{rule.title}: {rule.description}\n")
    return EXIT_OK


def _rule(rule_id: str, on: bool) -> dict[str, Any]:
    rule = next(r for r in RULES if r.id == rule_id)
    return {"id": rule.id, "title": rule.title, "description": rule.description, "default": rule.default_on, "on": on}


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def cmd_set(args: argparse.Namespace) -> int:
    """Set one preference; the SMTP password goes to the OS keyring, read from stdin."""
    container = open_container()
    try:
        if args.key == "smtp.password":
            if args.value != "-":
                raise CliError("smtp.password: pass - and type the password on standard input", EXIT_USAGE)
            secret = sys.stdin.readline().rstrip("\r\n")
            if not secret:
                raise CliError("smtp.password: nothing on standard input", EXIT_USAGE)
            container.credentials.set(SMTP_PASSWORD_KEY, secret)
            print("smtp.password stored in the OS keyring")
            return EXIT_OK
        repo = NotifyRepository(container.store)
        prefs = apply_setting(load_prefs(repo), args.key, args.value)
        save_prefs(repo, prefs)
    finally:
        container.close()
    print(f"{args.key} = {args.value}")
    return EXIT_OK


def cmd_notifications(args: argparse.Namespace) -> int:
    """Print the notification log (newest first) with each alert's status and reason."""
    container = open_container()
    try:
        repo = NotifyRepository(container.store)
        rows = repo.list(limit=args.limit, order_number=args.order)
        unread = repo.unread_count()
        if args.mark_read:
            repo.mark_read()
    finally:
        container.close()
    items: list[dict[str, Any]] = [
        {
            "id": r.id,
            "created_at": format_utc(r.created_at),
            "order_number": r.order_number,
            "tracking_number": r.tracking_number,
            "milestone": r.milestone,
            "rule": r.rule,
            "channel": r.channel,
            "status": r.status,
            "reason": r.reason,
            "title": r.title,
            "body": r.body,
            "read": r.read,
            "alerted_at": format_utc(r.alerted_at) if r.alerted_at else None,
        }
        for r in rows
    ]
    if args.format == "json":
        print_json({"notifications": items, "unread": unread})
        return EXIT_OK
    out = sys.stdout
    out.write(f"{'ID':>5}  {'CREATED':<21}{'ORDER':<14}{'MILESTONE':<21}{'CHANNEL':<8}{'STATUS':<14}REASON\n")
    for i in items:
        out.write(
            f"{i['id']:>5}  {i['created_at'][:19]:<21}{i['order_number']:<14}{i['milestone']:<21}"
            f"{i['channel']:<8}{i['status']:<14}{i['reason']}\n"
        )
    out.write(f"{len(items)} alert(s), {unread} unread\n")
    return EXIT_OK
