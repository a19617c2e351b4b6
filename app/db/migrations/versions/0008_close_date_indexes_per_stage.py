"""close-date order read stage by stage: an index per date a stage's deals close by

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:10:00.000000

A deal closes on its expected date while its stage is open and on its actual date otherwise,
an unset date counting as the earliest. Inside one stage that is one column, so each stage's
deals are an index range of (stage, that date or the earliest, id); the list merges the stages'
ranges (app.domain.stage_walk.merge_statement). The earliest date is written as each back end
holds it, and the service writes the same constant into its queries (close_dates.no_date_sql):
year 1 as text on SQLite; `-infinity` on PostgreSQL, because asyncpg sends year 1 (Python's
datetime.min) as `-infinity`, so a cursor at an unset date must meet the same value.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DATE = {
    "sqlite": "'0001-01-01 00:00:00.000000'",
    "postgresql": "'-infinity'::timestamptz",
}
INDEXES = {
    "ix_opportunity_stage_expected_close": "expected_close_date",
    "ix_opportunity_stage_actual_close": "actual_close_date",
}


def upgrade() -> None:
    no_date = NO_DATE[op.get_bind().dialect.name]
    for name, column in INDEXES.items():
        op.execute(
            f"CREATE INDEX {name} ON opportunity (stage_id, coalesce({column}, {no_date}), id)"
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="opportunity")
