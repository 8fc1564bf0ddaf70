"""The app's own metrics: usage events and "Did this page answer your question?" answers.

``usage_events`` counts what the customer does to help themselves (sessions, orders opened,
searches with or without a result, tracking links opened, numbers copied, exports);
``feedback`` keeps each Yes / No answer. Both stay on this device and are not cache: clearing
the cache keeps them. They hold no personal data beyond order numbers already in the cache.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(27)


def upgrade() -> None:
    """Create the usage and feedback tables."""
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("order_number", sa.String(100), nullable=True),
        sa.Column("detail", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_usage_events"),
    )
    op.create_index("ix_usage_events_kind_at", "usage_events", ["kind", "at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("order_number", sa.String(100), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("screen", sa.String(30), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])


def downgrade() -> None:
    """Drop the usage and feedback tables."""
    op.drop_index("ix_feedback_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_usage_events_kind_at", table_name="usage_events")
    op.drop_table("usage_events")
