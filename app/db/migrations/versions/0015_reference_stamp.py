"""a stamp that every change to stages or employees bumps, read with the key check

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:40:00.000000

Each request read the stages (and the employees its deals name) afresh: a statement each, on
every request, for tables that change a few times a year. Triggers now bump one counter row on
any insert, update or delete of either table, whoever writes it (the service, another worker, a
script); the key check reads the counter in the same statement, and a worker keeps one copy of
those rows per stamp (app.graphql.reference_cache). A rolled-back change rolls its bump back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("stage", "employee")
BUMP = "UPDATE reference_stamp SET value = value + 1 WHERE id = 1"
POSTGRES_FUNCTION = f"""
CREATE FUNCTION reference_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END $$
"""
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "reference_stamp",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO reference_stamp (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            # Once per statement: a reorder of every stage is one change.
            op.execute(
                f"CREATE TRIGGER {table}_reference_stamp "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION reference_stamp_bump()"
            )
        return
    for table in TABLES:
        for event in SQLITE_EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_reference_stamp_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_reference_stamp ON {table}")
        op.execute("DROP FUNCTION reference_stamp_bump()")
    else:
        for table in TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER {table}_reference_stamp_{event}")
    op.drop_table("reference_stamp")
