"""WooCommerce REST v3 orders plus the Shipment Tracking extension's trackings -> Orders."""
