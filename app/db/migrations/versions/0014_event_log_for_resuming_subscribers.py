"""the event log: the newest committed changes, numbered, for subscribers that resume

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-06 10:00:00.000000

Each write transaction that changes a deal, a stage or a custom-field definition inserts its
events here before it commits (app.db.event_log); the row id is the event's cursor. The table
holds a bounded window (the newest CRM_EVENT_LOG_SIZE events), so it starts empty on an
existing database: no backfill, a subscriber resuming from an older cursor is told to refetch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("was_private", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("event_log")
