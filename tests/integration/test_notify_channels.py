"""Channels against real parts: a session D-Bus with a recording notification daemon, aiosmtpd over STARTTLS."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.notify import EmailChannel, Message, NativeChannel, NativeUnavailableError
from services.notify.preferences import SmtpSettings
from tests.support.mail import PASSWORD, USER, Recorder, needs_bus, running_smtp

from . import fake_notifyd

ROOT = Path(__file__).resolve().parents[2]
NON_ASCII = "Müller — Łódź — 東京"


@needs_bus
def test_native_notification_reaches_the_bus_with_non_ascii(notifyd: Path) -> None:
    """Title and body arrive intact through a real session bus."""
    NativeChannel().send([Message("Order W-7: Delivered", NON_ASCII)])
    [call] = fake_notifyd.received(notifyd)
    assert (call["app_name"], call["summary"], call["body"]) == ("Order Tracking", "Order W-7: Delivered", NON_ASCII)


def test_native_without_any_bus_raises_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No session bus at all: NativeUnavailableError, not a crash."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    with pytest.raises(NativeUnavailableError):
        NativeChannel(platform="linux").send([Message("t", "b")])


FALLBACK_SCRIPT = """
import json, sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from services.domain import Channel, Order, OrderStatus, Shipment, ShipmentStatus, SyncState, TrackingEvent
from services.notify import Channels, Dispatcher, NativeChannel, Preferences
from services.storage import Store
from services.storage.notify_repo import NotifyRepository
now = datetime.now(UTC)
store = Store.open(Path(sys.argv[1]))
ship = Shipment(tracking_number="TN1", carrier="dhl", status=ShipmentStatus.IN_TRANSIT)
order = Order("W-1", "shop", Channel.WEB, now, OrderStatus.SHIPPED, "EUR", Decimal("1"), Decimal("0"),
              shipments=(ship,))
with store.transaction() as uow:
    uow.upsert_orders([order], source="shop", received_at=now, live=False)
    uow.set_sync_state(SyncState(source="shop#history", cursor="done"))
with store.transaction() as uow:
    event = TrackingEvent(now, ShipmentStatus.DELIVERED, "Delivered")
    changes = uow.upsert_tracking(Shipment("TN1", "dhl", events=(event,)), source="shop", received_at=now, live=True)
Dispatcher(store, Channels(native=NativeChannel()), prefs=lambda: Preferences(in_app=False))("shop", changes)
print(json.dumps([[r.channel, r.status, r.reason] for r in NotifyRepository(store).list()]))
"""


def test_bus_without_notification_service_falls_back_to_in_app(tmp_path: Path) -> None:
    """On a session bus with no Notifications service the alert is in-app and the log says why."""
    conf = tmp_path / "nosvc-session.conf"
    conf.write_text(fake_notifyd.NOSVC_CONF)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [
            "dbus-run-session",
            f"--config-file={conf}",
            "--",
            sys.executable,
            "-c",
            FALLBACK_SCRIPT,
            str(tmp_path / "c.db"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = {channel: (status, reason) for channel, status, reason in json.loads(result.stdout.splitlines()[-1])}
    assert rows["native"][0] == "failed"
    assert rows["native"][1].startswith("fallback: in-app (no notification service: org.freedesktop.DBus.Error.")
    assert rows["in_app"][0] == "sent"


# ---------------------------------------------------------------- e-mail


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Controller, Recorder, ssl.SSLContext]]:
    """A real SMTP server on 127.0.0.1 that requires STARTTLS and AUTH; yields it, its recorder, a client context."""
    with running_smtp(tmp_path, implicit=False, auth_required=True) as server:
        yield server


def test_email_over_starttls_with_auth(tls_smtp: tuple[Controller, Recorder, ssl.SSLContext]) -> None:
    """One message per alert, to the customer, with subject, text + HTML parts and the tracking link."""
    ctl, rec, client_ctx = tls_smtp
    settings = SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=True, username=USER, sender="alerts@shop.example")
    channel = EmailChannel(settings, lambda: PASSWORD, tls_context=client_ctx)
    link = "https://www.ups.com/track?tracknum=1Z999"
    results = channel.send(
        "kunde@example.org",
        [
            Message("Order W-7: Delivered", f"Delivered to {NON_ASCII}", link),
            Message("Order W-8: Shipped", "On its way"),
        ],
    )
    assert results == [None, None]
    assert [m[2]["Subject"] for m in rec.messages] == ["Order W-7: Delivered", "Order W-8: Shipped"]
    sender, rcpts, msg = rec.messages[0]
    assert (sender, rcpts) == ("alerts@shop.example", ["kunde@example.org"])
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    assert NON_ASCII in plain.get_content() and link in plain.get_content()
    assert f'href="{link}"' in html.get_content()


def test_email_wrong_password_and_plain_connection_fail_cleanly(
    tls_smtp: tuple[Controller, Recorder, ssl.SSLContext],
) -> None:
    """Bad credentials or no STARTTLS give a DeliveryError per message that never contains the password."""
    ctl, rec, client_ctx = tls_smtp
    wrong = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=ctl.port, username=USER), lambda: "nope", tls_context=client_ctx
    )
    [err] = wrong.send("kunde@example.org", [Message("t", "b")])
    assert err is not None and "authentication failed" in str(err) and "nope" not in str(err)
    plain = EmailChannel(SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=False, username=USER), lambda: PASSWORD)
    [err] = plain.send("kunde@example.org", [Message("t", "b")])
    assert err is not None and PASSWORD not in str(err)
    assert rec.messages == []
