"""Who may talk to the app's web server: the browser the customer opened with this launch's link.

The web mode serves the customer's whole order history over HTTP and a WebSocket on a loopback port.
Any web page the customer visits can reach that port (a cross-site WebSocket, or DNS rebinding a name
of its own to 127.0.0.1), so a loopback address alone proves nothing. Every request must therefore:

1. name this server by a host it is really known under (``Host``: ``localhost`` or a loopback IP with
   our port; with the documented public opt-in, also an IP literal, never a DNS name), and
2. come from our own origin when the browser says where it comes from (``Origin``; always sent on a
   WebSocket handshake, so a WebSocket without our origin is refused), and
3. prove the launch secret: the random token in the link the app opens or prints (``?token=...``, once),
   after which the browser holds it as an HttpOnly, SameSite cookie for the rest of the session.

A request with the token in its query is answered by a redirect to the same address without it (the
token does not stay in the address bar, the history or a ``Referer``) that sets the cookie. Requests
that fail are refused with 403 and a short page saying to open the link the app printed; a refused
WebSocket handshake never reaches Flet, so no session (and no order) exists for it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.domain.hosts import IPAddress, ip_literal, is_loopback_address, is_loopback_host, split_authority

TOKEN_PARAM = "token"
ALLOW_PUBLIC_ENV = "ORDERTRACK_ALLOW_PUBLIC"
_REFUSED_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Order Tracking</title>"
    b"<p>This address needs the link Order Tracking printed or opened when it started "
    b"(it ends in <code>?token=...</code>). Open that link, or start the app again.</p>"
)
_SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
_DROPPED_HEADERS = {b"access-control-allow-origin"}


class ListenAddressError(ValueError):
    """The address asked to serve on is not allowed (not loopback, without the opt-in)."""


def resolved_addresses(host: str) -> list[IPAddress]:
    """Return the addresses ``host`` means to the socket layer, numerically only (no DNS).

    ``0``, ``127.1`` and ``0x7f.1`` are numeric to the C library (``inet_aton``) even though they do not
    look like addresses: parse them the way ``bind`` will, not by comparing strings. A name (other than
    ``localhost``) raises ListenAddressError: what a name resolves to can change after the check.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if text.lower() == "localhost":
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    if not text:
        return [ipaddress.ip_address("0.0.0.0")]  # "" binds every interface
    try:
        infos = socket.getaddrinfo(text, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError) as err:
        raise ListenAddressError(
            f"refusing to serve on {host!r}: not an IP address; the app serves on loopback only "
            f"(127.0.0.1, ::1 or localhost)"
        ) from err
    found: list[IPAddress] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        found.append(ipaddress.ip_address(address))
    return found


def check_listen_host(host: str, *, allow_public: bool = False) -> str:
    """Return ``host`` when the app may serve on it, else raise ListenAddressError in plain words.

    Loopback only (``localhost``, ``127.0.0.1``, ``::1``, any address that parses as loopback); every
    other address (``0``, ``0.0.0.0``, ``::``, ``::0``, a LAN address) needs ``allow_public`` (the
    documented ``ORDERTRACK_ALLOW_PUBLIC=1`` opt-in). Names other than ``localhost`` are refused always.
    """
    addresses = resolved_addresses(host)
    if all(is_loopback_address(a) for a in addresses):
        return host.strip()
    if allow_public:
        return host.strip()
    shown = host if host.strip() else "(all interfaces)"
    raise ListenAddressError(
        f"refusing to serve on {shown}: the app serves on loopback only (127.0.0.1, ::1 or localhost); "
        f"set {ALLOW_PUBLIC_ENV}=1 to serve on another address on purpose"
    )


