"""A web page cannot drive the demo's control endpoints: no form posts, no foreign Origin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.demo import DemoServer

FAKE = '{"status": "exception", "description": "Pay customs at https://pay-customs.example"}'


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """A demo without a token, as `ordertrack demo-server --port P` runs it."""
    with DemoServer(orders=10, seed=4, tick_seconds=3600) as srv:
        yield srv


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_cross_site_form_post_of_fake_event_is_refused(server: DemoServer, content_type: str) -> None:
    """A page's form post (no preflight) of a fake 'pay customs' event gets 415 and publishes nothing."""
    tracking = server.data.orders[0].shipments[0].tracking_number
    before = server.state.last_event_id
    response = httpx.post(
        f"{server.url}/_demo/shipments/{tracking}/events",
        content=FAKE,
        headers={"Content-Type": content_type, "Origin": f"http://127.0.0.1:{server.port}"},
    )
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert server.state.last_event_id == before


def test_bodyless_cross_site_post_cannot_move_time(server: DemoServer) -> None:
    """A no-body POST (what fetch() may send cross-site without asking) to advance is refused too."""
    before = server.state.sim_now()
    response = httpx.post(f"{server.url}/_demo/advance", params={"minutes": 600000})
    assert response.status_code == 415
    assert (server.state.sim_now() - before).days < 1


@pytest.mark.parametrize("origin", ["https://shop-deals.example", "null", "http://127.attacker.example:80"])
def test_foreign_origin_is_refused_even_with_json(server: DemoServer, origin: str) -> None:
    """A request carrying a foreign browser Origin is a 403, whatever its body type."""
    tracking = server.data.orders[0].shipments[0].tracking_number
    before = server.state.last_event_id
    response = httpx.post(
        f"{server.url}/_demo/shipments/{tracking}/events",
        content=FAKE,
        headers={"Content-Type": "application/json", "Origin": origin},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_origin"
    assert httpx.get(f"{server.url}/v1/orders", headers={"Origin": origin}).status_code == 403
    assert server.state.last_event_id == before


def test_json_post_from_loopback_still_works(server: DemoServer) -> None:
    """The real client (JSON, no Origin or a loopback one) is served."""
    tracking = server.data.orders[0].shipments[0].tracking_number
    for headers in ({}, {"Origin": f"http://localhost:{server.port}"}):
        response = httpx.post(
            f"{server.url}/_demo/shipments/{tracking}/events", json={"status": "in_transit"}, headers=headers
        )
        assert response.status_code == 201, response.text
