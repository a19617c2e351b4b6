"""per-field counts of custom-field values, public and per employee, kept by triggers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00.000000

A field's value count is how many deals the caller may see hold a value of it. Counting the
values joined to their deals read every value of the field; two counters answer it from a few
rows instead. `field_value_count` holds, per field, its values on all deals (`total`) and on
private ones (`private_total`); `field_value_private_count` holds, per employee and field, the
values on private deals that list the employee. An administrator's count is `total`; anyone
else's is `total - private_total` plus their own row.

One row per field with both totals, not a row per (field, privacy): a deal's values go by
cascade after the deal, when their trigger can no longer read the deal's privacy, and `total`
needs no deal. So a public deal's delete needs no row trigger of its own: its values' trigger
takes them out of `total`. A private deal takes its values out of `private_total` and out of its
holders' counts in a BEFORE DELETE row trigger, while its values and access entries are still
there (as 0006/0007 do for the per-employee deal counts); the cascade then finds no deal and
touches only `total`. A field's values deleted with their definition change nothing: their counter rows go
by cascade too, and their trigger skips fields that are gone (an upsert into a counter row
already gone would insert a row for a missing field).

Other events: a value added counts in `total`, in `private_total` and for each holder when its
deal is private; a deal made private or public moves its values in or out of `private_total`
and its holders' counts; an access entry added or removed on a private deal moves that deal's
values in or out of the employee's counts; an employee's rows go by cascade (an employee on an
access list cannot be deleted). The service replaces a value by delete and insert, but a
changed key (deal or field) is handled too: the old key goes out and the new one comes in.

SQLite keeps row triggers. PostgreSQL folds each statement's rows through transition tables
and upserts counter rows in key order, as 0007 explains (no version chains over bulk
statements, no lock-order deadlocks within one). The exception is the private deal's delete,
row by row as in 0006: a statement deleting many private deals with values updates each
field's row once per deal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = [
    """INSERT INTO field_value_count (field_id, total, private_total)
    SELECT v.field_id, count(*), sum(CASE WHEN o.is_private THEN 1 ELSE 0 END)
    FROM opportunity_custom_field v JOIN opportunity o ON o.id = v.opportunity_id
    GROUP BY v.field_id""",
    """INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, v.field_id, count(*) FROM opportunity_access a
    JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
    JOIN opportunity_custom_field v ON v.opportunity_id = a.opportunity_id
    GROUP BY a.employee_id, v.field_id""",
]

# --- SQLite: row triggers -------------------------------------------------------------------

# One value in: every value counts in total; a private deal's also in private_total and for
# each of its holders.
SQLITE_VALUE_IN = """
    INSERT INTO field_value_count (field_id, total, private_total)
    SELECT NEW.field_id, 1, CASE WHEN o.is_private THEN 1 ELSE 0 END
    FROM opportunity o WHERE o.id = NEW.opportunity_id
    ON CONFLICT (field_id) DO UPDATE
    SET total = total + 1, private_total = private_total + excluded.private_total;
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, NEW.field_id, 1 FROM opportunity_access a
    JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
    WHERE a.opportunity_id = NEW.opportunity_id
    ON CONFLICT (employee_id, field_id) DO UPDATE SET total = total + 1;"""
# One value out. A deal being deleted is gone already: its private counts went before it.
SQLITE_VALUE_OUT = """
    UPDATE field_value_count
    SET total = total - 1,
        private_total = private_total - coalesce(
            (SELECT o.is_private FROM opportunity o WHERE o.id = OLD.opportunity_id), 0)
    WHERE field_id = OLD.field_id;
    UPDATE field_value_private_count SET total = total - 1
    WHERE field_id = OLD.field_id AND employee_id IN (
        SELECT a.employee_id FROM opportunity_access a
        JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
        WHERE a.opportunity_id = OLD.opportunity_id);"""
# Values of a field deleted with it need no counting: its counter rows go by cascade.
FIELD_KEPT = "EXISTS (SELECT 1 FROM custom_field_definition d WHERE d.id = OLD.field_id)"
# A deal's values in or out of the private counts: made private (+1), made public or deleted.
SQLITE_DEAL_VALUES = """
    UPDATE field_value_count SET private_total = private_total + {change}
    WHERE field_id IN (SELECT field_id FROM opportunity_custom_field WHERE opportunity_id = {deal});
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, v.field_id, {change} FROM opportunity_access a
    JOIN opportunity_custom_field v ON v.opportunity_id = a.opportunity_id
    WHERE a.opportunity_id = {deal}
    ON CONFLICT (employee_id, field_id) DO UPDATE SET total = total + excluded.total;"""
# One access entry: its deal's values in or out of the employee's counts, while it is private.
SQLITE_ACCESS_IN = """
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT NEW.employee_id, v.field_id, 1 FROM opportunity_custom_field v
    JOIN opportunity o ON o.id = v.opportunity_id AND o.is_private
    WHERE v.opportunity_id = NEW.opportunity_id
    ON CONFLICT (employee_id, field_id) DO UPDATE SET total = total + 1;"""
SQLITE_ACCESS_OUT = """
    UPDATE field_value_private_count SET total = total - 1
    WHERE employee_id = OLD.employee_id AND field_id IN (
        SELECT v.field_id FROM opportunity_custom_field v
        JOIN opportunity o ON o.id = v.opportunity_id AND o.is_private
        WHERE v.opportunity_id = OLD.opportunity_id);"""

SQLITE_TRIGGERS = {
    "field_value_count_insert": "AFTER INSERT ON opportunity_custom_field BEGIN"
    + SQLITE_VALUE_IN
    + " END",
    "field_value_count_delete": "AFTER DELETE ON opportunity_custom_field WHEN "
    + FIELD_KEPT
    + " BEGIN"
    + SQLITE_VALUE_OUT
    + " END",
    "field_value_count_update": "AFTER UPDATE OF opportunity_id, field_id"
    " ON opportunity_custom_field"
    " WHEN OLD.opportunity_id IS NOT NEW.opportunity_id OR OLD.field_id IS NOT NEW.field_id"
    " BEGIN" + SQLITE_VALUE_OUT + SQLITE_VALUE_IN + " END",
    "field_value_count_privacy": "AFTER UPDATE OF is_private ON opportunity"
    " WHEN OLD.is_private IS NOT NEW.is_private BEGIN"
    + SQLITE_DEAL_VALUES.format(change="CASE WHEN NEW.is_private THEN 1 ELSE -1 END", deal="NEW.id")
    + " END",
    "field_value_count_private_delete": "BEFORE DELETE ON opportunity WHEN OLD.is_private BEGIN"
    + SQLITE_DEAL_VALUES.format(change="-1", deal="OLD.id")
    + " END",
    "field_value_count_access_insert": "AFTER INSERT ON opportunity_access BEGIN"
    + SQLITE_ACCESS_IN
    + " END",
    "field_value_count_access_delete": "AFTER DELETE ON opportunity_access BEGIN"
    + SQLITE_ACCESS_OUT
    + " END",
}

# --- PostgreSQL: statement triggers over transition tables --------------------------------

# Apply `changed` (opportunity_id, field_id, change: +1 in, -1 out) to both counters, summed
# per counter row and upserted in key order. Values of a field being deleted are skipped (its
# counter rows go by cascade); a deal being deleted is gone and adds nothing private (its
# BEFORE DELETE trigger has taken its private counts).
POSTGRES_APPLY = """
    INSERT INTO field_value_count (field_id, total, private_total)
    SELECT c.field_id, sum(c.change), coalesce(sum(c.change) FILTER (WHERE o.is_private), 0)
    FROM ({changed}) AS c LEFT JOIN opportunity o ON o.id = c.opportunity_id
    WHERE EXISTS (SELECT 1 FROM custom_field_definition d WHERE d.id = c.field_id)
    GROUP BY c.field_id
    HAVING sum(c.change) <> 0 OR coalesce(sum(c.change) FILTER (WHERE o.is_private), 0) <> 0
    ORDER BY c.field_id
    ON CONFLICT (field_id) DO UPDATE
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
# Keys that changed: what the new rows hold and the old did not, and the reverse.
MOVED = (
    "SELECT opportunity_id, field_id, 1 AS change FROM ("
    "SELECT opportunity_id, field_id FROM added EXCEPT ALL"
    " SELECT opportunity_id, field_id FROM removed) AS came UNION ALL"
    " SELECT opportunity_id, field_id, -1 FROM ("
    "SELECT opportunity_id, field_id FROM removed EXCEPT ALL"
    " SELECT opportunity_id, field_id FROM added) AS went"
)
POSTGRES_VALUES = (
    "CREATE FUNCTION field_value_count_fold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    # Each branch names only the transition tables its operation has.
    " IF TG_OP = 'INSERT' THEN"
    + POSTGRES_APPLY.format(changed=ADDED)
    + " ELSIF TG_OP = 'DELETE' THEN"
    + POSTGRES_APPLY.format(changed=REMOVED)
    + " ELSE"
    + POSTGRES_APPLY.format(changed=MOVED)
    + " END IF; RETURN NULL; END $$"
)
# Deals whose privacy changed: their values move by +1 (made private) or -1 (made public).
FLIPPED = """
    SELECT n.id, CASE WHEN n.is_private THEN 1 ELSE -1 END AS change
    FROM added n JOIN removed o ON o.id = n.id WHERE n.is_private <> o.is_private"""
