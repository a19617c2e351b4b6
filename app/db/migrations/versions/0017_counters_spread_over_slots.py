"""PostgreSQL spreads the busiest counters over slot rows, so concurrent creates do not queue

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:55:00.000000

Every create adds one to its stage's row of `opportunity_stage_count` and one to each of its
fields' rows of `field_value_count`, and holds those rows' locks until it commits: creates at the
same stage (most of them) took turns from their deal's insert to their commit, several round
trips and event-loop turns each, and two workers wrote no faster than one. Each counter is now
the sum of up to SLOTS rows keyed by a `slot` as well; a transaction writes the slot its id
picks, the same for all its statements (so it meets other transactions' rows in the same key
order as before: no new lock cycles), and concurrent transactions mostly pick different ones.
Readers already sum a counter's rows (a caller's count is a sum over stages, privacy or
employees). A slot row may go below zero (a deal counted in one slot, removed in another);
only the sum is a count.

SQLite has one writer: nothing waits there on a counter row. Its tables get the column, always
0, and keep their key, so its triggers stay as they are. The per-employee counters of private
deals are left alone: only creates listing the same employee meet there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 16
# The fold functions in both shapes: keyed by slot (upgrade) and as 0007 and 0009 left them
# (downgrade). `{slot}` adds the column, `{spread}` its value, to each upsert.
SPREAD = {"slot": ", slot", "spread": f", txid_current() % {SLOTS}"}
UNSPREAD = {"slot": "", "spread": ""}

STAGE_FOLD = """
CREATE OR REPLACE FUNCTION opportunity_stage_count_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunity_stage_count (stage_id, is_private{slot}, total)
        SELECT stage_id, is_private{spread}, count(*) FROM added
        GROUP BY stage_id, is_private ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private{slot})
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO opportunity_stage_count (stage_id, is_private{slot}, total)
        SELECT stage_id, is_private{spread}, -count(*) FROM removed
        GROUP BY stage_id, is_private ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private{slot})
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    ELSE
        INSERT INTO opportunity_stage_count (stage_id, is_private{slot}, total)
        SELECT stage_id, is_private{spread}, sum(change) FROM (
            SELECT n.stage_id, n.is_private, 1 AS change
            FROM added n JOIN removed o ON o.id = n.id
            WHERE n.stage_id <> o.stage_id OR n.is_private <> o.is_private
            UNION ALL
            SELECT o.stage_id, o.is_private, -1
            FROM added n JOIN removed o ON o.id = n.id
            WHERE n.stage_id <> o.stage_id OR n.is_private <> o.is_private
        ) AS moved
        GROUP BY stage_id, is_private HAVING sum(change) <> 0 ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private{slot})
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    END IF;
    RETURN NULL;
