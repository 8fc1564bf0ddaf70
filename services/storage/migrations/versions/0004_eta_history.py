"""ETA history: every distinct estimated delivery window a shipment had, and when the cache got it.

``shipment_etas`` keeps one row per change of a shipment's ETA (oldest first by id), so the Order
screen can say how an estimate moved. The back-fill gives every cached shipment that has an ETA its
current window as the first known estimate, seen when a sync last delivered its order (else when
the source last updated it, else when it was placed).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(27)


def upgrade() -> None:
    """Create the ETA history table and back-fill it from the shipments' current ETA."""
    op.create_table(
        "shipment_etas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("eta_start", TIME, nullable=True),
        sa.Column("eta_end", TIME, nullable=True),
        sa.Column("seen_at", TIME, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shipment_etas"),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name="fk_shipment_etas_shipment_id_shipments", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_shipment_etas_shipment_id_id", "shipment_etas", ["shipment_id", "id"])
    op.execute(
        "INSERT INTO shipment_etas (shipment_id, eta_start, eta_end, seen_at, source) "
        "SELECT s.id, s.eta_start, s.eta_end, COALESCE(o.synced_at, o.updated_at, o.placed_at), o.source "
        "FROM shipments AS s JOIN orders AS o ON o.id = s.order_id "
        "WHERE s.eta_start IS NOT NULL "
        "ORDER BY s.id"
    )


def downgrade() -> None:
    """Drop the ETA history table."""
    op.drop_index("ix_shipment_etas_shipment_id_id", table_name="shipment_etas")
    op.drop_table("shipment_etas")