# A deal's values in or out of the private counts, `deals` giving (id, change).
POSTGRES_DEAL_VALUES = """
    INSERT INTO field_value_count (field_id, total, private_total)
    SELECT v.field_id, 0, sum(f.change) FROM ({deals}) AS f
    JOIN opportunity_custom_field v ON v.opportunity_id = f.id
    GROUP BY v.field_id HAVING sum(f.change) <> 0 ORDER BY v.field_id
    ON CONFLICT (field_id) DO UPDATE
    SET private_total = field_value_count.private_total + EXCLUDED.private_total;
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, v.field_id, sum(f.change) FROM ({deals}) AS f
    JOIN opportunity_access a ON a.opportunity_id = f.id
    JOIN opportunity_custom_field v ON v.opportunity_id = f.id
    GROUP BY a.employee_id, v.field_id HAVING sum(f.change) <> 0
    ORDER BY a.employee_id, v.field_id
    ON CONFLICT (employee_id, field_id)
    DO UPDATE SET total = field_value_private_count.total + EXCLUDED.total;"""
POSTGRES_PRIVACY = (
    "CREATE FUNCTION field_value_count_privacy_fold() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN" + POSTGRES_DEAL_VALUES.format(deals=FLIPPED) + " RETURN NULL; END $$"
)
POSTGRES_PRIVATE_DELETE = (
    "CREATE FUNCTION field_value_count_private_delete() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    + POSTGRES_DEAL_VALUES.format(deals="SELECT OLD.id AS id, -1 AS change")
    + " RETURN OLD; END $$"
)
# Access entries on private deals: +1 (added) or -1 (removed) per value of the deal. Entries
# removed with their deal find no deal: its BEFORE DELETE trigger has counted them out.
ACCESS_APPLY = """
    INSERT INTO field_value_private_count (employee_id, field_id, total)
    SELECT a.employee_id, v.field_id, {sign}count(*) FROM {table} a
    JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
    JOIN opportunity_custom_field v ON v.opportunity_id = a.opportunity_id
    GROUP BY a.employee_id, v.field_id ORDER BY a.employee_id, v.field_id
    ON CONFLICT (employee_id, field_id)
    DO UPDATE SET total = field_value_private_count.total + EXCLUDED.total;"""
