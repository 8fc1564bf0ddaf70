"""History bookkeeping: an index for "which finished orders are due to move to History".

The running app asks this after every sync pass that changed the cache. Without the index the
question scans every order (about 0.1 s on 100,000); with it SQLite reads only the index entries
of live orders in a finished status (few: those delivered within the History delay), and never the
table. A plain index (no expression, no WHERE) so that reflection and batch migrations keep it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_orders_status_archived_at_updated_at_placed_at"


def upgrade() -> None:
    """Create the index: status, History state, then the two times the last change is taken from."""
    op.create_index(NAME, "orders", ["status", "archived_at", "updated_at", "placed_at"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(NAME, table_name="orders")
