"""Hostile text on the notification channels: CR/LF in an order number, a message the server refuses, odd glyphs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from services.domain import ChangeSet, Channel, Order, OrderStatus, Shipment, ShipmentStatus, SyncState, TrackingEvent
from services.notify import Channels, DeliveryError, Dispatcher, EmailChannel, Message, NativeChannel, Preferences
from services.notify.preferences import SmtpSettings
from services.storage import Store
from services.storage.notify_repo import NotifyRepository
from tests.integration import fake_notifyd
from tests.support.mail import Recorder, free_port, needs_bus

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOSTILE = "W-2\r\nBcc: victim@evil.example\r\nX-Injected: yes"
"""An order number as a hostile source could send it: a header injection through the alert's subject."""
NUMBERS = ("W-1", HOSTILE, "W-3")


class Refusing(Recorder):
    """Records mails, but answers ``code`` to any message whose subject contains ``marker``."""

    def __init__(self) -> None:
        super().__init__()
        self.marker: str | None = None
        self.code = "554 5.6.0 message refused"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Refuse marked messages, record the others."""
        if self.marker is not None and self.marker.encode() in envelope.content.split(b"\r\n\r\n")[0]:
            return self.code
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def relay() -> Iterator[tuple[Controller, Refusing]]:
    """A real SMTP relay on loopback (no login, so no TLS needed)."""
    rec = Refusing()
    ctl = Controller(rec, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl, rec
    ctl.stop()


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def three_deliveries(store: Store) -> ChangeSet:
    """Store three live orders (one with the hostile number) and return the change set of three deliveries."""
    orders = [
        Order(
            n,
            "shop",
            Channel.WEB,
            T0,
            OrderStatus.SHIPPED,
            "EUR",
            Decimal("1"),
            Decimal("0"),
            shipments=(Shipment(f"TN{i}", "dhl", status=ShipmentStatus.IN_TRANSIT),),
        )
        for i, n in enumerate(NUMBERS)
    ]
    with store.transaction() as uow:
        uow.upsert_orders(orders, source="shop", received_at=T0, live=False)
        uow.set_sync_state(SyncState(source="shop#history", cursor="done"))
    changes = ChangeSet()
    with store.transaction() as uow:
        for i in range(len(NUMBERS)):
            event = TrackingEvent(T0, ShipmentStatus.DELIVERED, "Delivered")
            changes += uow.upsert_tracking(
                Shipment(f"TN{i}", "dhl", events=(event,)), source="shop", received_at=T0, live=True
            )
    return changes


def email_dispatcher(store: Store, port: int, clock: Clock) -> Dispatcher:
    """A dispatcher with only the e-mail channel on, to kunde@example.org through the relay."""
    channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=port, starttls=False), lambda: None)
    prefs = Preferences(native=False, in_app=False, email=True, email_address="kunde@example.org")
    return Dispatcher(store, Channels(email=channel), clock=clock, prefs=lambda: prefs)


def test_crlf_in_an_order_number_cannot_inject_headers_or_break_the_batch(
    tmp_path: Path, relay: tuple[Controller, Refusing]
) -> None:
    """Three alerts, the middle one with CR/LF + Bcc in its number: three mails, one recipient, no extra header."""
    ctl, rec = relay
    clock = Clock()
    with Store.open(tmp_path / "c.db") as store:
        dispatcher = email_dispatcher(store, ctl.port, clock)
        dispatcher("shop", three_deliveries(store))
        clock.now += timedelta(hours=2)  # past every retry and the "interrupted claim" window
        dispatcher.flush()
        rows = NotifyRepository(store).list()
    assert len(rec.messages) == 3
    assert all(rcpts == ["kunde@example.org"] for _, rcpts, _ in rec.messages)
    for _, _, mail in rec.messages:
        assert mail["Bcc"] is None and mail["X-Injected"] is None
        assert "\r" not in str(mail["Subject"]) and "\n" not in str(mail["Subject"])
    assert "Order W-2 Bcc: victim@evil.example X-Injected: yes: Delivered" in [m["Subject"] for _, _, m in rec.messages]
    assert sorted((r.status, r.attempts) for r in rows) == [("sent", 1)] * 3


def test_a_refused_message_is_failed_once_and_the_others_are_not_repeated(
    tmp_path: Path, relay: tuple[Controller, Refusing]
) -> None:
    """The server refuses the middle mail for good (554): the two others go out once, the third is not retried."""
    ctl, rec = relay
    rec.marker = "W-2"
    clock = Clock()
    with Store.open(tmp_path / "c.db") as store:
        dispatcher = email_dispatcher(store, ctl.port, clock)
        dispatcher("shop", three_deliveries(store))
        for _ in range(3):
            clock.now += timedelta(hours=2)
            dispatcher.flush()
        rows = {r.order_number: r for r in NotifyRepository(store).list()}
    assert sorted(m["Subject"] for _, _, m in rec.messages) == ["Order W-1: Delivered", "Order W-3: Delivered"]
    assert rows[HOSTILE].status == "failed" and "refused the message (554)" in rows[HOSTILE].reason
    assert rows[HOSTILE].attempts == 1
    assert rows["W-1"].status == rows["W-3"].status == "sent"


def test_a_temporary_refusal_retries_only_that_message(tmp_path: Path, relay: tuple[Controller, Refusing]) -> None:
    """451 on the middle mail: it alone is retried and delivered once the server accepts; nothing repeats."""
    ctl, rec = relay
    rec.marker, rec.code = "W-2", "451 4.3.0 try again later"
    clock = Clock()
    with Store.open(tmp_path / "c.db") as store:
        dispatcher = email_dispatcher(store, ctl.port, clock)
        dispatcher("shop", three_deliveries(store))
        rows = {r.order_number: r for r in NotifyRepository(store).list()}
        assert rows[HOSTILE].status == "pending_retry" and len(rec.messages) == 2
        rec.marker = None
        for _ in range(3):
            clock.now += timedelta(hours=2)
            dispatcher.flush()
        rows = {r.order_number: r for r in NotifyRepository(store).list()}
    subjects = sorted(m["Subject"] for _, _, m in rec.messages)
    assert subjects == sorted(
        f"Order {n}: Delivered" for n in ("W-1", "W-2 Bcc: victim@evil.example X-Injected: yes", "W-3")
    )
    assert all(r.status == "sent" for r in rows.values()) and rows[HOSTILE].attempts == 2


def test_control_characters_bidi_and_lone_surrogates_reach_the_mail_safely(relay: tuple[Controller, Refusing]) -> None:
    """NUL, a lone surrogate, an RTL override and a 200 KB title: the mail goes out with a clean, bounded subject."""
    ctl, rec = relay
    channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=False), lambda: None)
    title = "Order W-\x00\ud8009\u202egpj.exe: Delivered" + "x" * 200_000
    body = "Line one\r\nLine two\x1b[31m red\x00 \ud800"
    assert channel.send("kunde@example.org", [Message(title, body, "https://t.example/\r\nBcc: x@y.z")]) == [None]
    [(_, rcpts, mail)] = rec.messages
    subject = str(mail["Subject"])
    assert rcpts == ["kunde@example.org"] and mail["Bcc"] is None
    assert subject.startswith("Order W-\ufffd9gpj.exe: Delivered") and len(subject) <= 200
    plain = mail.get_body(("plain",))
    assert plain is not None
    text = plain.get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert "Line one\nLine two[31m red" in text and "\x1b" not in text and "\x00" not in text


def test_a_crashing_password_store_is_a_delivery_error(relay: tuple[Controller, Refusing]) -> None:
    """A keyring backend that raises something unexpected: every message gets a DeliveryError, nothing raises."""
    ctl, rec = relay

    def broken() -> str | None:
        raise RuntimeError("keyring backend exploded")

    channel = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=False, implicit_tls=False, username=""), broken
    )
    assert channel.send("kunde@example.org", [Message("t", "b")]) == [None]  # no login: the store is not asked
    tls = EmailChannel(SmtpSettings(host="127.0.0.1", port=ctl.port, username="me"), broken)
    results = tls.send("kunde@example.org", [Message("t", "b"), Message("u", "c")])
    assert all(isinstance(r, DeliveryError) for r in results)


def test_a_hostile_sender_or_recipient_is_refused_per_message(relay: tuple[Controller, Refusing]) -> None:
    """A recipient with CR/LF (a tampered preference) never reaches the server as a header or an envelope."""
    ctl, rec = relay
    channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=False), lambda: None)
    [err] = channel.send("kunde@example.org\r\nBcc: victim@evil.example", [Message("t", "b")])
    assert isinstance(err, DeliveryError) and err.permanent and "recipient" in str(err)
    assert rec.messages == []


@needs_bus
def test_native_notifications_survive_nul_surrogates_and_line_breaks(notifyd: Path) -> None:
    """A NUL would make the bus drop the connection, a lone surrogate cannot be encoded: both are cleaned."""
    NativeChannel().send([Message(HOSTILE + "\x00\ud800: Delivered", "Body\x00 with\r\nlines \u202eevil")])
    [call] = fake_notifyd.received(notifyd)
    assert call["summary"] == "W-2 Bcc: victim@evil.example X-Injected: yes\ufffd: Delivered"
    assert call["body"] == "Body with\nlines evil"


def test_a_native_failure_of_any_kind_falls_back_to_in_app(tmp_path: Path) -> None:
    """A native channel raising something unexpected: the dispatcher logs a fallback, the alert is in-app."""

    class Exploding(NativeChannel):
        """A native channel whose backend raises a non-delivery error."""

        def send(self, messages: Any) -> None:
            """Fail like a broken platform backend."""
            raise RuntimeError("backend exploded")

    with Store.open(tmp_path / "c.db") as store:
        prefs = Preferences(native=True, in_app=False)
        Dispatcher(store, Channels(native=Exploding()), clock=Clock(), prefs=lambda: prefs)(
            "shop", three_deliveries(store)
        )
        rows = NotifyRepository(store).list()
    native = [r for r in rows if r.channel == "native"]
    in_app = [r for r in rows if r.channel == "in_app"]
    assert len(native) == len(in_app) == 3
    assert all(r.status == "failed" and "RuntimeError" in r.reason for r in native)