END $$
"""
# 0009's field counters: the upsert of `changed` values, and that of deals' privacy changes.
FIELD_APPLY = """
    INSERT INTO field_value_count (field_id{slot}, total, private_total)
    SELECT c.field_id{spread}, sum(c.change),
        coalesce(sum(c.change) FILTER (WHERE o.is_private), 0)
    FROM ({changed}) AS c LEFT JOIN opportunity o ON o.id = c.opportunity_id
    WHERE EXISTS (SELECT 1 FROM custom_field_definition d WHERE d.id = c.field_id)
    GROUP BY c.field_id
    HAVING sum(c.change) <> 0 OR coalesce(sum(c.change) FILTER (WHERE o.is_private), 0) <> 0
    ORDER BY c.field_id
    ON CONFLICT (field_id{slot}) DO UPDATE
    SET total = field_value_count.total + EXCLUDED.total,
        private_total = field_value_count.private_total + EXCLUDED.private_total;
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, c.field_id, sum(c.change)
    FROM ({changed}) AS c JOIN opportunity o ON o.id = c.opportunity_id AND o.is_private
    JOIN opportunity_access a ON a.opportunity_id = c.opportunity_id
    WHERE EXISTS (SELECT 1 FROM custom_field_definition d WHERE d.id = c.field_id)
    GROUP BY a.employee_id, c.field_id HAVING sum(c.change) <> 0
    ORDER BY a.employee_id, c.field_id
    ON CONFLICT (employee_id, field_id)
    DO UPDATE SET total = field_value_private_count.total + EXCLUDED.total;"""
ADDED = "SELECT opportunity_id, field_id, 1 AS change FROM added"
REMOVED = "SELECT opportunity_id, field_id, -1 AS change FROM removed"
MOVED = (
    "SELECT opportunity_id, field_id, 1 AS change FROM ("
    "SELECT opportunity_id, field_id FROM added EXCEPT ALL"
    " SELECT opportunity_id, field_id FROM removed) AS came UNION ALL"
    " SELECT opportunity_id, field_id, -1 FROM ("
    "SELECT opportunity_id, field_id FROM removed EXCEPT ALL"
    " SELECT opportunity_id, field_id FROM added) AS went"
)
FIELD_FOLD = (
    "CREATE OR REPLACE FUNCTION field_value_count_fold() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF TG_OP = 'INSERT' THEN{added} ELSIF TG_OP = 'DELETE' THEN{removed} ELSE{moved}"
    " END IF; RETURN NULL; END $$"
)
DEAL_VALUES = """
    INSERT INTO field_value_count (field_id{slot}, total, private_total)
    SELECT v.field_id{spread}, 0, sum(f.change) FROM ({deals}) AS f
    JOIN opportunity_custom_field v ON v.opportunity_id = f.id
    GROUP BY v.field_id HAVING sum(f.change) <> 0 ORDER BY v.field_id
    ON CONFLICT (field_id{slot}) DO UPDATE
    SET private_total = field_value_count.private_total + EXCLUDED.private_total;
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, v.field_id, sum(f.change) FROM ({deals}) AS f
    JOIN opportunity_access a ON a.opportunity_id = f.id
    JOIN opportunity_custom_field v ON v.opportunity_id = f.id
    GROUP BY a.employee_id, v.field_id HAVING sum(f.change) <> 0
    ORDER BY a.employee_id, v.field_id
    ON CONFLICT (employee_id, field_id)
    DO UPDATE SET total = field_value_private_count.total + EXCLUDED.total;"""
FLIPPED = """
    SELECT n.id, CASE WHEN n.is_private THEN 1 ELSE -1 END AS change
    FROM added n JOIN removed o ON o.id = n.id WHERE n.is_private <> o.is_private"""
PRIVACY_FOLD = (
    "CREATE OR REPLACE FUNCTION field_value_count_privacy_fold() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN{values} RETURN NULL; END $$"
)
PRIVATE_DELETE = (
    "CREATE OR REPLACE FUNCTION field_value_count_private_delete() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN{values} RETURN OLD; END $$"
)
# table: its key without the slot
KEYS = {
    "opportunity_stage_count": ("stage_id", "is_private"),
    "field_value_count": ("field_id",),
}


def _functions(shape: dict[str, str]) -> list[str]:
    """The four fold functions, keyed by slot or not."""

    def apply(changed: str) -> str:
        return FIELD_APPLY.format(changed=changed, **shape)

    return [
        STAGE_FOLD.format(**shape),
        FIELD_FOLD.format(added=apply(ADDED), removed=apply(REMOVED), moved=apply(MOVED)),
        PRIVACY_FOLD.format(values=DEAL_VALUES.format(deals=FLIPPED, **shape)),
        PRIVATE_DELETE.format(
            values=DEAL_VALUES.format(deals="SELECT OLD.id AS id, -1 AS change", **shape)
        ),
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, key in KEYS.items():
        op.add_column(
            table, sa.Column("slot", sa.SmallInteger(), nullable=False, server_default="0")
        )
        if postgres:
            op.execute(
                f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
                f"ADD PRIMARY KEY ({', '.join(key)}, slot)"
            )
    if postgres:
        for function in _functions(SPREAD):
            op.execute(function)


def _fold_into_slot_zero(table: str, key: Sequence[str]) -> str:
    """An upsert of each counter's other slots into its slot 0."""
    columns = ", ".join(key)
    totals = ["total", "private_total"] if table == "field_value_count" else ["total"]
    summed = ", ".join(f"sum({total})" for total in totals)
    added = ", ".join(f"{total} = {table}.{total} + EXCLUDED.{total}" for total in totals)
    return (
        f"INSERT INTO {table} ({columns}, slot, {', '.join(totals)}) "  # noqa: S608 - constants
        f"SELECT {columns}, 0, {summed} FROM {table} WHERE slot <> 0 GROUP BY {columns} "
        f"ON CONFLICT ({columns}, slot) DO UPDATE SET {added}"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for function in _functions(UNSPREAD):
            op.execute(function)
    for table, key in KEYS.items():
        if postgres:
            op.execute(_fold_into_slot_zero(table, key))
            op.execute(f"DELETE FROM {table} WHERE slot <> 0")  # noqa: S608 - constants
            op.execute(
                f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
                f"ADD PRIMARY KEY ({', '.join(key)})"
            )
        op.drop_column(table, "slot")
