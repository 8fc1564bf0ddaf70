"""End to end: demo backend -> sync engine -> dispatcher -> real SMTP server and real session-bus notifications."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.container import AppContainer
from services.credentials import CredentialsUnavailableError, KeyringCredentialStore, source_token_key
from services.demo import DemoServer
from services.domain import (
    Channel,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    SourceConfig,
    SyncState,
    TrackingEvent,
)
from services.notify import SMTP_PASSWORD_KEY, Channels, Dispatcher, EmailChannel, Preferences, apply_setting
from services.notify.dispatcher import load_prefs, save_prefs
from services.notify.preferences import SmtpSettings
from services.storage import NotifyRepository, Store
from tests.support.cli import follow
from tests.support.demo import open_shipment, post_event
from tests.support.mail import PASSWORD, USER, Recorder, free_port, needs_bus, tls_server

from . import fake_notifyd

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Controller, Recorder]]:
    """A real implicit-TLS SMTP server with AUTH; the app (and its subprocesses) trust its certificate."""
    rec = Recorder()
    ctl, _ = tls_server(tmp_path, rec, implicit=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))  # what the default TLS context trusts
    ctl.start()
    yield ctl, rec
    ctl.stop()


@pytest.fixture
def keyring_store() -> KeyringCredentialStore:
    """The real OS keyring (skips when there is none)."""
    store = KeyringCredentialStore(service="ordertrack-test-notify")
    try:
        store.get("probe")
    except CredentialsUnavailableError as err:
        pytest.skip(f"no secure keyring: {err.message}")
    return store


def connect_shop_and_mail(
    container: AppContainer,
    credentials: KeyringCredentialStore,
    demo: DemoServer,
    token: str,
    port: int,
    *settings: tuple[str, str],
) -> None:
    """Make ``demo`` the source "shop" (bearer ``token``); e-mail alerts go over the implicit-TLS server on ``port``."""
    container.store.sources.add(SourceConfig(name="shop", kind="ordertrack", url=demo.url))
    credentials.set(source_token_key("shop"), token)
    credentials.set(SMTP_PASSWORD_KEY, PASSWORD)
    repo = NotifyRepository(container.store)
    prefs = load_prefs(repo)
    for key, value in [
        ("channels.email.address", "kunde@example.org"),
        ("smtp.host", "127.0.0.1"),
        ("smtp.port", str(port)),
        ("smtp.implicit_tls", "on"),
        ("smtp.username", USER),
        *settings,
    ]:
        prefs = apply_setting(prefs, key, value)
    save_prefs(repo, prefs)


@needs_bus
def test_new_event_gives_one_email_and_one_native_alert_then_none(
    tmp_path: Path,
    smtp: tuple[Controller, Recorder],
    notifyd: Path,
    keyring_store: KeyringCredentialStore,
) -> None:
    """Back-fill alerts nobody; a posted event alerts once per channel; a re-sync alerts nobody."""
    ctl, rec = smtp
    demo = DemoServer(orders=20, seed=3, token="demo-t0k", tick_seconds=3600).start()
    home = tmp_path / "home"
    container = AppContainer.create(home, credentials=keyring_store)
    try:
        connect_shop_and_mail(
            container, keyring_store, demo, "demo-t0k", ctl.port, ("smtp.from", "alerts@shop.example")
        )

        [first] = container.sync_once()
        assert first.error is None and first.changes.new_events
        assert rec.messages == [] and fake_notifyd.received(notifyd, wait=0) == []

        order, shipment = open_shipment(container.store)
        post_event(
            demo.url,
            shipment.tracking_number,
            "demo-t0k",
            status="delivered",
            description="Delivered to Müller — Łódź — 東京",
            location="Łódź, PL",
        )

        [second] = container.sync_once()
        assert second.error is None
        title = f"Order {order.order_number}: Delivered"
        [(_, rcpts, mail)] = rec.messages
        assert rcpts == ["kunde@example.org"] and mail["Subject"] == title
        plain = mail.get_body(("plain",))
        assert plain is not None and "Müller — Łódź — 東京" in plain.get_content()
        [call] = fake_notifyd.received(notifyd, count=1)
        assert call["summary"] == title and "Müller — Łódź — 東京" in str(call["body"])

        [third] = container.sync_once()
        assert third.error is None
        assert len(rec.messages) == 1 and len(fake_notifyd.received(notifyd, wait=0)) == 1
    finally:
        container.close()
        demo.stop()
        for key in (source_token_key("shop"), SMTP_PASSWORD_KEY):
            keyring_store.delete(key)

    reopened = AppContainer.create(home, credentials=keyring_store)  # a restart reads the same log
    try:
        rows = NotifyRepository(reopened.store).list(order_number=order.order_number)
        sent = [r for r in rows if r.status == "sent"]
        assert sorted(r.channel for r in sent) == ["email", "in_app", "native"]
        assert all(r.reason.startswith("rule delivered fired on event delivered @") for r in sent)
        assert all(r.alerted_at is not None for r in sent)
    finally:
        reopened.close()


T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_smtp_down_then_back_delivers_exactly_once(tmp_path: Path) -> None:
    """SMTP unreachable -> pending_retry; once the server is up, the next due flush delivers it once."""
    now = [T0]
    store = Store.open(tmp_path / "c.db")
    port = free_port()
    try:
        ship = Shipment(tracking_number="TN1", carrier="dhl", status=ShipmentStatus.IN_TRANSIT)
        order = Order(
            "W-1", "shop", Channel.WEB, T0, OrderStatus.SHIPPED, "EUR", Decimal("1"), Decimal("0"), shipments=(ship,)
        )
        with store.transaction() as uow:
            uow.upsert_orders([order], source="shop", received_at=T0, live=False)
            uow.set_sync_state(SyncState(source="shop#history", cursor="done"))
        with store.transaction() as uow:
            event = TrackingEvent(T0, ShipmentStatus.EXCEPTION, "Customs hold")
            changes = uow.upsert_tracking(
                Shipment("TN1", "dhl", events=(event,)), source="shop", received_at=T0, live=True
            )
        rec = Recorder()
        ctl, client_ctx = tls_server(tmp_path, rec, implicit=True, port=port)
        channel = EmailChannel(
            SmtpSettings(host="127.0.0.1", port=port, implicit_tls=True, username=USER),
            lambda: PASSWORD,
            tls_context=client_ctx,
        )
        prefs = Preferences(native=False, in_app=False, email=True, email_address="kunde@example.org")
        d = Dispatcher(store, Channels(email=channel), clock=lambda: now[0], prefs=lambda: prefs)
        d("shop", changes)
        repo = NotifyRepository(store)
        [row] = repo.list()
        assert row.status == "pending_retry" and "Connection refused" in row.reason and PASSWORD not in row.reason

        ctl.start()
        try:
            d.flush()  # not due yet
            assert rec.messages == []
            now[0] = T0 + timedelta(minutes=1)
            d.flush()
            d.flush()
            d("shop", changes)  # the same change delivered again
        finally:
            ctl.stop()
        assert [m[2]["Subject"] for m in rec.messages] == ["Order W-1: Problem / action required"]
        [row] = repo.list()
        assert row.status == "sent" and row.attempts == 2 and row.alerted_at == now[0]
    finally:
        store.close()


@needs_bus
def test_sync_follow_turns_a_posted_event_into_one_email_and_one_native_alert(
    tmp_path: Path,
    smtp: tuple[Controller, Recorder],
    notifyd: Path,
) -> None:
    """`ordertrack sync --follow` running headless: one posted event -> exactly one email and one notification."""
    try:
        credentials = KeyringCredentialStore()
        credentials.get("probe")
    except CredentialsUnavailableError as err:
        pytest.skip(f"no secure keyring: {err.message}")
    ctl, rec = smtp
    demo = DemoServer(orders=20, seed=4, token="follow-t0k", tick_seconds=3600).start()
    home = tmp_path / "home"
    container: AppContainer | None = AppContainer.create(home, credentials=credentials)
    assert container is not None
    proc: subprocess.Popen[str] | None = None
    try:
        connect_shop_and_mail(container, credentials, demo, "follow-t0k", ctl.port)
        [backfill] = container.sync_once()  # history: alerts nobody
        assert backfill.error is None
        order, shipment = open_shipment(container.store)
        container.close()
        container = None

        proc = follow(home)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Following shop"), first
        post_event(
            demo.url,
            shipment.tracking_number,
            "follow-t0k",
            status="available_for_pickup",
            description="Ready at Łódź parcel locker",
        )
        # Other orders may raise their own (legitimate) alerts meanwhile, e.g. an ETA that passed:
        # count only what concerns this order.
        title = f"Order {order.order_number}: "

        def natives() -> list[dict[str, object]]:
            return [c for c in fake_notifyd.received(notifyd, count=0, wait=0) if str(c["summary"]).startswith(title)]

        def mails() -> list[object]:
            return [m for m in rec.messages if str(m[2]["Subject"]).startswith(title)]

        deadline = time.monotonic() + 30
        while (not natives() or not mails()) and time.monotonic() < deadline:
            time.sleep(0.05)
        [call] = natives()
        assert "Łódź parcel locker" in str(call["body"])
        assert len(mails()) == 1
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        assert "Traceback" not in out

        container = AppContainer.create(home, credentials=credentials)  # a re-sync after the follow run
        [again] = container.sync_once()
        assert again.error is None
        assert len(mails()) == 1 and len(natives()) == 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if container is not None:
            container.close()
        demo.stop()
        for key in (source_token_key("shop"), SMTP_PASSWORD_KEY):
            credentials.delete(key)