POSTGRES_ACCESS = (
    "CREATE FUNCTION field_value_count_access_fold() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF TG_OP = 'INSERT' THEN"
    + ACCESS_APPLY.format(sign="", table="added")
    + " ELSE"
    + ACCESS_APPLY.format(sign="-", table="removed")
    + " END IF; RETURN NULL; END $$"
)
POSTGRES_FUNCTIONS = {
    "field_value_count_fold": POSTGRES_VALUES,
    "field_value_count_privacy_fold": POSTGRES_PRIVACY,
    "field_value_count_private_delete": POSTGRES_PRIVATE_DELETE,
    "field_value_count_access_fold": POSTGRES_ACCESS,
}
# name: (table, when and how, function)
POSTGRES_TRIGGERS = {
    "field_value_count_insert": (
        "opportunity_custom_field",
        "AFTER INSERT ON {table} REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
        "field_value_count_fold",
    ),
    "field_value_count_delete": (
        "opportunity_custom_field",
        "AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
        "field_value_count_fold",
    ),
    "field_value_count_update": (
        "opportunity_custom_field",
        "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS removed NEW TABLE AS added"
        " FOR EACH STATEMENT",
        "field_value_count_fold",
    ),
    "field_value_count_privacy": (
        "opportunity",
        "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS removed NEW TABLE AS added"
        " FOR EACH STATEMENT",
        "field_value_count_privacy_fold",
    ),
    "field_value_count_private_delete": (
        "opportunity",
        "BEFORE DELETE ON {table} FOR EACH ROW WHEN (OLD.is_private)",
        "field_value_count_private_delete",
    ),
    "field_value_count_access_insert": (
        "opportunity_access",
        "AFTER INSERT ON {table} REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
        "field_value_count_access_fold",
    ),
    "field_value_count_access_delete": (
        "opportunity_access",
        "AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
        "field_value_count_access_fold",
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "field_value_count",
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("private_total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["field_id"], ["custom_field_definition.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("field_id"),
    )
    op.create_table(
        "field_value_private_count",
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["field_id"], ["custom_field_definition.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("employee_id", "field_id"),
    )
    for statement in BACKFILL:
        op.execute(statement)
    if dialect == "postgresql":
        for function in POSTGRES_FUNCTIONS.values():
            op.execute(function)
        for name, (table, timing, function) in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {timing.format(table=table)} EXECUTE FUNCTION {function}()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _, _) in POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("field_value_private_count")
    op.drop_table("field_value_count")
