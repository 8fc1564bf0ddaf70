"""Delivery channels: native desktop notifications, e-mail over SMTP; in-app is the log itself.

native  Linux: org.freedesktop.Notifications.Notify over the session D-Bus (jeepney, pure Python);
        Windows/macOS: plyer where it has a backend. No service -> NativeUnavailableError (the
        dispatcher falls back to in-app and logs why).
email   smtplib with STARTTLS + AUTH, text and HTML parts; the password comes from the keyring.
"""

from __future__ import annotations

import base64
import html
import logging
import smtplib
import ssl
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from .preferences import SmtpSettings

log = logging.getLogger(__name__)

APP_NAME = "Order Tracking"
NOTIFY_TIMEOUT_S = 3.0
SMTP_TIMEOUT_S = 10.0


class DeliveryError(Exception):
    """A channel could not deliver (the message says why, without secrets)."""


class NativeUnavailableError(DeliveryError):
    """No native notification service on this system (or session)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One alert as a channel shows it."""

    title: str
    body: str
    link: str | None = None


class NativeChannel:
    """Desktop notifications: D-Bus on Linux, plyer elsewhere."""

    def __init__(self, app_name: str = APP_NAME, platform: str = sys.platform) -> None:
        self.app_name = app_name
        self.platform = platform

    def send(self, messages: Sequence[Message]) -> None:
        """Show every message (NativeUnavailableError when there is no notification service)."""
        if not messages:
            return
        if self.platform.startswith("linux"):
            self._send_dbus(messages)
        else:
            self._send_plyer(messages)

    def _send_dbus(self, messages: Sequence[Message]) -> None:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        addr = DBusAddress(
            "/org/freedesktop/Notifications",
            bus_name="org.freedesktop.Notifications",
            interface="org.freedesktop.Notifications",
        )
        try:
            conn = open_dbus_connection(bus="SESSION")
        except Exception as err:  # KeyError (no address), OSError, jeepney's AuthenticationError...
            raise NativeUnavailableError(f"no D-Bus session bus ({type(err).__name__}: {err})") from err
        try:
            for msg in messages:
                call = new_method_call(
                    addr, "Notify", "susssasa{sv}i", (self.app_name, 0, "", msg.title, msg.body, [], {}, 10_000)
                )
                try:
                    reply = conn.send_and_get_reply(call, timeout=NOTIFY_TIMEOUT_S)
                except (OSError, TimeoutError) as err:
                    raise NativeUnavailableError(f"the notification service did not answer ({err})") from err
                if reply.header.message_type is MessageType.error:
                    name = reply.header.fields.get(4, "error")  # HeaderFields.error_name
                    detail = reply.body[0] if reply.body else ""
                    raise NativeUnavailableError(f"{name}: {detail}")
        finally:
            conn.close()

    def _send_plyer(self, messages: Sequence[Message]) -> None:
        try:
            from plyer import notification
        except Exception as err:  # plyer prints and degrades on broken platform modules
            raise NativeUnavailableError(f"plyer unavailable: {err}") from err
        for msg in messages:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    notification.notify(title=msg.title, message=msg.body, app_name=self.app_name, timeout=10)
            except NotImplementedError as err:
                raise NativeUnavailableError(f"no notification backend on {self.platform}") from err
            except Exception as err:
                raise NativeUnavailableError(f"{type(err).__name__}: {err}") from err


def render_email(msg: Message, *, sender: str, to: str) -> EmailMessage:
    """Build the e-mail of one alert: plain text + HTML, with a link to the carrier's tracking page."""
    mail = EmailMessage()
    mail["Subject"] = msg.title
    mail["From"] = sender
    mail["To"] = to
    mail["Message-ID"] = make_msgid(domain="ordertrack.local")
    text = msg.body + (f"\n\nTrack your parcel: {msg.link}\n" if msg.link else "\n")
    mail.set_content(text)
    link = f'<p><a href="{html.escape(msg.link, quote=True)}">Track your parcel</a></p>' if msg.link else ""
    mail.add_alternative(
        f"<html><body><h2>{html.escape(msg.title)}</h2><p>{html.escape(msg.body)}</p>{link}</body></html>",
        subtype="html",
    )
    return mail


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Authenticate; non-ASCII credentials go as UTF-8 AUTH PLAIN (RFC 4616), which smtplib cannot send."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, _ = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, b"authentication failed")


class EmailChannel:
    """E-mail alerts over SMTP (STARTTLS unless switched off, AUTH when a username is set)."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: Callable[[], str | None],
        *,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self._password = password
        self._tls = tls_context

    def send(self, to: str, messages: Sequence[Message]) -> list[DeliveryError | None]:
        """Send one mail per message over one connection; return per message None (sent) or the error."""
        cfg = self.settings
        if not cfg.host:
            err = DeliveryError("no SMTP server configured (prefs set smtp.host HOST)")
            return [err for _ in messages]
        sender = cfg.sender or cfg.username or to
        results: list[DeliveryError | None] = []
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=SMTP_TIMEOUT_S) as smtp:
                smtp.ehlo()
                if cfg.starttls:
                    smtp.starttls(context=self._tls or ssl.create_default_context())
                    smtp.ehlo()
                if cfg.username:
                    secret = self._password()
                    if secret is None:
                        raise DeliveryError("no SMTP password in the keyring (prefs set smtp.password -)")
                    _login(smtp, cfg.username, secret)
                for msg in messages:
                    try:
                        smtp.send_message(render_email(msg, sender=sender, to=to))
                        results.append(None)
                    except smtplib.SMTPRecipientsRefused as err:
                        results.append(DeliveryError(f"recipient refused: {list(err.recipients)}"))
        except smtplib.SMTPAuthenticationError as err:
            return self._fail(messages, results, DeliveryError(f"SMTP authentication failed ({err.smtp_code})"))
        except DeliveryError as err:
            return self._fail(messages, results, err)
        except (OSError, smtplib.SMTPException, ssl.SSLError) as err:
            return self._fail(messages, results, DeliveryError(f"SMTP {type(err).__name__}: {err}"))
        return results

    @staticmethod
    def _fail(
        messages: Sequence[Message], done: list[DeliveryError | None], err: DeliveryError
    ) -> list[DeliveryError | None]:
        log.warning("e-mail delivery failed: %s", err)
        return done + [err] * (len(messages) - len(done))
