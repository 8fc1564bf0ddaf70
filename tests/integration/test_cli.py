"""The `ordertrack` command line against a real demo backend (the DESIGN.md CLI contract)."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest

from services.demo import DemoServer
from tests.support.cli import run_cli

HAS_SECRET_SERVICE = type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"


def test_sync_without_source_uses_the_embedded_demo(home: Path) -> None:
    """With no source configured, `sync` starts the demo in-process and says so."""
    r = run_cli(home, "sync")
    assert r.returncode == 0, r.stderr
    assert "Demo data" in r.stdout
    r = run_cli(home, "orders", "--format", "json")
    assert r.returncode == 0, r.stderr
    orders = json.loads(r.stdout)["orders"]
    assert len(orders) >= 100
    sample = orders[0]
    for key in (
        "order_number",
        "source",
        "channel",
        "placed_at",
        "status",
        "currency",
        "total",
        "tax_total",
        "items",
        "events",
        "shipments",
    ):
        assert key in sample
    assert sample["placed_at"].endswith("Z")


def test_orders_filters_and_timeline_shape(home: Path) -> None:
    """Prefix and date filters narrow the list; `timeline` prints the unified events oldest first."""
    assert run_cli(home, "sync").returncode == 0
    everything = json.loads(run_cli(home, "orders", "--format", "json").stdout)["orders"]
    number = next(o for o in everything if any(s["events"] for s in o["shipments"]))["order_number"]
    prefix = number[:-2]
    narrowed = json.loads(run_cli(home, "orders", "--number", prefix, "--format", "json").stdout)["orders"]
    assert narrowed and all(o["order_number"].startswith(prefix) for o in narrowed)
    assert len(narrowed) < len(everything)
    day = everything[0]["placed_at"][:10]
    same_day = json.loads(run_cli(home, "orders", "--from", day, "--to", day, "--format", "json").stdout)["orders"]
    assert same_day and all(o["placed_at"].startswith(day) for o in same_day)
    r = run_cli(home, "timeline", number, "--format", "json")
    assert r.returncode == 0, r.stderr
    timeline = json.loads(r.stdout)
    assert timeline["order_number"] == number
    events = timeline["events"]
    assert [e["occurred_at"] for e in events] == sorted(e["occurred_at"] for e in events)
    kinds = {e["kind"] for e in events}
    assert "order" in kinds and "shipment" in kinds
    carrier_event = next(e for e in events if e["kind"] == "shipment")
    assert {"location", "tracking_number", "carrier", "status", "description"} <= set(carrier_event)
    table = run_cli(home, "timeline", number)
    assert table.returncode == 0 and number in table.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("timeline", "NOPE-1"), "no order 'NOPE-1'"),
        (("orders", "--from", "yesterday"), "not a date"),
        (("orders", "--status", "lost"), "unknown status 'lost'"),
        (("sources", "remove", "ghost"), "no source named 'ghost'"),
        (("sources", "add", "ordertrack", "--url", "ftp://x"), "--url must start with http"),
        (("orders", "--bogus"), "unrecognized arguments"),
    ],
)
def test_user_errors_are_one_line_without_traceback(home: Path, args: tuple[str, ...], fragment: str) -> None:
    """User errors: one line on stderr, non-zero exit, no traceback."""
    r = run_cli(home, *args)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert fragment in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(not HAS_SECRET_SERVICE, reason="needs a real Secret Service (run via make test)")
def test_configured_source_token_lives_in_the_keyring(home: Path, demo: DemoServer) -> None:
    """`sources add --token-stdin` keeps the token in the OS keyring only; `sync` then uses it."""
    token = demo.token
    assert token is not None
    r = run_cli(
        home, "sources", "add", "ordertrack", "--url", demo.url, "--name", "shop", "--token-stdin", stdin=token + "\n"
    )
    assert r.returncode == 0, r.stderr
    assert keyring.get_password("ordertrack", "source:shop:token") == token
    for path in home.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"token leaked into {path}"
    r = run_cli(home, "sync", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["demo"] is False
    assert out["sources"][0]["new_orders"] == 60
    listed = json.loads(run_cli(home, "sources", "list", "--format", "json").stdout)["sources"]
    assert [s["name"] for s in listed] == ["shop"]
    assert token not in json.dumps(listed)
    r = run_cli(home, "sources", "remove", "shop")
    assert r.returncode == 0
    assert keyring.get_password("ordertrack", "source:shop:token") is None


@pytest.mark.skipif(not HAS_SECRET_SERVICE, reason="needs a real Secret Service (run via make test)")
def test_wrong_token_fails_cleanly(home: Path, demo: DemoServer) -> None:
    """A wrong token: exit 1, one clear line on stderr, no traceback."""
    run_cli(home, "sources", "add", "ordertrack", "--url", demo.url, "--name", "shop", "--token-stdin", stdin="bad\n")
    r = run_cli(home, "sync")
    assert r.returncode == 1
    assert "rejected" in r.stderr and "Traceback" not in r.stderr
    run_cli(home, "sources", "remove", "shop")
