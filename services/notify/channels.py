"""Delivery channels: native desktop notifications, e-mail over SMTP; in-app is the log itself.

native  Linux: org.freedesktop.Notifications.Notify over the session D-Bus (jeepney, pure Python);
        Windows/macOS: plyer where it has a backend. No service -> NativeUnavailableError (the
        dispatcher falls back to in-app and logs why).
email   smtplib over STARTTLS (port 587) or implicit TLS (SMTP_SSL, port 465) + AUTH, text and HTML
        parts; the password comes from the keyring and is never sent without TLS.

Every failure of a channel is a DeliveryError (or its subclass NativeUnavailableError): the
dispatcher never sees a raw exception. Vendor text reaches the channels as titles and bodies, so
control characters, line breaks and bidi overrides are removed from headers (no header injection
through an order number) and D-Bus strings (no NUL, no lone surrogate).
"""

from __future__ import annotations

import base64
import html
import logging
import re
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


HEADER_CHARS = 200
"""Longest subject line of an alert e-mail (longer titles end with an ellipsis)."""

_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0/C1 controls (tab, LF and CR are handled apart), bidi marks, embeddings, overrides and isolates."""
_SURROGATE = re.compile("[\ud800-\udfff]")


class DeliveryError(Exception):
    """A channel could not deliver (the message says why, without secrets).

    ``permanent``: this message can never be delivered as it is (the server rejected it for good, or
    it cannot be rendered); the dispatcher logs it as failed instead of retrying it.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NativeUnavailableError(DeliveryError):
    """No native notification service on this system (or session)."""


