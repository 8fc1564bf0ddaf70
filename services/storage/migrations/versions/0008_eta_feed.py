"""Who gave an estimate: ``shipment_etas.feed``, the kind of record that delivered each ETA change.

A carrier that withdraws its estimate sends its full tracking record without one. That counts as
a withdrawal only when the same source, through the same kind of record, gave the estimate being
dropped: a backend's order feed that never knew the carrier's ETA (and says so with a null) must
not withdraw what the same backend's tracking API said, or the two would flip the estimate on every
pass. ``feed`` is ``orders`` (an order feed: backend API, Shopify, WooCommerce) or ``tracking`` (a
tracking API answer). Rows from before this revision keep NULL: who gave those is unknown, so none
of them is withdrawn until a source states a new estimate.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable ``feed`` column (NULL for the rows already there)."""
    op.add_column("shipment_etas", sa.Column("feed", sa.String(10), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("shipment_etas") as batch:
        batch.drop_column("feed")
