"""SMTP: no password in clear (login refused without TLS, STARTTLS stripped by the server), implicit TLS on 465."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.notify import EmailChannel, Message, apply_setting
from services.notify.preferences import Preferences, SmtpSettings, from_json, to_json
from tests.support.mail import PASSWORD, USER, Recorder, free_port, running_smtp


class Listener:
    """A bare TCP listener on loopback that records every byte a client sends (a hostile or plain server)."""

    def __init__(self, greeting: bytes = b"") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self.received = b""
        self._greeting = greeting
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(5)
                if self._greeting:
                    conn.sendall(self._greeting)
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        """Answer like an SMTP server that offers AUTH but no STARTTLS (a downgrading man in the middle)."""
        buf = b""
        while True:
            try:
                chunk = conn.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            self.received += chunk
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-evil.example\r\n250 AUTH PLAIN LOGIN\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 no\r\n")

    def close(self) -> None:
        """Stop listening."""
        self.sock.close()


def test_login_without_tls_is_refused_before_connecting() -> None:
    """starttls off, no implicit TLS, a username: refused with a clear error, not even a TCP connection."""
    server = Listener(b"220 plain.example ESMTP\r\n")
    try:
        channel = EmailChannel(
            SmtpSettings(host="127.0.0.1", port=server.port, starttls=False, username=USER), lambda: PASSWORD
        )
        results = channel.send("kunde@example.org", [Message("Order W-1: Delivered", "b"), Message("t", "b")])
        assert server.connections == 0 and server.received == b""
    finally:
        server.close()
    assert all(r is not None and "login refused without TLS" in str(r) for r in results)
    assert all(PASSWORD not in str(r) for r in results)


def test_a_server_without_starttls_gets_no_password() -> None:
    """A server (or a man in the middle) that strips STARTTLS: the send fails and no AUTH line is ever sent."""
    server = Listener(b"220 evil.example ESMTP\r\n")
    try:
        channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=server.port, username=USER), lambda: PASSWORD)
        [err] = channel.send("kunde@example.org", [Message("t", "b")])
    finally:
        server.close()
    assert err is not None and "STARTTLS" in str(err).upper()
    assert server.connections == 1
    assert b"AUTH" not in server.received.upper() and PASSWORD.encode() not in server.received


def test_plain_sending_without_a_login_still_works_on_a_local_relay(tmp_path: Path) -> None:
    """No username: nothing secret to protect, a plain local relay is accepted."""
    rec = Recorder()
    ctl = Controller(rec, hostname="127.0.0.1", port=free_port())
    ctl.start()
    try:
        channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=ctl.port, starttls=False), lambda: None)
        assert channel.send("kunde@example.org", [Message("Order W-1: Delivered", "b")]) == [None]
    finally:
        ctl.stop()
    assert [m[2]["Subject"] for m in rec.messages] == ["Order W-1: Delivered"]


@pytest.fixture
def implicit_tls_smtp(tmp_path: Path) -> Iterator[tuple[Controller, Recorder, ssl.SSLContext]]:
    """A real SMTP server speaking TLS from the first byte (like port 465), AUTH required."""
    with running_smtp(tmp_path, implicit=True, auth_required=True) as server:
        yield server


NO_TLS_AUTH_WARNING = "ignore:Requiring AUTH while not requiring TLS:UserWarning"
"""aiosmtpd warns about auth_require_tls=False, which the implicit-TLS server needs (see the fixture)."""


@pytest.mark.filterwarnings(NO_TLS_AUTH_WARNING)
def test_implicit_tls_delivers_with_auth(implicit_tls_smtp: tuple[Controller, Recorder, ssl.SSLContext]) -> None:
    """smtp.implicit_tls on: SMTP_SSL, the certificate is verified, AUTH succeeds, the mail arrives."""
    ctl, rec, client_ctx = implicit_tls_smtp
    prefs = Preferences()
    for key, value in [
        ("smtp.host", "127.0.0.1"),
        ("smtp.port", str(ctl.port)),
        ("smtp.implicit_tls", "on"),
        ("smtp.starttls", "off"),
        ("smtp.username", USER),
    ]:
        prefs = apply_setting(prefs, key, value)
    prefs = from_json(to_json(prefs))  # the setting survives the stored form
    assert prefs.smtp.implicit_tls and to_json(prefs)["smtp"]["implicit_tls"] is True
    channel = EmailChannel(prefs.smtp, lambda: PASSWORD, tls_context=client_ctx)
    assert channel.send("kunde@example.org", [Message("Order W-9: Delivered", "At the door")]) == [None]
    [(_, rcpts, mail)] = rec.messages
    assert rcpts == ["kunde@example.org"] and mail["Subject"] == "Order W-9: Delivered"


@pytest.mark.filterwarnings(NO_TLS_AUTH_WARNING)
def test_implicit_tls_refuses_an_untrusted_certificate(
    implicit_tls_smtp: tuple[Controller, Recorder, ssl.SSLContext],
) -> None:
    """The default context does not trust the self-signed certificate: a DeliveryError, no mail, no password."""
    ctl, rec, _ = implicit_tls_smtp
    channel = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=ctl.port, implicit_tls=True, username=USER), lambda: PASSWORD
    )
    [err] = channel.send("kunde@example.org", [Message("t", "b")])
    assert err is not None and "CERTIFICATE_VERIFY_FAILED" in str(err) and PASSWORD not in str(err)
    assert rec.messages == []
