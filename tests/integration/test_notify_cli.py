"""`ordertrack prefs` and `ordertrack notifications` as a user runs them (real keyring for secrets)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.skipif(not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="needs the session keyring")


def test_prefs_set_show_and_clear_errors(home: Path) -> None:
    """Valid settings are stored and shown; bad keys and values exit 2 with a one-line reason."""
    for key, value in [
        ("channels.email.address", "kunde@example.org"),
        ("rules.delivered", "off"),
        ("quiet_hours", "22:00-07:00"),
        ("timezone", "Europe/Berlin"),
        ("mute", "W-100123"),
    ]:
        result = run_cli(home, "prefs", "set", key, value)
        assert result.returncode == 0, result.stderr
    shown = run_cli(home, "prefs", "show", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    prefs = json.loads(shown.stdout)["preferences"]
    assert prefs["channels"]["email"] == {"enabled": True, "address": "kunde@example.org"}
    assert prefs["rules"]["delivered"] is False and prefs["rules"]["shipped"] is True
    assert (prefs["quiet_hours"], prefs["timezone"], prefs["muted"]) == ("22:00-07:00", "Europe/Berlin", ["W-100123"])
    table = run_cli(home, "prefs", "show")
    assert "delivered" in table.stdout and "22:00-07:00" in table.stdout
    bad_cases = [
        (("rules.teleported", "on"), "unknown rule 'teleported'"),
        (("quiet_hours", "25:00-07:00"), "not a time HH:MM"),
        (("timezone", "Mars/Olympus"), "not an IANA time zone"),
        (("channels.email.address", "nobody"), "not an e-mail address"),
        (("colour", "blue"), "unknown preference 'colour'"),
        (("rules.delivered", "maybe"), "expected on or off"),
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda case: run_cli(home, "prefs", "set", *case[0]), bad_cases))
    for (_, needle), bad in zip(bad_cases, results, strict=True):
        assert bad.returncode == 2 and needle in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


def test_smtp_password_goes_to_the_keyring_only(home: Path) -> None:
    """`prefs set smtp.password -` reads stdin; the secret is in no file, no output; on the command line refused."""
    secret = "pw-Zürich-9f3e7c"
    stored = run_cli(home, "prefs", "set", "smtp.password", "-", stdin=secret + "\n")
    assert stored.returncode == 0, stored.stderr
    refused = run_cli(home, "prefs", "set", "smtp.password", secret)
    assert refused.returncode == 2 and secret not in refused.stderr
    shown = run_cli(home, "prefs", "show", "--format", "json")
    assert secret not in shown.stdout
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_notifications_log_is_empty_json_at_first(home: Path) -> None:
    """A new home prints an empty log with its unread count."""
    result = run_cli(home, "notifications", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"notifications": [], "unread": 0}
