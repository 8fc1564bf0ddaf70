"""Customer notification preferences: a validated, immutable document and the `prefs set` grammar.

Pure: no I/O. Storage keeps the JSON form (``services.storage.notify_repo``); the SMTP password
is not here, it lives in the OS keyring (``services.credentials``, key :data:`SMTP_PASSWORD_KEY`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.domain import ValidationError

from .rules import RULES_BY_ID, Milestone

CHANNELS = ("native", "email", "in_app")
"""Every delivery channel, in the order they are tried."""

SMTP_PASSWORD_KEY = "notify:smtp:password"
"""Keyring entry of the SMTP password (see services.credentials)."""

DEFAULT_ROUTES: dict[str, tuple[str, ...]] = {m.value: ("native", "in_app") for m in Milestone} | {
    m: ("native", "email", "in_app")
    for m in ("delivered", "exception", "failed_attempt", "available_for_pickup", "delay", "cancelled", "returned")
}
"""Which channels each milestone goes to by default (email only once the customer turns it on)."""

MAX_STALE_DAYS = 60
MAX_HISTORY_HOURS = 24 * 60

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")
_ON = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in local time (may cross midnight) when intrusive alerts are held."""

    start: time
    end: time

    def text(self) -> str:
        """Return the window as ``HH:MM-HH:MM``."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where to send e-mail alerts (the password is in the keyring, never here)."""

    host: str = ""
    port: int = 587
    starttls: bool = True
    username: str = ""
    sender: str = ""
    implicit_tls: bool = False
    """TLS from the first byte (SMTP_SSL, usually port 465) instead of STARTTLS."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """One customer's notification preferences."""

    native: bool = True
    in_app: bool = True
    email: bool = False
    email_address: str = ""
    rules: dict[str, bool] = field(default_factory=lambda: {r.id: r.default_on for r in RULES_BY_ID.values()})
    routes: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
    quiet_hours: QuietHours | None = None
    timezone: str = "UTC"
    muted: tuple[str, ...] = ()
    stale_days: int = 5
    history_hours: int = 72
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def rule_on(self, rule_id: str) -> bool:
        """Tell whether the rule ``rule_id`` is switched on."""
        return self.rules.get(rule_id, RULES_BY_ID[rule_id].default_on if rule_id in RULES_BY_ID else False)

    def channels_for(self, milestone: str) -> tuple[str, ...]:
        """Return the enabled channels a milestone goes to."""
        enabled = {"native": self.native, "in_app": self.in_app, "email": self.email and bool(self.email_address)}
        return tuple(c for c in self.routes.get(milestone, ("native", "in_app")) if enabled[c])

    def zone(self) -> ZoneInfo:
        """Return the customer's time zone."""
        return ZoneInfo(self.timezone)


def to_json(prefs: Preferences) -> dict[str, Any]:
    """Return the JSON form of the preferences (what `prefs show --format json` prints)."""
    return {
        "channels": {
            "native": prefs.native,
            "in_app": prefs.in_app,
            "email": {"enabled": prefs.email, "address": prefs.email_address},
        },
        "rules": {rid: prefs.rule_on(rid) for rid in RULES_BY_ID},
        "routes": {m: list(c) for m, c in prefs.routes.items()},
        "quiet_hours": prefs.quiet_hours.text() if prefs.quiet_hours else None,
        "timezone": prefs.timezone,
        "muted": list(prefs.muted),
        "stale_days": prefs.stale_days,
        "history_hours": prefs.history_hours,
        "smtp": {
            "host": prefs.smtp.host,
            "port": prefs.smtp.port,
            "starttls": prefs.smtp.starttls,
            "username": prefs.smtp.username,
            "from": prefs.smtp.sender,
            "implicit_tls": prefs.smtp.implicit_tls,
        },
    }


def from_json(data: dict[str, Any]) -> Preferences:
    """Rebuild preferences from their JSON form, ignoring what no longer validates."""
    prefs = Preferences()
    channels = data.get("channels", {})
    email = channels.get("email", {}) if isinstance(channels, dict) else {}
    rules = {k: bool(v) for k, v in (data.get("rules") or {}).items() if k in RULES_BY_ID}
    routes = dict(prefs.routes)
    for m, chans in (data.get("routes") or {}).items():
        if m in routes and isinstance(chans, list):
            routes[m] = tuple(c for c in chans if c in CHANNELS)
    smtp = data.get("smtp") or {}
    quiet = data.get("quiet_hours")
    return replace(
        prefs,
        native=bool(channels.get("native", True)),
        in_app=bool(channels.get("in_app", True)),
        email=bool(email.get("enabled", False)),
        email_address=str(email.get("address", "")),
        rules=prefs.rules | rules,
        routes=routes,
        quiet_hours=_quiet(quiet) if isinstance(quiet, str) else None,
        timezone=_stored_zone(data.get("timezone")),
        muted=tuple(str(m) for m in data.get("muted") or ()),
        stale_days=_stored_int(data.get("stale_days"), 5, 1, MAX_STALE_DAYS),
        history_hours=_stored_int(data.get("history_hours"), 72, 1, MAX_HISTORY_HOURS),
        smtp=SmtpSettings(
            host=str(smtp.get("host", "")),
            port=_stored_int(smtp.get("port"), 587, 1, 65535),
            starttls=bool(smtp.get("starttls", True)),
            username=str(smtp.get("username", "")),
            sender=str(smtp.get("from", "")),
            implicit_tls=bool(smtp.get("implicit_tls", False)),
        ),
    )


