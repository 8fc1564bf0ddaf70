"""Shopify Admin REST: orders with fulfillments (and their fulfillment events) -> Orders with shipments."""
