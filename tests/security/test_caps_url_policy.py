"""One source-address policy for `sources add` and the settings screen: https except to loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.gui import check_source_url
from services.domain import ConfigError
from services.sources.urls import UrlPolicyError, is_loopback_host, validate_source_url
from tests.support.cli import run_cli

ACCEPTED = [
    ("https://orders.example.com/", "https://orders.example.com"),
    ("HTTPS://Orders.example.com/api", "https://Orders.example.com/api"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
    ("http://127.8.9.10", "http://127.8.9.10"),
    ("http://[::1]:8080", "http://[::1]:8080"),
]
REFUSED = [
    ("http://127.attacker.example", "must use https://"),  # a DNS name that only starts with 127.
    ("http://127.0.0.1.nip.io:8080", "must use https://"),
    ("http://localhost.attacker.example", "must use https://"),
    ("http://orders.example.com", "must use https://"),
    ("http://0.0.0.0:8080", "must use https://"),
    ("http://192.168.1.20", "must use https://"),
    ("http://[::]:80", "must use https://"),
    ("https://user:secret@orders.example.com", "must not contain credentials"),
    ("http://user@127.0.0.1", "must not contain credentials"),
    ("https://orders.example.com/?token=abc", "query or fragment"),
    ("https://orders.example.com/#x", "query or fragment"),
    ("https://orders.example.com/a b", "spaces"),
    ("https://orders.example.com/\x1b[31m", "control characters"),
    ("ftp://orders.example.com", "must start with http:// or https://"),
    ("orders.example.com", "must start with http:// or https://"),
    ("https://", "has no host name"),
    ("https://orders.example.com:99999", "is not a valid URL"),
]

SCREEN_SAYS = {
    "form": "Enter the full address, starting with https:// (or http:// on this computer).",
    "characters": "The address must not contain spaces, “?” or “#”.",
    "credentials": "Put the token in the token field, not in the address.",
    "https": "Use https:// — plain http:// is only allowed on this computer.",
}


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_https_anywhere_and_http_only_to_loopback_are_accepted(raw: str, expected: str) -> None:
    """https to any host, plain http to localhost or a loopback IP; the trailing slash goes."""
    assert validate_source_url(raw) == expected
    assert check_source_url(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
def test_hostile_addresses_are_refused_by_the_one_policy(raw: str, reason: str) -> None:
    """The service refuses with a typed ConfigError; the settings screen says the same in a plain ValueError."""
    with pytest.raises(UrlPolicyError) as refused:
        validate_source_url(raw)
    assert isinstance(refused.value, ConfigError)
    assert reason in refused.value.reason
    with pytest.raises(ValueError) as said:
        check_source_url(raw)
    assert str(said.value) == SCREEN_SAYS[refused.value.rule]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("127.attacker.example", False),
        ("127.0.0.1.example", False),
        ("localhost.example", False),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_loopback_means_localhost_or_a_loopback_ip(host: str, loopback: bool) -> None:
    """A name is loopback only when it is localhost or parses as a loopback address."""
    assert is_loopback_host(host) is loopback


def test_cli_refuses_a_127_lookalike_host_in_one_line(tmp_path: Path) -> None:
    """`sources add` with http://127.attacker.example: exit 2, one line naming the rule, nothing stored."""
    home = tmp_path / "home"
    home.mkdir()
    for kind in ("ordertrack", "karrio"):
        refused = run_cli(
            home, "sources", "add", kind, "--url", "http://127.attacker.example", "--token-stdin", stdin="tok\n"
        )
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "--url must use https://" in lines[0], refused.stderr
        assert "Traceback" not in refused.stderr
    listed = run_cli(home, "sources", "list", "--format", "json")
    assert listed.returncode == 0 and '"sources": []' in listed.stdout, listed.stdout


def test_cli_and_settings_screen_decide_alike(tmp_path: Path) -> None:
    """The same addresses pass and fail on the command line as in the settings screen."""
    home = tmp_path / "home"
    home.mkdir()
    cases = [("http://127.0.0.1:9", True), ("http://127.attacker.example", False), ("http://lan.example", False)]
    for n, (url, ok) in enumerate(cases):
        cli = run_cli(home, "sources", "add", "ordertrack", "--url", url, "--name", f"s{n}")
        assert (cli.returncode == 0) is ok, cli.stderr
        try:
            check_source_url(url)
            gui_ok = True
        except ValueError:
            gui_ok = False
        assert gui_ok is ok
