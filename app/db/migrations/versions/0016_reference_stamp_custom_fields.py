"""custom-field definitions bump the reference stamp too

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:10:00.000000

A page of deals read its custom fields joined to their definitions, every Heading added by a
union and the whole sorted in SQL, for a table that changes a few times a year. A worker now
keeps the deals' definitions per stamp (app.graphql.reference_cache), and a page reads only the
stored values; any insert, update or delete of a definition bumps the stamp, as 0015 made stages
and employees do.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "custom_field_definition"
BUMP = "UPDATE reference_stamp SET value = value + 1 WHERE id = 1"
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # 0015's function; once per statement, as on the other two tables.
        op.execute(
            f"CREATE TRIGGER {TABLE}_reference_stamp "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reference_stamp_bump()"
        )
        return
    for event in SQLITE_EVENTS:
        op.execute(
            f"CREATE TRIGGER {TABLE}_reference_stamp_{event} AFTER {event.upper()} ON {TABLE} "
            f"BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_reference_stamp ON {TABLE}")
        return
    for event in SQLITE_EVENTS:
        op.execute(f"DROP TRIGGER {TABLE}_reference_stamp_{event}")
