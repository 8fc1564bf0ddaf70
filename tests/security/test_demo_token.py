"""The demo's control endpoints are behind its token when it has one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from services.demo import DemoServer

TOKEN = "ctl-t0k"
FAKE = {"status": "exception", "description": "Pay customs at https://pay-customs.example", "subtag": "Exception_004"}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(orders=10, seed=3, token=TOKEN, tick_seconds=3600) as srv:
        yield srv


def test_fake_customs_event_without_token_is_refused(server: DemoServer) -> None:
    """An anonymous POST of a fake 'pay customs' event is a 401 and nothing is published."""
    tracking = server.data.orders[0].shipments[0].tracking_number
    before = server.state.last_event_id
    response = httpx.post(f"{server.url}/_demo/shipments/{tracking}/events", json=FAKE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = httpx.post(
        f"{server.url}/_demo/shipments/{tracking}/events", json=FAKE, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert server.state.last_event_id == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_demo/health"),
        ("POST", "/_demo/advance?minutes=60"),
        ("POST", "/_demo/faults"),
        ("DELETE", "/_demo/faults"),
    ],
)
def test_every_control_endpoint_needs_the_token(server: DemoServer, method: str, path: str) -> None:
    """Health, advance, faults: 401 without the token, served with it."""
    before = server.state.sim_now()
    anonymous = httpx.request(method, f"{server.url}{path}", json={})
    assert anonymous.status_code == 401, anonymous.text
    assert server.state.sim_now() - before < timedelta(minutes=30)  # an anonymous advance moved nothing
    authorized = httpx.request(method, f"{server.url}{path}", json={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert authorized.status_code in (200, 201), authorized.text
    httpx.delete(f"{server.url}/_demo/faults", headers={"Authorization": f"Bearer {TOKEN}"})


def test_api_document_needs_no_token(server: DemoServer) -> None:
    """The API document is public; it holds no data."""
    assert httpx.get(f"{server.url}/openapi.yaml").status_code == 200
