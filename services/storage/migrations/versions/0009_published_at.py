"""When the source published a pushed carrier event: ``tracking_events.published_at``.

A source that says when it published an event (the backend API's stream message carries
``published_at``) lets the latency figures separate the pipeline ("published -> stored") from the
carrier's own delay ("carrier event -> stored"). NULL for every event a source did not stamp:
polled pages, history, and everything stored before this revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable column (nothing to back-fill: earlier pushes kept no publishing time)."""
    op.add_column("tracking_events", sa.Column("published_at", sa.String(27), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("tracking_events") as batch:
        batch.drop_column("published_at")
