"""Webhook signature checks per vendor, with vectors computed here from the algorithms in notes/apis.md."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata

from sources_helpers import fixture_bytes, load_fixture

from services.sources.aftership import webhook as aftership
from services.sources.easypost import webhook as easypost
from services.sources.karrio import webhook as karrio
from services.sources.seventeentrack import webhook as seventeentrack
from services.sources.shippo import webhook as shippo
from services.sources.shopify import webhook as shopify
from services.sources.woocommerce import webhook as woocommerce

AFTERSHIP_BODY = fixture_bytes("aftership/webhook_tracking_update_2026-07_TRIMMED__hookdeck-copy-of-docs.json")
SEVENTEEN_BODY = fixture_bytes("17track/v2.4_webhook_TRACKING_UPDATED_delivered_ups__agritheory-fixture.json")
SHIPPO_BODY = fixture_bytes(
    "shippo/webhook_track_updated_SHIPPO_DELIVERED_with_FAILURE_in_history__docs-webhooks-page.json"
)
SHOPIFY_BODY = fixture_bytes("shopify/rest_2026-07_POST_fulfillment_event_in_transit__docs-generated-test.json")
WOO_BODY = fixture_bytes("woocommerce/wc-v3_GET_orders_727_processing__rest-api-docs.json")


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_easypost_official_test_vector() -> None:
    """EasyPost's client-library vector: secret 'sécret' (NFKD), compact JSON body, known hex digest."""
    body = json.dumps(
        load_fixture("easypost/webhook_event_tracker_updated_in_transit__client-library-fixture.json"),
        separators=(",", ":"),
    ).encode("utf-8")
    assert len(body) == 3550
    header = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
    assert easypost.sign(body, "sécret") == header
    assert easypost.verify(body, header, "sécret")
    assert easypost.verify(body, header, unicodedata.normalize("NFC", "sécret"))  # composed form, same key
    assert not easypost.verify(body + b" ", header, "sécret")
    assert not easypost.verify(body, header.replace("hmac-sha256-hex=", ""), "sécret")


def test_aftership_base64_hmac() -> None:
    """aftership-hmac-sha256 is base64(HMAC-SHA256(secret, raw body))."""
    expected = _b64_hmac("as-secret", AFTERSHIP_BODY)
    assert aftership.sign(AFTERSHIP_BODY, "as-secret") == expected
    assert aftership.verify(AFTERSHIP_BODY, expected, "as-secret")
    assert not aftership.verify(AFTERSHIP_BODY, expected, "other-secret")
    assert not aftership.verify(AFTERSHIP_BODY.replace(b"InTransit", b"Delivered"), expected, "as-secret")
    assert not aftership.verify(AFTERSHIP_BODY, None, "as-secret")


def test_17track_plain_sha256_of_body_slash_key() -> None:
    """17TRACK's ``sign`` is sha256hex(rawBody + "/" + apiKey), not an HMAC."""
    expected = hashlib.sha256(SEVENTEEN_BODY + b"/" + b"17-key").hexdigest()
    assert seventeentrack.sign(SEVENTEEN_BODY, "17-key") == expected
    assert seventeentrack.verify(SEVENTEEN_BODY, expected, "17-key")
    assert seventeentrack.verify(SEVENTEEN_BODY, expected.upper(), "17-key")
    assert not seventeentrack.verify(SEVENTEEN_BODY, expected, "other")
    assert not seventeentrack.verify(
        SEVENTEEN_BODY, hmac.new(b"17-key", SEVENTEEN_BODY, "sha256").hexdigest(), "17-key"
    )


def test_shippo_timestamped_hmac_and_replay_window() -> None:
    """Shippo-Auth-Signature is t=<unix>,v1=hex(HMAC(secret, t + "." + body)); stale ones are refused."""
    t = 1_712_741_696
    digest = hmac.new(b"sh-secret", f"{t}.".encode() + SHIPPO_BODY, hashlib.sha256).hexdigest()
    header = f"t={t},v1={digest}"
    assert shippo.sign(SHIPPO_BODY, "sh-secret", t) == header
    assert shippo.verify(SHIPPO_BODY, header, "sh-secret", clock=lambda: t + 60)
    assert not shippo.verify(SHIPPO_BODY, header, "sh-secret", clock=lambda: t + 301)
    assert not shippo.verify(SHIPPO_BODY, f"t={t + 1},v1={digest}", "sh-secret", clock=lambda: t)
    assert not shippo.verify(SHIPPO_BODY, "garbage", "sh-secret", clock=lambda: t)
    assert not shippo.verify(SHIPPO_BODY, None, "sh-secret")


def test_shopify_and_woocommerce_base64_hmac() -> None:
    """Both sign the raw body with base64(HMAC-SHA256) under their own header names."""
    assert shopify.SIGNATURE_HEADER == "X-Shopify-Hmac-Sha256"
    assert woocommerce.SIGNATURE_HEADER == "X-WC-Webhook-Signature"
    shop_sig = _b64_hmac("app-secret", SHOPIFY_BODY)
    woo_sig = _b64_hmac("wc-secret", WOO_BODY)
    assert shopify.verify(SHOPIFY_BODY, shop_sig, "app-secret")
    assert woocommerce.verify(WOO_BODY, woo_sig, "wc-secret")
    assert not shopify.verify(SHOPIFY_BODY, woo_sig, "app-secret")
    assert not woocommerce.verify(WOO_BODY + b"\n", woo_sig, "wc-secret")


def test_karrio_shared_secret_header() -> None:
    """Karrio signs nothing: X-Event-Id must equal the shared secret."""
    assert karrio.verify(b"{}", "whsec", "whsec")
    assert not karrio.verify(b"{}", "whsec2", "whsec")
    assert not karrio.verify(b"{}", None, "whsec")
