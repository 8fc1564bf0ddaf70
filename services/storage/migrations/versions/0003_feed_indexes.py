"""The cross-order Timeline feed: indexes that let each event table be read newest first.

``recent_events`` walks order events, carrier events and sent alerts backwards by time and stops
after one page, so a page costs the same on 100 orders and on 100,000.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the feed indexes."""
    op.create_index("ix_order_events_occurred_at", "order_events", ["occurred_at"])
    op.create_index("ix_tracking_events_occurred_at", "tracking_events", ["occurred_at"])
    op.create_index("ix_notify_alerts_status_alerted_at", "notify_alerts", ["status", "alerted_at"])


def downgrade() -> None:
    """Drop the feed indexes."""
    op.drop_index("ix_notify_alerts_status_alerted_at", table_name="notify_alerts")
    op.drop_index("ix_tracking_events_occurred_at", table_name="tracking_events")
    op.drop_index("ix_order_events_occurred_at", table_name="order_events")
