"""Local mail and desktop-notification parts: a recording aiosmtpd server with AUTH and a throw-away TLS certificate."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import os
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

needs_bus = pytest.mark.skipif(not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="no D-Bus session bus")


class Recorder:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Record the envelope and the parsed message."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


USER, PASSWORD = "shopper", "pw-Łódź-s3cret"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    """Accept exactly USER / PASSWORD."""
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    """A free loopback port (aiosmtpd's Controller cannot use port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def tls_server(
    tmp_path: Path, rec: Recorder, *, implicit: bool, port: int | None = None, **options: Any
) -> tuple[Controller, ssl.SSLContext]:
    """A real SMTP server on 127.0.0.1 with AUTH (USER / PASSWORD) over TLS, not started yet.

    ``implicit``: TLS from the first byte (like port 465); else STARTTLS, which it then requires.
    Returns it and a client context that trusts its self-signed certificate (``tmp_path/cert.pem``).
    """
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    if implicit:  # aiosmtpd counts only STARTTLS as TLS for AUTH; this socket is TLS from the first byte
        options.update(ssl_context=server_ctx, auth_require_tls=False)
    else:
        options.update(tls_context=server_ctx, require_starttls=True)
    ctl = Controller(
        rec, hostname="127.0.0.1", port=free_port() if port is None else port, authenticator=authenticator, **options
    )
    return ctl, ssl.create_default_context(cafile=str(cert))


@contextmanager
def running_smtp(
    tmp_path: Path, *, implicit: bool, **options: Any
) -> Iterator[tuple[Controller, Recorder, ssl.SSLContext]]:
    """Run :func:`tls_server` with a fresh Recorder; yield it, the recorder and the client context."""
    rec = Recorder()
    ctl, client_ctx = tls_server(tmp_path, rec, implicit=implicit, **options)
    ctl.start()
    try:
        yield ctl, rec, client_ctx
    finally:
        ctl.stop()