def _no_surrogates(text: str) -> str:
    """Replace lone surrogates (not encodable as UTF-8) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def header_text(text: str, limit: int = HEADER_CHARS) -> str:
    """Return ``text`` as one safe header line: no CR/LF or other controls, no bidi overrides, bounded."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", _no_surrogates(text[: limit * 4]).replace("\t", " ")))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def body_text(text: str) -> str:
    """Return ``text`` safe for a mail body or a D-Bus string: line breaks kept, other controls removed."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", _no_surrogates(text).replace("\r\n", "\n")))


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
                title, body = header_text(msg.title), body_text(msg.body)
                call = new_method_call(
                    addr, "Notify", "susssasa{sv}i", (self.app_name, 0, "", title, body, [], {}, 10_000)
                )
                try:
                    reply = conn.send_and_get_reply(call, timeout=NOTIFY_TIMEOUT_S)
                except (OSError, TimeoutError) as err:
                    raise NativeUnavailableError(f"the notification service did not answer ({err})") from err
                if reply.header.message_type is MessageType.error:
                    name = reply.header.fields.get(4, "error")  # HeaderFields.error_name
                    detail = reply.body[0] if reply.body else ""
                    raise NativeUnavailableError(f"{name}: {detail}")
        except DeliveryError:
            raise
        except Exception as err:  # jeepney's own errors (serialisation, a closed connection...)
            raise NativeUnavailableError(f"the notification could not be sent ({type(err).__name__})") from err
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
                    notification.notify(
                        title=header_text(msg.title), message=body_text(msg.body), app_name=self.app_name, timeout=10
                    )
            except NotImplementedError as err:
                raise NativeUnavailableError(f"no notification backend on {self.platform}") from err
            except Exception as err:
                raise NativeUnavailableError(f"{type(err).__name__}: {err}") from err


def render_email(msg: Message, *, sender: str, to: str) -> EmailMessage:
    """Build the e-mail of one alert: plain text + HTML, with a link to the carrier's tracking page.

    The subject is one safe line whatever the title holds (an order number with CR/LF cannot add a
    header); sender and recipient must be plain addresses (DeliveryError otherwise).
    """
    for what, address in (("recipient", to), ("sender", sender)):
        if header_text(address) != address or not _ADDRESS.fullmatch(address):
            raise DeliveryError(f"the {what} address is not one plain e-mail address", permanent=True)
    title, body = header_text(msg.title), body_text(msg.body)
    link_url = header_text(msg.link, 2000) if msg.link else None
    mail = EmailMessage()
    mail["Subject"] = title
    mail["From"] = sender
    mail["To"] = to
    mail["Message-ID"] = make_msgid(domain="ordertrack.local")
    text = body + (f"\n\nTrack your parcel: {link_url}\n" if link_url else "\n")
    mail.set_content(text)
    link = f'<p><a href="{html.escape(link_url, quote=True)}">Track your parcel</a></p>' if link_url else ""
    mail.add_alternative(
        f"<html><body><h2>{html.escape(title)}</h2><p>{html.escape(body)}</p>{link}</body></html>",
        subtype="html",
    )
    return mail


_ADDRESS = re.compile(r"[^\s<>,;\"]+")
"""One bare address (or the SMTP user name used as sender): no display name, no list, no white space."""


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
    """E-mail alerts over SMTP: STARTTLS (default) or implicit TLS, AUTH when a username is set.

    A login is never attempted without TLS: with a username but neither STARTTLS nor implicit TLS
    the channel refuses before it connects.
    """

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

    def _connect(self) -> smtplib.SMTP:
        """Open the connection (implicit TLS, or plain then STARTTLS) and greet the server."""
        cfg = self.settings
        context = self._tls or ssl.create_default_context()
        smtp: smtplib.SMTP
        if cfg.implicit_tls:
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=SMTP_TIMEOUT_S, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=SMTP_TIMEOUT_S)
        try:
            smtp.ehlo()
            if cfg.starttls and not cfg.implicit_tls:
                smtp.starttls(context=context)  # SMTPNotSupportedError when the server offers no STARTTLS
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, to: str, messages: Sequence[Message]) -> list[DeliveryError | None]:
        """Send one mail per message over one connection; return per message None (sent) or the error.

        Never raises: a failure of one message is that message's error (the others still go out
        once); a failure of the connection is the error of every message not yet sent.
        """
        cfg = self.settings
        if not cfg.host:
            err = DeliveryError("no SMTP server configured (prefs set smtp.host HOST)")
            return [err for _ in messages]
        if cfg.username and not (cfg.starttls or cfg.implicit_tls):
            err = DeliveryError(
                "SMTP login refused without TLS: the password would be sent in clear "
                "(prefs set smtp.starttls on, or smtp.implicit_tls on with smtp.port 465)"
            )
            return self._fail(messages, [], err)
        sender = cfg.sender or cfg.username or to
        results: list[DeliveryError | None] = []
        try:
            with self._connect() as smtp:
                if cfg.username:
                    secret = self._password()
                    if secret is None:
                        raise DeliveryError("no SMTP password in the keyring (prefs set smtp.password -)")
                    _login(smtp, cfg.username, secret)
                for msg in messages:
                    results.append(self._send_one(smtp, msg, sender, to))
        except smtplib.SMTPAuthenticationError as err:
            return self._fail(messages, results, DeliveryError(f"SMTP authentication failed ({err.smtp_code})"))
        except DeliveryError as err:
            return self._fail(messages, results, err)
        except (OSError, smtplib.SMTPException, ssl.SSLError) as err:
            return self._fail(messages, results, DeliveryError(f"SMTP {type(err).__name__}: {err}"))
        except Exception as err:  # anything else from smtplib or the TLS layer: still a delivery error
            return self._fail(messages, results, DeliveryError(f"SMTP {type(err).__name__}"))
        return results

    @staticmethod
    def _send_one(smtp: smtplib.SMTP, msg: Message, sender: str, to: str) -> DeliveryError | None:
        """Send one message; return its own error (the connection's errors propagate to ``send``)."""
        try:
            mail = render_email(msg, sender=sender, to=to)
        except DeliveryError as err:
            return err
        except Exception as err:  # the e-mail package refused the text: retrying cannot help
            return DeliveryError(f"the alert cannot be rendered as an e-mail ({type(err).__name__})", permanent=True)
        try:
            smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            return DeliveryError(f"recipient refused: {list(err.recipients)}", permanent=all(c >= 500 for c in codes))
        except smtplib.SMTPDataError as err:
            return DeliveryError(f"the server refused the message ({err.smtp_code})", permanent=err.smtp_code >= 500)
        except (UnicodeError, ValueError, TypeError) as err:
            return DeliveryError(f"the alert cannot be sent as an e-mail ({type(err).__name__})", permanent=True)
        return None

    @staticmethod
    def _fail(
        messages: Sequence[Message], done: list[DeliveryError | None], err: DeliveryError
    ) -> list[DeliveryError | None]:
        log.warning("e-mail delivery failed: %s", err)
        return done + [err] * (len(messages) - len(done))
