"""`ordertrack sources add` for every vendor kind, then `sync`, against a real local replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.support.cli import run_cli

from .vendor_replay import (
    AFTERSHIP_KEY,
    AFTERSHIP_KNOWN,
    FIXTURES,
    SEVENTEEN_KEY,
    SEVENTEEN_NUMBER,
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    ReplayServer,
)

HAS_SECRET_SERVICE = type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
needs_keyring = pytest.mark.skipif(not HAS_SECRET_SERVICE, reason="needs a real Secret Service (scripts/run-tests.sh)")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """The vendor replay server on a free loopback port."""
    if not FIXTURES.is_dir():
        pytest.skip("shared vendor fixtures not present")
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("shopify", "--url", "ftp://shop.example"), "t\n", "--url must start with http"),
        (("shopify", "--url", "http://shop.example", "--token-stdin"), "t\n", "must use https://"),
        (("shopify", "--url", "https://user:pw@shop.example", "--token-stdin"), "t\n", "must not contain credentials"),
        (("shopify", "--url", "https://shop.example/?token=x", "--token-stdin"), "t\n", "query"),
        (("shopify", "--url", "https://shop.example"), "", "needs --token-stdin"),
        (("woocommerce", "--url", "https://s.example", "--token-stdin"), "ck_only\n", "CONSUMER_KEY:CONSUMER_SECRET"),
        (("aftership", "--url", "https://api.aftership.com/v4", "--token-stdin"), "\n", "no credentials"),
        (("17track", "--url", "https://api.17track.net/track/v2.2", "--token-stdin"), "clé\n", "HTTP header"),
        (("easypost", "--url", "https://api.easypost.com/v2", "--token-stdin"), "a b\n", "spaces"),
        (("karrio", "--url", "https://k.example", "--name", "a\tb", "--token-stdin"), "k\n", "--name"),
        (("parcelapp", "--url", "https://x.example"), "", "invalid choice"),
    ],
)
def test_add_rejects_bad_input(home: Path, args: tuple[str, ...], stdin: str, fragment: str) -> None:
    """Bad URLs, missing or malformed credentials: exit 2, one line, nothing stored."""
    r = run_cli(home, "sources", "add", *args, stdin=stdin)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def _add(home: Path, kind: str, url: str, name: str, secret: str) -> None:
    r = run_cli(home, "sources", "add", kind, "--url", url, "--name", name, "--token-stdin", stdin=secret + "\n")
    assert r.returncode == 0, r.stderr
    assert keyring.get_password("ordertrack", f"source:{name}:token") == secret


@needs_keyring
def test_vendor_sources_sync_into_the_cache(home: Path, replay: ReplayServer) -> None:
    """Shopify + WooCommerce orders, then AfterShip and 17TRACK refresh their open shipments."""
    sources = [
        ("shopify", f"{replay.url}/shop", "it-shop", SHOPIFY_TOKEN),
        ("woocommerce", f"{replay.url}/woo", "it-woo", f"{WOO_KEY}:{WOO_SECRET}"),
        ("aftership", f"{replay.url}/aftership/v4", "it-as", AFTERSHIP_KEY),
        ("17track", f"{replay.url}/17track", "it-17", SEVENTEEN_KEY),
    ]
    try:
        for kind, url, name, secret in sources:
            _add(home, kind, url, name, secret)
        listed = run_cli(home, "sources", "list", "--format", "json")
        rows = json.loads(listed.stdout)["sources"]
        assert sorted((s["name"], s["kind"]) for s in rows) == sorted((n, k) for k, _, n, _ in sources)
        for _, _, _, secret in sources:
            assert secret not in listed.stdout
        for path in home.rglob("*"):
            if path.is_file():
                for _, _, _, secret in sources:
                    assert secret.encode() not in path.read_bytes(), f"a secret leaked into {path.name}"

        first = run_cli(home, "sync", "--format", "json")
        assert first.returncode == 0, first.stderr
        report = {s["source"]: s for s in json.loads(first.stdout)["sources"]}
        assert all(s["ok"] for s in report.values()), report
        assert report["it-shop"]["new_orders"] == 2 and report["it-woo"]["new_orders"] == 1
        assert all(h.authorized for h in replay.state.hits), "every request carried the vendor's auth header"
        shop_pages = [h for h in replay.state.of("shopify") if h.path.endswith("/orders.json")]
        assert any("page_info=p2" in h.query for h in shop_pages), "Shopify's Link rel=next was followed"

        second = run_cli(home, "sync", "--format", "json")
        assert second.returncode == 0, second.stderr
        assert all(s["ok"] for s in json.loads(second.stdout)["sources"]), second.stdout

        listed_orders = json.loads(run_cli(home, "orders", "--format", "json").stdout)["orders"]
        orders = {o["order_number"]: o for o in listed_orders}
        assert {"#1001", "#1002", "727"} <= set(orders)
        assert orders["#1001"]["source"] == "it-shop" and orders["727"]["source"] == "it-woo", "the configured names"
        by_number = {s["tracking_number"]: s for o in orders.values() for s in o["shipments"]}
        assert "12345678" in by_number, "WooCommerce Shipment Tracking items become shipments"
        fedex_checkpoints = by_number[AFTERSHIP_KNOWN]["events"]
        assert any(e["status"] == "delivered" for e in fedex_checkpoints), "AfterShip refreshed the Shopify shipment"
        ups = by_number[SEVENTEEN_NUMBER]
        assert any(e["status"] == "delivered" for e in ups["events"]), "17TRACK refreshed the second Shopify order"
        assert "12345678" in replay.state.registered, "numbers 17TRACK did not know were registered"
        asked = [h for h in replay.state.of("aftership") if "/trackings/" in h.path]
        assert any(h.path.endswith(f"/{AFTERSHIP_KNOWN}") for h in asked)
        assert all(len(h.body) <= 40 for h in replay.state.of("17track"))
    finally:
        for _, _, name, _ in sources:
            run_cli(home, "sources", "remove", name)
    for _, _, name, _ in sources:
        assert keyring.get_password("ordertrack", f"source:{name}:token") is None


@needs_keyring
def test_wrong_vendor_key_fails_cleanly(home: Path, replay: ReplayServer) -> None:
    """A rejected Shopify token: sync exits 1 with the vendor's reason on one line, no traceback."""
    try:
        _add(home, "shopify", f"{replay.url}/shop", "it-bad", "shpat_wrong")
        r = run_cli(home, "sync")
        assert r.returncode == 1
        assert "credentials rejected" in r.stdout + r.stderr
        assert "Traceback" not in r.stderr and "shpat_wrong" not in r.stdout + r.stderr
    finally:
        run_cli(home, "sources", "remove", "it-bad")
