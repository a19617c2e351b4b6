"""a version on every row clients edit: deals, contacts, stages, custom-field definitions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 12:00:00.000000

`version` starts at 1 and grows by one with every write to the row (app.domain: each UPDATE
sets version = version + 1), so a client can send the version it read and have its change
refused with CONFLICT when someone wrote in between. The backfill is the column's default:
every stored row starts at version 1, as a row created now does; on PostgreSQL (11 and later)
a constant default is stored in the catalogue, so adding it rewrites no table.

Plain ALTER TABLE on SQLite too: a batch (copy-and-move) rebuild of opportunity would drop its
triggers (counters, search). DROP COLUMN needs SQLite 3.35; no index or trigger names the
column.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("opportunity", "contact", "stage", "custom_field_definition")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ADD COLUMN version INTEGER DEFAULT 1 NOT NULL")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
