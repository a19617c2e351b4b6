"""stage-order index that answers offsets and close-date filters alone; a responsible's stage order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00.000000

The stage-order index (stage, lower(title), id) now also holds the deal's privacy and both close
dates, so a list walked stage by stage checks a close-date window on index entries instead of on
rows. On PostgreSQL they are INCLUDE columns, with the title itself: an index-only scan is
planned only when every column the query names is in the index, and an order by lower(title)
names title. Without it, an offset deep inside a stage sorted the whole stage.

The close-date indexes of 0008 INCLUDE their date on PostgreSQL for the same reason: a list
filtered to a close-date window first counts, per stage, the window's deals on them (up to a
bound, app.domain.close_dates), which is then an index-only scan.

A responsible's deals in stage order: (responsible, stage, lower(title), id, privacy) makes each
stage's deals of one employee an index range, read as the unfiltered list reads a stage.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGE_TITLE = {
    "sqlite": "(stage_id, lower(title), id, is_private, expected_close_date, actual_close_date)",
    "postgresql": "(stage_id, lower(title), id)"
    " INCLUDE (is_private, title, expected_close_date, actual_close_date)",
}
BEFORE = "(stage_id, lower(title), id, is_private)"
RESPONSIBLE_STAGE_TITLE = "(responsible_id, stage_id, lower(title), id, is_private)"
CLOSE_DATES = {
    "ix_opportunity_stage_expected_close": "expected_close_date",
    "ix_opportunity_stage_actual_close": "actual_close_date",
}


def _replace(name: str, columns: str) -> None:
    op.drop_index(name, table_name="opportunity")
    op.execute(f"CREATE INDEX {name} ON opportunity {columns}")


def _close_dates(*, included: bool) -> None:
    for name, column in CLOSE_DATES.items():
        including = f" INCLUDE ({column})" if included else ""
        _replace(name, f"(stage_id, coalesce({column}, '-infinity'::timestamptz), id){including}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _replace("ix_opportunity_stage_title", STAGE_TITLE[dialect])
    if dialect == "postgresql":
        _close_dates(included=True)
    op.execute(
        "CREATE INDEX ix_opportunity_responsible_stage_title ON opportunity "
        + RESPONSIBLE_STAGE_TITLE
    )


def downgrade() -> None:
    op.drop_index("ix_opportunity_responsible_stage_title", table_name="opportunity")
    if op.get_bind().dialect.name == "postgresql":
        _close_dates(included=False)
    _replace("ix_opportunity_stage_title", BEFORE)
