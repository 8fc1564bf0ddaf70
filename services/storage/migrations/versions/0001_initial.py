"""The first schema of the local cache: orders, their events and shipments, carrier events,
sync bookkeeping and configured sources.

Times are fixed-width UTC text (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), money is decimal text.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(27)


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(100), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("placed_at", TIME, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.String(40), nullable=False),
        sa.Column("tax_total", sa.String(40), nullable=False),
        sa.Column("merchant", sa.Text(), nullable=False),
        sa.Column("customer_name", sa.Text(), nullable=True),
        sa.Column("customer_email", sa.Text(), nullable=True),
        sa.Column("shipping_address", sa.Text(), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("needs_attention", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_at", TIME, nullable=True),
        sa.Column("synced_at", TIME, nullable=True),
        sa.Column("archived_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("order_number", name="uq_orders_order_number"),
    )
    op.create_index("ix_orders_placed_at_order_number", "orders", ["placed_at", "order_number"])
    op.create_index("ix_orders_status_placed_at", "orders", ["status", "placed_at"])
    op.create_index("ix_orders_needs_attention_placed_at", "orders", ["needs_attention", "placed_at"])
    op.create_index("ix_orders_synced_at", "orders", ["synced_at"])

    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_events_order_id_orders", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "order_id",
            "occurred_at",
            "status",
            "description",
            name="uq_order_events_order_id_occurred_at_status_description",
        ),
    )

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(100), nullable=False),
        sa.Column("carrier", sa.String(60), nullable=False),
        sa.Column("carrier_name", sa.Text(), nullable=False),
        sa.Column("tracking_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("substatus", sa.Text(), nullable=True),
        sa.Column("action_required", sa.Boolean(), nullable=False),
        sa.Column("eta_start", TIME, nullable=True),
        sa.Column("eta_end", TIME, nullable=True),
        sa.Column("delivered_at", TIME, nullable=True),
        sa.Column("last_event_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_shipments_order_id_orders", ondelete="CASCADE"),
        sa.UniqueConstraint("order_id", "tracking_number", name="uq_shipments_order_id_tracking_number"),
    )
    op.create_index("ix_shipments_tracking_number", "shipments", ["tracking_number"])
    op.create_index("ix_shipments_carrier", "shipments", ["carrier"])

    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(32), nullable=False),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("offset_known", sa.Boolean(), nullable=False),
        sa.Column("local_time", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("raw_status", sa.Text(), nullable=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("stored_at", TIME, nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_events"),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name="fk_tracking_events_shipment_id_shipments", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("shipment_id", "event_key", name="uq_tracking_events_shipment_id_event_key"),
    )
    op.create_index("ix_tracking_events_shipment_id_occurred_at", "tracking_events", ["shipment_id", "occurred_at"])

    op.create_table(
        "sync_state",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", TIME, nullable=True),
        sa.Column("last_success_at", TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("stale_since", TIME, nullable=True),
        sa.PrimaryKeyConstraint("source", name="pk_sync_state"),
    )

    op.create_table(
        "sources",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sources"),
    )


def downgrade() -> None:
    """Drop every table (children first)."""
    op.drop_table("sources")
    op.drop_table("sync_state")
    op.drop_index("ix_tracking_events_shipment_id_occurred_at", table_name="tracking_events")
    op.drop_table("tracking_events")
    op.drop_index("ix_shipments_carrier", table_name="shipments")
    op.drop_index("ix_shipments_tracking_number", table_name="shipments")
    op.drop_table("shipments")
    op.drop_table("order_events")
    op.drop_index("ix_orders_synced_at", table_name="orders")
    op.drop_index("ix_orders_needs_attention_placed_at", table_name="orders")
    op.drop_index("ix_orders_status_placed_at", table_name="orders")
    op.drop_index("ix_orders_placed_at_order_number", table_name="orders")
    op.drop_table("orders")
