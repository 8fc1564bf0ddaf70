"""Vendor adapters behind the sync ports: order feeds (Shopify, WooCommerce) and tracking APIs.

    OrderSource     shopify.ShopifyOrderSource · woocommerce.WooCommerceOrderSource
    TrackingSource  aftership.AfterShipTrackingSource · seventeentrack.SeventeenTrackSource ·
                    easypost.EasyPostTrackingSource · shippo.ShippoTrackingSource · karrio.KarrioTrackingSource

Each wraps one vendor client (HTTP only) and its pure mapper; the engine sees domain objects only.
"""
