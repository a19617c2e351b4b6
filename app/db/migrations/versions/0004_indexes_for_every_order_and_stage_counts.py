"""indexes for every order, and per-stage deal counts kept by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each supported order read by an index, id last as the tie-break: a page is an index range.
ORDER_INDEXES = {
    "ix_opportunity_stage_title": "stage_id, lower(title), id",
    "ix_opportunity_stage_id_id": "stage_id, id",
    "ix_opportunity_responsible_id_id": "responsible_id, id",
    "ix_opportunity_title_id": "lower(title), id",
    "ix_opportunity_created_id": "created_at, id",
}
# SQLite keeps money as text and sorts it by its numeric value (listing._opportunity_key).
BID_VALUE_INDEX = {
    "sqlite": "CAST(bid_value AS REAL), id",
    "postgresql": "bid_value, id",
}

SQLITE_TRIGGERS = [
    """CREATE TRIGGER opportunity_count_insert AFTER INSERT ON opportunity BEGIN
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        VALUES (NEW.stage_id, NEW.is_private, 1)
        ON CONFLICT (stage_id, is_private) DO UPDATE SET total = total + 1;
    END""",
    """CREATE TRIGGER opportunity_count_delete AFTER DELETE ON opportunity BEGIN
        UPDATE opportunity_stage_count SET total = total - 1
        WHERE stage_id = OLD.stage_id AND is_private = OLD.is_private;
    END""",
    """CREATE TRIGGER opportunity_count_update AFTER UPDATE OF stage_id, is_private ON opportunity
    WHEN OLD.stage_id IS NOT NEW.stage_id OR OLD.is_private IS NOT NEW.is_private BEGIN
        UPDATE opportunity_stage_count SET total = total - 1
        WHERE stage_id = OLD.stage_id AND is_private = OLD.is_private;
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        VALUES (NEW.stage_id, NEW.is_private, 1)
        ON CONFLICT (stage_id, is_private) DO UPDATE SET total = total + 1;
    END""",
]

POSTGRES_FUNCTION = """
CREATE FUNCTION opportunity_stage_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE opportunity_stage_count SET total = total - 1
        WHERE stage_id = OLD.stage_id AND is_private = OLD.is_private;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        VALUES (NEW.stage_id, NEW.is_private, 1)
        ON CONFLICT (stage_id, is_private)
        DO UPDATE SET total = opportunity_stage_count.total + 1;
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = [
    """CREATE TRIGGER opportunity_count_insert_delete AFTER INSERT OR DELETE ON opportunity
    FOR EACH ROW EXECUTE FUNCTION opportunity_stage_count_keep()""",
    """CREATE TRIGGER opportunity_count_update AFTER UPDATE OF stage_id, is_private ON opportunity
    FOR EACH ROW WHEN (OLD.stage_id IS DISTINCT FROM NEW.stage_id
                       OR OLD.is_private IS DISTINCT FROM NEW.is_private)
    EXECUTE FUNCTION opportunity_stage_count_keep()""",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, columns in {
        **ORDER_INDEXES,
        "ix_opportunity_bid_value_id": BID_VALUE_INDEX[dialect],
    }.items():
        op.execute(f"CREATE INDEX {name} ON opportunity ({columns})")
    # The caller's private deals are counted through the access list, without the table.
    op.create_index(
        "ix_opportunity_access_employee_opportunity",
        "opportunity_access",
        ["employee_id", "opportunity_id"],
    )
    op.create_table(
        "opportunity_stage_count",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("stage_id", "is_private"),
    )
    op.execute(
        "INSERT INTO opportunity_stage_count (stage_id, is_private, total) "
        "SELECT stage_id, is_private, count(*) FROM opportunity GROUP BY stage_id, is_private"
    )
    if dialect == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        triggers = POSTGRES_TRIGGERS
    else:
        triggers = SQLITE_TRIGGERS
    for trigger in triggers:
        op.execute(trigger)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER opportunity_count_insert_delete ON opportunity")
        op.execute("DROP TRIGGER opportunity_count_update ON opportunity")
        op.execute("DROP FUNCTION opportunity_stage_count_keep()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER opportunity_count_{name}")
    op.drop_table("opportunity_stage_count")
    op.drop_index("ix_opportunity_access_employee_opportunity", table_name="opportunity_access")
    for name in (*ORDER_INDEXES, "ix_opportunity_bid_value_id"):
        op.drop_index(name, table_name="opportunity")