def _stored_zone(value: object) -> str:
    """Return a stored IANA zone name that loads, else UTC."""
    if not isinstance(value, str) or len(value) > 64:
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return value


def _stored_int(value: object, default: int, low: int, high: int) -> int:
    """Return a stored whole number inside ``low..high``, else ``default`` (a tampered value never overflows)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return default
    return value


SETTABLE_KEYS = (
    "channels.native",
    "channels.in_app",
    "channels.email",
    "channels.email.address",
    "rules.<rule>",
    "routes.<milestone>",
    "quiet_hours",
    "timezone",
    "mute",
    "unmute",
    "stale_days",
    "history_hours",
    "smtp.host",
    "smtp.port",
    "smtp.starttls",
    "smtp.implicit_tls",
    "smtp.username",
    "smtp.from",
    "smtp.password",
)
"""Keys `prefs set` accepts (``smtp.password`` is handled by the caller: it goes to the keyring)."""


def _bool(key: str, value: str) -> bool:
    try:
        return _ON[value.strip().lower()]
    except KeyError:
        raise ValidationError(f"{key}: expected on or off, got {value!r}") from None


def _clock(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError(f"quiet_hours: {text!r} is not a time HH:MM")
    return time(int(match[1]), int(match[2]))


def _quiet(text: str) -> QuietHours | None:
    if text.strip().lower() in ("off", "none", ""):
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValidationError(f"quiet_hours: expected HH:MM-HH:MM (e.g. 22:00-07:00) or off, got {text!r}")
    quiet = QuietHours(_clock(start), _clock(end))
    if quiet.start == quiet.end:
        raise ValidationError("quiet_hours: start and end must differ")
    return quiet


def _int(key: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"{key}: expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ValidationError(f"{key}: must be between {low} and {high}")
    return number


def apply_setting(prefs: Preferences, key: str, value: str) -> Preferences:
    """Return ``prefs`` with ``key`` set to ``value`` (ValidationError with a clear reason otherwise)."""
    key = key.strip()
    if key == "channels.native":
        return replace(prefs, native=_bool(key, value))
    if key == "channels.in_app":
        return replace(prefs, in_app=_bool(key, value))
    if key == "channels.email":
        on = _bool(key, value)
        if on and not prefs.email_address:
            raise ValidationError("channels.email: set channels.email.address first")
        return replace(prefs, email=on)
    if key == "channels.email.address":
        if not _EMAIL_RE.match(value.strip()):
            raise ValidationError(f"channels.email.address: {value!r} is not an e-mail address")
        return replace(prefs, email_address=value.strip(), email=True)
    if key.startswith("rules."):
        rule_id = key.removeprefix("rules.")
        if rule_id not in RULES_BY_ID:
            raise ValidationError(f"unknown rule {rule_id!r} (one of: {', '.join(RULES_BY_ID)})")
        return replace(prefs, rules=prefs.rules | {rule_id: _bool(key, value)})
    if key.startswith("routes."):
        milestone = key.removeprefix("routes.")
        if milestone not in prefs.routes:
            raise ValidationError(f"unknown milestone {milestone!r} (one of: {', '.join(prefs.routes)})")
        chans = tuple(c.strip() for c in value.split(",") if c.strip())
        bad = [c for c in chans if c not in CHANNELS]
        if bad:
            raise ValidationError(f"{key}: unknown channel {bad[0]!r} (one of: {', '.join(CHANNELS)})")
        return replace(prefs, routes=prefs.routes | {milestone: chans})
    if key == "quiet_hours":
        return replace(prefs, quiet_hours=_quiet(value))
    if key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"timezone: {value!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
        if value not in available_timezones() and value != "UTC":
            raise ValidationError(f"timezone: {value!r} is not an IANA time zone (e.g. Europe/Berlin)")
        return replace(prefs, timezone=value)
    if key == "mute":
        number = value.strip()
        if not number:
            raise ValidationError("mute: give an order number")
        return replace(prefs, muted=tuple(dict.fromkeys((*prefs.muted, number))))
    if key == "unmute":
        return replace(prefs, muted=tuple(m for m in prefs.muted if m != value.strip()))
    if key == "stale_days":
        return replace(prefs, stale_days=_int(key, value, 1, MAX_STALE_DAYS))
    if key == "history_hours":
        return replace(prefs, history_hours=_int(key, value, 1, MAX_HISTORY_HOURS))
    if key == "smtp.host":
        if not _HOST_RE.match(value.strip()):
            raise ValidationError(f"smtp.host: {value!r} is not a host name")
        return replace(prefs, smtp=replace(prefs.smtp, host=value.strip()))
    if key == "smtp.port":
        return replace(prefs, smtp=replace(prefs.smtp, port=_int(key, value, 1, 65535)))
    if key == "smtp.starttls":
        return replace(prefs, smtp=replace(prefs.smtp, starttls=_bool(key, value)))
    if key == "smtp.implicit_tls":
        return replace(prefs, smtp=replace(prefs.smtp, implicit_tls=_bool(key, value)))
    if key == "smtp.username":
        return replace(prefs, smtp=replace(prefs.smtp, username=value.strip()))
    if key == "smtp.from":
        if not _EMAIL_RE.match(value.strip()):
            raise ValidationError(f"smtp.from: {value!r} is not an e-mail address")
        return replace(prefs, smtp=replace(prefs.smtp, sender=value.strip()))
    raise ValidationError(f"unknown preference {key!r} (one of: {', '.join(SETTABLE_KEYS)})")
