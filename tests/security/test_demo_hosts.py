"""The demo serves this machine only: loopback binds and loopback Host headers (no DNS rebinding)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.demo import DemoServer
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(orders=10, seed=5, tick_seconds=3600) as srv:
        yield srv


@pytest.mark.parametrize(
    "host", ["rebind.attacker.example", "127.attacker.example", "127.0.0.1.nip.example", "192.168.1.20", "0", ""]
)
def test_rebound_host_header_is_refused(server: DemoServer, host: str) -> None:
    """A request naming another host (a rebound DNS name, a LAN address) is a 403 JSON error."""
    for path in ("/v1/orders", "/_demo/health", "/aftership/v4/trackings", "/openapi.yaml", "/nope"):
        response = httpx.get(f"{server.url}{path}", headers={"Host": f"{host}:{server.port}" if host else ""})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "forbidden_host"


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "127.0.0.2", "[::1]"])
def test_loopback_host_header_is_served(server: DemoServer, host: str) -> None:
    """Loopback names and addresses are served, with or without a port."""
    for value in (host, f"{host}:{server.port}"):
        assert httpx.get(f"{server.url}/v1/orders", headers={"Host": value}).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "0", "", "192.168.1.20", "127.attacker.example", "example.com"])
def test_binding_a_public_address_is_refused(host: str) -> None:
    """Any non-loopback bind address is refused before anything listens."""
    with pytest.raises(ValueError, match="not a loopback address"):
        DemoServer(host=host)


def test_public_bind_opt_in_needs_a_token() -> None:
    """Opting in to other hosts still refuses to serve them without a token."""
    with pytest.raises(ValueError, match="needs a token"):
        DemoServer(host="0.0.0.0", allow_public=True)
    with DemoServer(orders=5, host="0.0.0.0", allow_public=True, token="pub-t0k", tick_seconds=3600) as srv:
        url = f"http://127.0.0.1:{srv.port}"
        assert httpx.get(f"{url}/v1/orders").status_code == 401
        ok = httpx.get(f"{url}/v1/orders", headers={"Authorization": "Bearer pub-t0k", "Host": f"10.0.0.5:{srv.port}"})
        assert ok.status_code == 200  # an IP literal cannot be rebound
        named = httpx.get(f"{url}/v1/orders", headers={"Authorization": "Bearer pub-t0k", "Host": "evil.example"})
        assert named.status_code == 403


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--host", "::"], "not a loopback address"),
        (["--host", "0.0.0.0", "--allow-public"], "needs a token"),
        (["--port", "70000"], "--port: must be from 0 to 65535"),
        (["--orders", "1000000000"], "--orders: must be from 1 to"),
    ],
)
def test_cli_refuses_public_host_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    """`ordertrack demo-server --host 0.0.0.0` (or an impossible port or size) exits with one line, no traceback."""
    proc = run_cli(tmp_path, "demo-server", "--port", "0", *args, timeout=60)
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
