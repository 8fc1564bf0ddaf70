"""The cache schema (SQLAlchemy Core tables); migrations/versions/ must build exactly this.

Conventions:

* Times are TEXT in fixed-width UTC ISO 8601, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always with
  microseconds), so that comparing the text compares the instants and indexes on time columns work.
* Money is TEXT holding the exact decimal (``"129.90"``), never a float.
* Text columns use SQLite's default ``BINARY`` collation: an order-number prefix becomes an index
  range (``order_number >= 'W-1' AND order_number < 'W-2'``), which ``LIKE`` could not use.
* Every constraint and index is named (``NAMING_CONVENTION``) so batch migrations can address them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TIME = String(27)
"""A UTC instant as fixed-width text (see the module docstring)."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_number", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("placed_at", TIME, nullable=False),
    Column("status", String(30), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", String(40), nullable=False),
    Column("tax_total", String(40), nullable=False),
    Column("merchant", Text, nullable=False),
    Column("customer_name", Text, nullable=True),
    Column("customer_email", Text, nullable=True),
    Column("shipping_address", Text, nullable=True),  # JSON object, NULL when unknown
    Column("items", Text, nullable=False),  # JSON list of line items
    Column("needs_attention", Boolean, nullable=False),
    Column("search_text", Text, nullable=False),  # casefolded number, merchant, customer, items, tracking numbers
    Column("updated_at", TIME, nullable=True),  # as reported by the source
    Column("synced_at", TIME, nullable=True),  # when a sync last delivered this order
    Column("archived_at", TIME, nullable=True),
    UniqueConstraint("order_number"),
    Index(None, "placed_at", "order_number"),
    Index(None, "status", "placed_at"),
    Index(None, "needs_attention", "placed_at"),
    Index(None, "synced_at"),
    # migration 0006: "which finished live orders are due for History?" read from the index alone
    Index(None, "status", "archived_at", "updated_at", "placed_at"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("occurred_at", TIME, nullable=False),
    Column("status", String(30), nullable=False),
    Column("description", Text, nullable=False),
    UniqueConstraint("order_id", "occurred_at", "status", "description"),
    Index(None, "occurred_at"),  # migration 0003: the Timeline feed walks it newest first
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # keeps the order's shipment sequence
    Column("tracking_number", String(100), nullable=False),
    Column("carrier", String(60), nullable=False),  # AfterShip slug; '' when unknown
    Column("carrier_name", Text, nullable=False),
    Column("tracking_url", Text, nullable=True),
    Column("status", String(30), nullable=False),
    Column("substatus", Text, nullable=True),
    Column("action_required", Boolean, nullable=False),
    Column("eta_start", TIME, nullable=True),
    Column("eta_end", TIME, nullable=True),
    Column("delivered_at", TIME, nullable=True),
    Column("last_event_at", TIME, nullable=True),  # occurred_at of the latest carrier event
    # migration 0007: the ETA is calendar days (a date-only estimate), shown as those days in any zone
    Column("eta_date_only", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("order_id", "tracking_number"),
    Index(None, "tracking_number"),
    Index(None, "carrier"),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("shipment_id", Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("event_key", String(32), nullable=False),  # stable hash of TrackingEvent.identity
    Column("occurred_at", TIME, nullable=False),
    Column("status", String(30), nullable=False),
    Column("description", Text, nullable=False),
    Column("offset_known", Boolean, nullable=False),
    Column("local_time", Text, nullable=True),
    Column("location", Text, nullable=True),
    Column("raw_status", Text, nullable=True),
    # provenance and latency: who delivered the event first, when, and whether it arrived live
    Column("source", String(100), nullable=False),
    Column("received_at", TIME, nullable=False),
    Column("stored_at", TIME, nullable=False),
    Column("live", Boolean, nullable=False),  # False for history back-filled by a first sync
    Column("published_at", TIME, nullable=True),  # migration 0008: when the source published it (push)
    UniqueConstraint("shipment_id", "event_key"),
    Index(None, "shipment_id", "occurred_at"),
    Index(None, "occurred_at"),  # migration 0003: the Timeline feed
)

shipment_etas = Table(
    "shipment_etas",
    metadata,
    # migration 0004: every distinct ETA window a shipment had, oldest first (by id); the latest row
    # is the shipment's current estimate. Both ends NULL: the carrier withdrew a known estimate.
    Column("id", Integer, primary_key=True),
    Column("shipment_id", Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("eta_start", TIME, nullable=True),
    Column("eta_end", TIME, nullable=True),
    Column("seen_at", TIME, nullable=False),  # when the cache first got this window (the sync's received time)
    Column("source", String(100), nullable=False),  # the sync source that delivered it
    Column("eta_date_only", Boolean, nullable=False, server_default=false()),  # migration 0007
    # migration 0008: the kind of record that delivered it ("orders" or "tracking"; NULL before 0008),
    # so that only the feed that gave an estimate can withdraw it
    Column("feed", String(10), nullable=True),
    Index(None, "shipment_id", "id"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("cursor", Text, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_attempt_at", TIME, nullable=True),
    Column("last_success_at", TIME, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("stale_since", TIME, nullable=True),
)

sources = Table(
    "sources",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("url", Text, nullable=False),
    Column("created_at", TIME, nullable=True),
    Column("enabled", Boolean, nullable=False),
)

# ---------------------------------------------------------------- notifications (migration 0002)

notify_prefs = Table(
    "notify_prefs",
    metadata,
    Column("customer", String(100), primary_key=True),
    Column("data", Text, nullable=False),  # JSON document validated by services.notify.preferences
    Column("updated_at", TIME, nullable=False),
)

notify_alerts = Table(
    "notify_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    # the idempotency ledger: hash of (order, shipment, milestone, triggering event); one row per channel
    Column("alert_key", String(32), nullable=False),
    Column("channel", String(10), nullable=False),  # native, email, in_app, or '-' for suppressed
    Column("created_at", TIME, nullable=False),
    Column("order_number", String(100), nullable=False),
    Column("tracking_number", String(100), nullable=True),
    Column("milestone", String(30), nullable=False),
    Column("rule", String(30), nullable=False),
    Column("trigger", Text, nullable=False),  # the triggering event, readable
    Column("event_at", TIME, nullable=True),  # when the triggering event happened
    Column("status", String(16), nullable=False),  # pending, sent, held, suppressed, failed, pending_retry
    Column("reason", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", TIME, nullable=True),  # retry time, or the end of quiet hours for held rows
    Column("alerted_at", TIME, nullable=True),  # when the alert was handed to its channel (latency)
    Column("read", Boolean, nullable=False),
    UniqueConstraint("alert_key", "channel"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "order_number", "milestone"),
    Index(None, "created_at"),
    Index(None, "status", "alerted_at"),  # migration 0003: alerts sent, newest first, for the Timeline feed
)

notify_shipments = Table(
    "notify_shipments",
    metadata,
    Column("order_number", String(100), primary_key=True),
    Column("tracking_number", String(100), primary_key=True),
    Column("status", String(30), nullable=False),
    Column("eta_end", TIME, nullable=True),  # the last estimated delivery end the notifier saw
    Column("seen_at", TIME, nullable=False),
)

# ---------------------------------------------------------------- the app's own metrics (migration 0005)
# The customer's self-service figures, kept on this device only: never cache, so clear_cache keeps them.
# No personal data beyond the order numbers already in the cache.

usage_events = Table(
    "usage_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", TIME, nullable=False),
    # session_started, order_opened, search, tracking_link_opened, tracking_number_copied, export
    Column("kind", String(30), nullable=False),
    Column("order_number", String(100), nullable=True),
    Column("detail", String(100), nullable=True),  # search: found / none; link, copy: carrier; export: format
    Index(None, "kind", "at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", TIME, nullable=False),
    Column("order_number", String(100), nullable=True),
    Column("helpful", Boolean, nullable=False),  # "Did this page answer your question?" Yes / No
    Column("screen", String(30), nullable=False),  # where it was asked: order
    Index(None, "at"),
)
