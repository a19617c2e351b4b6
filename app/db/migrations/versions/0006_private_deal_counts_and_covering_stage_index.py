"""per-employee counts of the private deals they may see, and a stage-order index that covers privacy

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:30:00.000000

`opportunity_private_count` holds, per employee and stage, how many private deals list the
employee in their access list: with the public counters of 0004, a caller's total and stage
counts read a few rows whatever the size, and an offset finds its stage without counting.
Triggers keep it: an access entry added or removed counts when its deal is private; a deal that
changes stage or privacy moves its holders' counts; a deal deleted takes its holders' counts
before its access entries go by cascade (their own trigger then finds no deal and does nothing).

The stage-order index gains is_private: skipping rows to an offset inside a stage reads the
index alone for public deals.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "opportunity_private_count"
# A private deal's access holders counted at its stage, or uncounted (delete, move, made public).
OLD_HOLDERS_OUT = """
    UPDATE opportunity_private_count SET total = total - 1
    WHERE OLD.is_private AND stage_id = OLD.stage_id
      AND employee_id IN (SELECT employee_id FROM opportunity_access WHERE opportunity_id = OLD.id)"""
NEW_HOLDERS_IN = """
    INSERT INTO opportunity_private_count (employee_id, stage_id, total)
    SELECT employee_id, NEW.stage_id, 1 FROM opportunity_access
    WHERE opportunity_id = NEW.id AND NEW.is_private
    ON CONFLICT (employee_id, stage_id)
    DO UPDATE SET total = opportunity_private_count.total + 1"""
# One access entry added or removed, counted when its deal is private (and still there).
ENTRY_IN = """
    INSERT INTO opportunity_private_count (employee_id, stage_id, total)
    SELECT NEW.employee_id, o.stage_id, 1 FROM opportunity o
    WHERE o.id = NEW.opportunity_id AND o.is_private
    ON CONFLICT (employee_id, stage_id)
    DO UPDATE SET total = opportunity_private_count.total + 1"""
ENTRY_OUT = """
    UPDATE opportunity_private_count SET total = total - 1
    WHERE employee_id = OLD.employee_id
      AND stage_id = (SELECT o.stage_id FROM opportunity o
                      WHERE o.id = OLD.opportunity_id AND o.is_private)"""
BACKFILL = """
    INSERT INTO opportunity_private_count (employee_id, stage_id, total)
    SELECT a.employee_id, o.stage_id, count(*) FROM opportunity_access a
    JOIN opportunity o ON o.id = a.opportunity_id WHERE o.is_private
    GROUP BY a.employee_id, o.stage_id"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER private_count_access_insert AFTER INSERT ON opportunity_access BEGIN"
    + ENTRY_IN
    + "; END",
    "CREATE TRIGGER private_count_access_delete AFTER DELETE ON opportunity_access BEGIN"
    + ENTRY_OUT
    + "; END",
    "CREATE TRIGGER private_count_opportunity_delete BEFORE DELETE ON opportunity"
    " WHEN OLD.is_private BEGIN" + OLD_HOLDERS_OUT + "; END",
    "CREATE TRIGGER private_count_opportunity_update"
    " AFTER UPDATE OF stage_id, is_private ON opportunity"
    " WHEN OLD.stage_id IS NOT NEW.stage_id OR OLD.is_private IS NOT NEW.is_private BEGIN"
    + OLD_HOLDERS_OUT
    + ";"
    + NEW_HOLDERS_IN
    + "; END",
]

POSTGRES_FUNCTIONS = [
    "CREATE FUNCTION private_count_access_keep() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF TG_OP = 'INSERT' THEN"
    + ENTRY_IN
    + "; ELSE"
    + ENTRY_OUT
    + "; END IF; RETURN NULL; END $$",
    "CREATE FUNCTION private_count_opportunity_keep() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    + OLD_HOLDERS_OUT
    + "; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;"
    + NEW_HOLDERS_IN
    + "; RETURN NULL; END $$",
]
POSTGRES_TRIGGERS = [
    """CREATE TRIGGER private_count_access AFTER INSERT OR DELETE ON opportunity_access
    FOR EACH ROW EXECUTE FUNCTION private_count_access_keep()""",
    """CREATE TRIGGER private_count_opportunity_delete BEFORE DELETE ON opportunity
    FOR EACH ROW WHEN (OLD.is_private) EXECUTE FUNCTION private_count_opportunity_keep()""",
    """CREATE TRIGGER private_count_opportunity_update
    AFTER UPDATE OF stage_id, is_private ON opportunity
    FOR EACH ROW WHEN (OLD.stage_id IS DISTINCT FROM NEW.stage_id
                       OR OLD.is_private IS DISTINCT FROM NEW.is_private)
    EXECUTE FUNCTION private_count_opportunity_keep()""",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_opportunity_stage_title", table_name="opportunity")
    op.execute(
        "CREATE INDEX ix_opportunity_stage_title ON opportunity "
        "(stage_id, lower(title), id, is_private)"
    )
    op.create_table(
        TABLE,
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("employee_id", "stage_id"),
    )
    op.execute(BACKFILL)
    if dialect == "postgresql":
        for function in POSTGRES_FUNCTIONS:
            op.execute(function)
        triggers = POSTGRES_TRIGGERS
    else:
        triggers = SQLITE_TRIGGERS
    for trigger in triggers:
        op.execute(trigger)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER private_count_access ON opportunity_access")
        for name in ("delete", "update"):
            op.execute(f"DROP TRIGGER private_count_opportunity_{name} ON opportunity")
        op.execute("DROP FUNCTION private_count_access_keep()")
        op.execute("DROP FUNCTION private_count_opportunity_keep()")
    else:
        for name in ("access_insert", "access_delete", "opportunity_delete", "opportunity_update"):
            op.execute(f"DROP TRIGGER private_count_{name}")
    op.drop_table(TABLE)
    op.drop_index("ix_opportunity_stage_title", table_name="opportunity")
    op.execute(
        "CREATE INDEX ix_opportunity_stage_title ON opportunity (stage_id, lower(title), id)"
    )
