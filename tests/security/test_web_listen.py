"""Which addresses the app may listen on, and which Host / Origin names its guard accepts.

The old guard compared strings (``host in ("0.0.0.0", "::", "")``), so ``0``, ``::0`` and any LAN
address passed; a name starting with ``127.`` counted as loopback. Here every spelling is parsed the
way the socket layer will read it.
"""

from __future__ import annotations

import pytest

from app.web_guard import LaunchSecret, ListenAddressError, WebGuard, check_listen_host


async def _app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never reached here
    raise AssertionError("not called")


GUARD = WebGuard(_app, port=8550, secret=LaunchSecret())


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_spellings_are_accepted(host: str) -> None:
    assert check_listen_host(host) == host


@pytest.mark.parametrize(
    "host",
    [
        "0",
        "::0",
        "0.0.0.0",
        "::",
        "",
        "0x0",
        "192.168.1.20",
        "10.0.0.1",
        "::ffff:192.168.1.1",
        "fe80::1",
        "127.attacker.example",
        "example.com",
        "localhost.attacker.example",
    ],
)
def test_everything_else_is_refused_in_plain_words(host: str) -> None:
    with pytest.raises(ListenAddressError, match="loopback only"):
        check_listen_host(host)


def test_the_opt_in_allows_addresses_but_never_names() -> None:
    assert check_listen_host("0.0.0.0", allow_public=True) == "0.0.0.0"
    assert check_listen_host("192.168.1.20", allow_public=True) == "192.168.1.20"
    with pytest.raises(ListenAddressError):
        check_listen_host("attacker.example", allow_public=True)


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:8550", True),
        ("localhost:8550", True),
        ("[::1]:8550", True),
        ("127.0.0.1", True),  # a port-less Host (HTTP/1.0 clients) names the same server
        ("127.0.0.1:8551", False),
        ("attacker.example:8550", False),
        ("127.attacker.example:8550", False),
        ("192.168.1.20:8550", False),
        ("user@127.0.0.1:8550", False),
        ("127.0.0.1:99999", False),
        ("", False),
        (None, False),
    ],
)
def test_host_header(host: str | None, ok: bool) -> None:
    assert GUARD.host_allowed(host) is ok


def test_public_opt_in_accepts_ip_literals_only() -> None:
    guard = WebGuard(_app, port=8550, secret=LaunchSecret(), allow_public=True)
    assert guard.host_allowed("192.168.1.20:8550")
    assert not guard.host_allowed("attacker.example:8550")


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        (None, True),
        ("http://127.0.0.1:8550", True),
        ("http://localhost:8550", False),  # another host than the request's
        ("https://127.0.0.1:8550", False),
        ("http://127.0.0.1:8551", False),
        ("http://attacker.example", False),
        ("null", False),
        ("http://127.0.0.1:8550/path", False),
    ],
)
def test_origin_must_be_the_request_host_itself(origin: str | None, ok: bool) -> None:
    assert GUARD.origin_allowed(origin, "127.0.0.1:8550") is ok


def test_the_secret_is_random_per_launch_and_compared_exactly() -> None:
    one, two = LaunchSecret(), LaunchSecret()
    assert one.token != two.token and one.cookie_value != two.cookie_value
    assert one.matches_token(one.token) and not one.matches_token(two.token)
    assert not one.matches_token(one.token[:-1]) and not one.matches_cookie("")
    assert GUARD.link().startswith("http://127.0.0.1:8550/?token=")
    assert GUARD.link("::1").startswith("http://[::1]:8550/?token=")
