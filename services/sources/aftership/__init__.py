"""AfterShip Tracking API (legacy v4 and the dated 2023-10+ versions) and its ``tracking_update`` webhook."""
