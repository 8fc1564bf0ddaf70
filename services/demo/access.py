"""Who may reach the demo server: the bind address, the ``Host`` and ``Origin`` of each request.

The demo server is for this machine. A web page the user visits can still aim at it, either directly
(``http://127.0.0.1:PORT`` from a foreign page) or through DNS rebinding (``http://evil.example:PORT``
whose name later resolves to 127.0.0.1). So:

- it binds loopback unless the caller opts in to other hosts explicitly (``allow_public``);
- every request must name a loopback host in ``Host`` (a rebound name is refused); with the opt-in, an
  IP literal is accepted too, since rebinding needs a name;
- a request that carries an ``Origin`` (browsers send one with every cross-site fetch and every POST)
  must come from a page on the same kind of host.

"Loopback" means the name ``localhost`` or an address that parses as a loopback IP, never a name that
merely starts with ``127.``.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from services.domain.hosts import ip_literal, is_loopback_host, split_authority


def check_bind_host(host: str, allow_public: bool) -> None:
    """Raise ValueError unless ``host`` is loopback or the caller opted in to serving other hosts."""
    if is_loopback_host(host):
        return
    if not allow_public:
        raise ValueError(f"refusing to serve on {host!r}: not a loopback address")


def request_host_allowed(authority: str, allow_public: bool) -> bool:
    """Tell whether a ``Host`` header (``name[:port]``) may be served."""
    split = split_authority(authority)
    if split is None:
        return False
    name = split[0]
    return is_loopback_host(name) or (allow_public and ip_literal(name) is not None)


def origin_allowed(origin: str, allow_public: bool) -> bool:
    """Tell whether a browser ``Origin`` (``scheme://host[:port]``, or ``null``) may reach the server."""
    try:
        parts = urlsplit(origin)
        name = parts.hostname
        _ = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not name:
        return False
    return is_loopback_host(name) or (allow_public and ip_literal(name) is not None)


class HostGuard:
    """ASGI middleware: refuse (403, JSON) a request whose ``Host`` or ``Origin`` is not allowed."""

    def __init__(self, app: ASGIApp, allow_public: bool = False) -> None:
        self.app = app
        self.allow_public = allow_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the headers of an HTTP request before handing it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", ()):
            name = key.decode("latin-1").lower()
            if name in headers:  # two Host or Origin headers: ambiguous, refuse
                headers[name] = "\x00"
            else:
                headers[name] = value.decode("latin-1")
        host = headers.get("host")
        if host is None or not request_host_allowed(host, self.allow_public):
            await _refuse(send, "forbidden_host", "this server answers only to a loopback Host header")
            return
        origin = headers.get("origin")
        if origin is not None and not origin_allowed(origin, self.allow_public):
            await _refuse(send, "forbidden_origin", "requests from web pages on other hosts are refused")
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
