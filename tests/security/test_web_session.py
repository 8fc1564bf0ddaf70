"""The web mode hands the order history only to the browser that opened this launch's link.

Started from the attacks of the audit: a page on another site opening a WebSocket to the app's port
(cross-site WebSocket), a page on a rebinding DNS name (``Host: attacker.example``), and a request
that simply does not know the launch token. Each is refused at the HTTP / WebSocket handshake, while
the printed link (and only it) lets a browser in. The positive controls use the same raw requests with
the right Host, Origin and cookie, so a guard that refused everything would fail here too.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, app_env, serving

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real app (``ordertrack run --web``) on the embedded demo, with the keyring of the test session."""
    yield from serving(tmp_path_factory.mktemp("home"))


def _port(server: Server) -> int:
    port = urllib.parse.urlsplit(server.url).port
    assert port is not None
    return port


def _cookie(server: Server) -> str:
    """Open the printed link as a browser would; return the cookie it sets (``name=value``)."""
    conn = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=10)
    target = urllib.parse.urlsplit(server.link)
    conn.request("GET", f"{target.path}?{target.query}")
    response = conn.getresponse()
    response.read()
    assert response.status == 303 and response.getheader("Location") == "/", response.status
    set_cookie = response.getheader("Set-Cookie") or ""
    assert "HttpOnly" in set_cookie and "SameSite" in set_cookie, set_cookie
    return set_cookie.split(";", 1)[0]


def _get(server: Server, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    return response.status, response.read()


def _ws_handshake(server: Server, headers: dict[str, str]) -> str:
    """Send a raw WebSocket upgrade for Flet's ``/ws``; return the status line the server answers."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /ws HTTP/1.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_the_link_is_printed_with_a_long_random_token(server: Server) -> None:
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(server.link).query)["token"][0]
    assert len(token) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert server.link.startswith(f"http://127.0.0.1:{_port(server)}/?token=")


def test_without_the_token_nothing_is_served(server: Server) -> None:
    host = f"127.0.0.1:{_port(server)}"
    status, body = _get(server, "/", {"Host": host})
    assert status == 403 and b"link Order Tracking printed" in body
    assert _get(server, "/main.dart.js", {"Host": host})[0] == 403
    assert _get(server, "/?token=wrong-token", {"Host": host})[0] == 403


def test_the_printed_link_lets_a_browser_in_and_the_cookie_keeps_it_in(server: Server) -> None:
    host = f"127.0.0.1:{_port(server)}"
    cookie = _cookie(server)
    status, body = _get(server, "/", {"Host": host, "Cookie": cookie})
    assert status == 200 and b"flutter" in body.lower()
    status, _ = _get(server, "/orders", {"Host": f"localhost:{_port(server)}", "Cookie": cookie})
    assert status == 200


def test_a_wrong_host_is_refused_even_with_the_cookie(server: Server) -> None:
    """DNS rebinding: the attacker's name resolves to 127.0.0.1; the browser sends that name as Host."""
    cookie, port = _cookie(server), _port(server)
    for host in (f"attacker.example:{port}", f"127.attacker.example:{port}", f"127.0.0.1:{port + 1}", "", "[::1"):
        status, _ = _get(server, "/", {"Host": host, "Cookie": cookie})
        assert status == 403, host
    token_query = urllib.parse.urlsplit(server.link).query
    assert _get(server, f"/?{token_query}", {"Host": f"attacker.example:{port}"})[0] == 403


def test_a_foreign_origin_websocket_is_refused(server: Server) -> None:
    """Cross-site WebSocket: the browser adds the page's Origin; ours is the only one accepted."""
    cookie, port = _cookie(server), _port(server)
    own = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}", "Cookie": cookie}
    assert " 101 " in _ws_handshake(server, own)  # the positive control: the app's own tab connects
    for origin in ("http://attacker.example", f"http://localhost:{port + 1}", "null", f"https://127.0.0.1:{port}"):
        assert " 403 " in _ws_handshake(server, {**own, "Origin": origin}), origin
    assert " 403 " in _ws_handshake(server, {k: v for k, v in own.items() if k != "Origin"})
    assert " 403 " in _ws_handshake(server, {k: v for k, v in own.items() if k != "Cookie"})
    assert " 403 " in _ws_handshake(server, {**own, "Cookie": cookie.split("=")[0] + "=guess"})
    assert " 403 " in _ws_handshake(server, {**own, "Host": f"attacker.example:{port}"})


class _AttackerPage(BaseHTTPRequestHandler):
    """A page on another site that tries to open a Flet session on the app's port."""

    target = ""

    def do_GET(self) -> None:
        body = f"""<!doctype html><title>cute cats</title><script>
        window.result = new Promise(done => {{
          const ws = new WebSocket("{self.target}");
          ws.onopen = () => done("open");
          ws.onerror = () => done("refused");
        }});
        </script>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.e2e
def test_a_page_on_another_site_cannot_open_a_session_in_a_real_browser(server: Server) -> None:
    """The customer has the app open (cookie set); a page on another site in the same browser tries."""
    from playwright.sync_api import sync_playwright

    port = _port(server)
    _AttackerPage.target = f"ws://127.0.0.1:{port}/ws"
    attacker = ThreadingHTTPServer(("127.0.0.1", 0), _AttackerPage)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context()
            ours = context.new_page()
            ours.goto(server.at("/"))  # the customer's own tab: the cookie is now in this browser
            assert ours.url == f"{server.url}/"
            # the positive control: a WebSocket from the app's own origin opens
            assert (
                ours.evaluate(f"""new Promise(done => {{ const ws = new WebSocket("ws://127.0.0.1:{port}/ws");
                ws.onopen = () => {{ ws.close(); done("open"); }}; ws.onerror = () => done("refused"); }})""")
                == "open"
            )
            evil = context.new_page()
            evil.goto(f"http://localhost:{attacker.server_address[1]}/")  # another site: localhost != 127.0.0.1
            assert evil.evaluate("window.result") == "refused"
            # and plain navigation without the link gets the explanation, not the app
            stranger = browser.new_context().new_page()
            response = stranger.goto(f"{server.url}/orders")
            assert response is not None and response.status == 403
            browser.close()
    finally:
        attacker.shutdown()


@pytest.mark.parametrize("host", ["0", "::0", "0.0.0.0", "::", "192.168.1.20", "10.1.2.3", "127.attacker.example"])
def test_run_refuses_to_listen_beyond_loopback(tmp_path: Path, host: str) -> None:
    """``--host 0`` and ``--host ::0`` used to pass a string comparison and listen on every interface."""
    env = app_env(tmp_path)
    env.pop("ORDERTRACK_ALLOW_PUBLIC", None)
    result = subprocess.run(
        [sys.executable, "-m", "app", "run", "--web", "--host", host, "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "loopback" in result.stderr and "Traceback" not in result.stderr
    assert "Serving" not in result.stdout
