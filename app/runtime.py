"""Build the live adapters of one configured source, per kind (composition only, no logic).

    ordertrack   OrdertrackOrderSource + its AfterShip-compatible tracking endpoint (if served)
    shopify      ShopifyOrderSource            token = Admin API access token
    woocommerce  WooCommerceOrderSource        token = "ck_...:cs_..." (consumer key and secret)
    aftership    AfterShipTrackingSource       token = API key; the URL picks v4 or a dated version
    17track      SeventeenTrackSource          token = API key
    easypost / shippo / karrio                 token = API key

Order feeds are given the configured source name: their orders carry it as ``Order.source`` (not the
kind, nor the backend's own label), so two sources of one kind stay apart.
"""

from __future__ import annotations

import re

import httpx

from services.domain import ConfigError, SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sources.easypost.client import EasyPostClient
from services.sources.karrio.client import KarrioClient
from services.sources.ordertrack.client import OrdertrackClient
from services.sources.seventeentrack.client import SeventeenTrackClient
from services.sources.shippo.client import ShippoClient
from services.sources.shopify.client import ShopifyClient
from services.sources.woocommerce.client import WooCommerceClient
from services.sync import SourceRuntime
from services.sync.adapters.aftership import AfterShipTrackingSource
from services.sync.adapters.easypost import EasyPostTrackingSource
from services.sync.adapters.karrio import KarrioTrackingSource
from services.sync.adapters.seventeentrack import SeventeenTrackSource
from services.sync.adapters.shippo import ShippoTrackingSource
from services.sync.adapters.shopify import ShopifyOrderSource
from services.sync.adapters.woocommerce import WooCommerceOrderSource
from services.sync.ordertrack_source import OrdertrackOrderSource

from .tracking import tracking_source_for

_DATED_VERSION = re.compile(r"/(?:tracking/)?(\d{4}-\d{2})/?$")
_SHOPIFY_VERSION = re.compile(r"/admin/api/(\d{4}-\d{2}|unstable)/?$")


def aftership_version(url: str) -> str:
    """Return the AfterShip API version a URL names (``.../tracking/2025-01``), else ``v4``."""
    found = _DATED_VERSION.search(httpx.URL(url).path)
    return found.group(1) if found else "v4"


def split_woocommerce_token(token: str) -> tuple[str, str]:
    """Split ``consumer_key:consumer_secret``; raise ConfigError when it is not that shape."""
    key, sep, secret = token.partition(":")
    if not sep or not key.strip() or not secret.strip():
        raise ConfigError("WooCommerce credentials must be CONSUMER_KEY:CONSUMER_SECRET (ck_...:cs_...)")
    return key.strip(), secret.strip()


def _shopify(url: str, token: str) -> ShopifyClient:
    found = _SHOPIFY_VERSION.search(httpx.URL(url).path)
    if found is None:
        return ShopifyClient(url, token)
    return ShopifyClient(url[: found.start()], token, api_version=found.group(1))


def runtime_for(config: SourceConfig, token: str | None) -> SourceRuntime:
    """Build the order feed and/or tracking API adapters of one source."""
    kind, url = config.kind, config.url
    if kind == "ordertrack":
        feed = OrdertrackOrderSource(OrdertrackClient(url, token), source=config.name)
        return SourceRuntime(config=config, orders=feed, tracking=tracking_source_for(config, token))
    if not token:
        raise ConfigError(
            f"source {config.name!r} has no credentials in the keyring "
            f"(remove it and add it again with --token-stdin)"
        )
    if kind == "shopify":
        return SourceRuntime(config=config, orders=ShopifyOrderSource(_shopify(url, token), source=config.name))
    if kind == "woocommerce":
        key, secret = split_woocommerce_token(token)
        woo = WooCommerceOrderSource(WooCommerceClient(url, key, secret), source=config.name)
        return SourceRuntime(config=config, orders=woo)
    if kind == "aftership":
        client = AfterShipClient(token, api_version=aftership_version(url), base_url=url)
        return SourceRuntime(config=config, tracking=AfterShipTrackingSource(client))
    if kind == "17track":
        return SourceRuntime(config=config, tracking=SeventeenTrackSource(SeventeenTrackClient(token, base_url=url)))
    if kind == "easypost":
        return SourceRuntime(config=config, tracking=EasyPostTrackingSource(EasyPostClient(token, base_url=url)))
    if kind == "shippo":
        return SourceRuntime(config=config, tracking=ShippoTrackingSource(ShippoClient(token, base_url=url)))
    if kind == "karrio":
        return SourceRuntime(config=config, tracking=KarrioTrackingSource(KarrioClient(url, token)))
    raise ConfigError(f"source {config.name!r}: unknown kind {kind!r}")
