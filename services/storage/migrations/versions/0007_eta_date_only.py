"""Date-only estimates: ``eta_date_only`` on shipments and their ETA history.

A carrier or aggregator that gives a calendar day ("expected 2026-11-24") gives no time and no
time zone. The window is still stored as 00:00:00-23:59:59 of that day (UTC wall clock, so the
time columns keep sorting and comparing), and this flag says that those are *days*: the app shows
them as that day in every time zone instead of converting a UTC window (a day early west of UTC).

Back-fill: before this revision the only whole-UTC-day windows the mappers made were the date-only
(or midnight) estimates, so a window from 00:00:00 to 23:59:59 UTC is flagged as date-only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("shipments", "shipment_etas")
WHOLE_DAYS = (
    "UPDATE {table} SET eta_date_only = 1 "
    "WHERE eta_start IS NOT NULL AND substr(eta_start, 11) = 'T00:00:00.000000Z' "
    "AND substr(eta_end, 11) = 'T23:59:59.000000Z'"
)


def upgrade() -> None:
    """Add the flag (false) to both tables, then flag the whole-UTC-day windows already cached."""
    for table in TABLES:
        op.add_column(table, sa.Column("eta_date_only", sa.Boolean(), nullable=False, server_default=sa.false()))
        op.execute(WHOLE_DAYS.format(table=table))


def downgrade() -> None:
    """Drop the flag (the windows stay as they were stored)."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("eta_date_only")
