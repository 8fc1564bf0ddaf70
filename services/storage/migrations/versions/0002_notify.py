"""Notifications: customer preferences, the alert ledger/log and the notifier's shipment snapshots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(27)


def upgrade() -> None:
    """Create the notification tables."""
    op.create_table(
        "notify_prefs",
        sa.Column("customer", sa.String(100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("customer", name="pk_notify_prefs"),
    )
    op.create_table(
        "notify_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_key", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("order_number", sa.String(100), nullable=False),
        sa.Column("tracking_number", sa.String(100), nullable=True),
        sa.Column("milestone", sa.String(30), nullable=False),
        sa.Column("rule", sa.String(30), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("event_at", TIME, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=True),
        sa.Column("alerted_at", TIME, nullable=True),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notify_alerts"),
        sa.UniqueConstraint("alert_key", "channel", name="uq_notify_alerts_alert_key_channel"),
    )
    op.create_index("ix_notify_alerts_status_next_attempt_at", "notify_alerts", ["status", "next_attempt_at"])
    op.create_index("ix_notify_alerts_order_number_milestone", "notify_alerts", ["order_number", "milestone"])
    op.create_index("ix_notify_alerts_created_at", "notify_alerts", ["created_at"])
    op.create_table(
        "notify_shipments",
        sa.Column("order_number", sa.String(100), nullable=False),
        sa.Column("tracking_number", sa.String(100), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("eta_end", TIME, nullable=True),
        sa.Column("seen_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("order_number", "tracking_number", name="pk_notify_shipments"),
    )


def downgrade() -> None:
    """Drop the notification tables."""
    op.drop_table("notify_shipments")
    op.drop_index("ix_notify_alerts_created_at", table_name="notify_alerts")
    op.drop_index("ix_notify_alerts_order_number_milestone", table_name="notify_alerts")
    op.drop_index("ix_notify_alerts_status_next_attempt_at", table_name="notify_alerts")
    op.drop_table("notify_alerts")
    op.drop_table("notify_prefs")