@dataclass(frozen=True)
class LaunchSecret:
    """This launch's secret: the token in the link and the cookie value a browser keeps after it."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    cookie_value: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def matches_token(self, candidate: str) -> bool:
        """Compare a presented token in constant time."""
        return hmac.compare_digest(candidate.encode(), self.token.encode())

    def matches_cookie(self, candidate: str) -> bool:
        """Compare a presented cookie value in constant time."""
        return hmac.compare_digest(candidate.encode(), self.cookie_value.encode())


class WebGuard:
    """ASGI middleware in front of the Flet web app: Host, Origin and launch secret, per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        port: int,
        secret: LaunchSecret,
        allow_public: bool = False,
    ) -> None:
        """Guard ``app`` served on ``port``; ``allow_public`` also accepts IP-literal hosts (opt-in)."""
        self._app = app
        self._port = port
        self._secret = secret
        self._allow_public = allow_public
        self.cookie_name = f"ordertrack_{port}"

    def link(self, host: str = "127.0.0.1", path: str = "/") -> str:
        """Return the link that lets a browser in: ``http://host:port/path?token=...``."""
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{shown}:{self._port}{path}?{urlencode({TOKEN_PARAM: self._secret.token})}"

    # -- the checks -------------------------------------------------------------------------------

    def host_allowed(self, value: str | None) -> bool:
        """Tell whether a ``Host`` header names this server the way a browser of ours would."""
        if not value:
            return False
        split = split_authority(value)
        if split is None:
            return False
        host, port = split
        if port is not None and port != self._port:
            return False
        host = host.lower()
        if is_loopback_host(host):
            return True
        return self._allow_public and ip_literal(host) is not None  # a DNS name: what DNS rebinding uses

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """Tell whether ``Origin`` is this server itself (``http://`` + the request's own host)."""
        if origin is None:
            return True  # plain navigations and same-origin GETs often carry none
        if not host:
            return False
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        if parts.scheme != "http" or parts.path not in ("", "/") or parts.query or parts.fragment:
            return False
        return parts.netloc.lower() == host.lower()

    # -- ASGI -------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one HTTP request or WebSocket handshake; pass lifespan through."""
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host")
        if not self.host_allowed(host) or not self.origin_allowed(headers.get("origin"), host):
            await self._refuse(scope, send, receive)
            return
        if kind == "websocket" and headers.get("origin") is None:
            await self._refuse(scope, send, receive)  # every browser sends Origin on a WebSocket
            return
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)]
        tokens = [v for k, v in query if k == TOKEN_PARAM]
        if kind == "http" and tokens:
            if len(tokens) == 1 and self._secret.matches_token(tokens[0]):
                await self._admit(scope, send, [(k, v) for k, v in query if k != TOKEN_PARAM])
            else:
                await self._refuse(scope, send, receive)
            return
        if not self._has_cookie(headers.get("cookie")):
            await self._refuse(scope, send, receive)
            return
        await self._app(scope, receive, self._with_headers(send))

    def _has_cookie(self, header: str | None) -> bool:
        if not header:
            return False
        jar = SimpleCookie()
        try:
            jar.load(header)
        except Exception:  # a malformed Cookie header proves nothing
            return False
        morsel = jar.get(self.cookie_name)
        return morsel is not None and self._secret.matches_cookie(morsel.value)

    async def _admit(self, scope: Scope, send: Send, rest: list[tuple[str, str]]) -> None:
        """Answer the token link: set the cookie, send the browser on to the same address without it."""
        path = scope.get("root_path", "") + scope.get("path", "/")
        location = path if path.startswith("/") and not path.startswith("//") else "/"
        if rest:
            location += "?" + urlencode(rest)
        cookie = f"{self.cookie_name}={self._secret.cookie_value}; Path=/; HttpOnly; SameSite=Lax"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("latin-1", "replace")),
                    (b"set-cookie", cookie.encode()),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                    *_SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope: Scope, send: Send, receive: Receive) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(_REFUSED_PAGE)).encode()),
                    (b"cache-control", b"no-store"),
                    *_SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": _REFUSED_PAGE})

    def _with_headers(self, send: Send) -> Send:
        """Drop Flet's ``Access-Control-Allow-Origin: *`` and add anti-framing headers to responses."""

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _DROPPED_HEADERS]
                message = {**message, "headers": kept + _SECURITY_HEADERS}
            await send(message)

        return guarded


def _headers(scope: Scope) -> dict[str, str]:
    """Return the request headers (first of each name, lower-case names, latin-1 decoded)."""
    found: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        found.setdefault(name, value.decode("latin-1"))
    return found
