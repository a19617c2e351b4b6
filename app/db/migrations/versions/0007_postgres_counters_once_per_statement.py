"""PostgreSQL keeps the deal counters once per statement, locking counter rows in key order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:00:00.000000

The row-level triggers of 0004 and 0006 updated a counter row once per deal. Under MVCC every
such update is a new version of the same row: a statement touching many deals (a bulk load, a
filtered delete) walked ever longer version chains (the 1M benchmark load ran for hours), and
two statements meeting several counter rows in different orders could deadlock. Statement-level
triggers with transition tables fold a statement's deals into one change per counter row and
take the rows' locks in key order (upserts ordered by key; updates after SELECT ... ORDER BY
... FOR UPDATE). SQLite, which has one writer and updates in place, keeps its row triggers.

A private deal's delete keeps its row-level BEFORE trigger (0006): its access entries, which
say whose counts it is in, are gone by cascade before any statement-level AFTER trigger runs.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stage counters: +1 for each inserted or new-version row, -1 for each deleted or old-version
# row, summed per (stage, privacy), applied in key order.
STAGE_COUNTS = """
CREATE FUNCTION opportunity_stage_count_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its operation has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        SELECT stage_id, is_private, count(*) FROM added
        GROUP BY stage_id, is_private ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private)
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    ELSIF TG_OP = 'DELETE' THEN
        -- Never an insert: a deal's stage outlives it (stages with deals are not deleted).
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        SELECT stage_id, is_private, -count(*) FROM removed
        GROUP BY stage_id, is_private ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private)
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    ELSE
        INSERT INTO opportunity_stage_count (stage_id, is_private, total)
        SELECT stage_id, is_private, sum(change) FROM (
            SELECT n.stage_id, n.is_private, 1 AS change
            FROM added n JOIN removed o ON o.id = n.id
            WHERE n.stage_id <> o.stage_id OR n.is_private <> o.is_private
            UNION ALL
            SELECT o.stage_id, o.is_private, -1
            FROM added n JOIN removed o ON o.id = n.id
            WHERE n.stage_id <> o.stage_id OR n.is_private <> o.is_private
        ) AS moved
        GROUP BY stage_id, is_private HAVING sum(change) <> 0 ORDER BY stage_id, is_private
        ON CONFLICT (stage_id, is_private)
        DO UPDATE SET total = opportunity_stage_count.total + EXCLUDED.total;
    END IF;
    RETURN NULL;
END $$
"""
# Private counts: an access entry counts at its deal's stage while the deal is private.
PRIVATE_COUNTS_ACCESS = """
CREATE FUNCTION private_count_access_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunity_private_count (employee_id, stage_id, total)
        SELECT a.employee_id, o.stage_id, count(*) FROM added a
        JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
        GROUP BY a.employee_id, o.stage_id ORDER BY a.employee_id, o.stage_id
        ON CONFLICT (employee_id, stage_id)
        DO UPDATE SET total = opportunity_private_count.total + EXCLUDED.total;
        RETURN NULL;
    END IF;
    -- Entries removed with their deal find no deal: its delete trigger has counted them out.
    -- An update, never an insert: an employee being deleted has lost its rows by cascade.
    PERFORM 1 FROM opportunity_private_count c
    WHERE (c.employee_id, c.stage_id) IN (
        SELECT a.employee_id, o.stage_id FROM removed a
        JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private)
    ORDER BY c.employee_id, c.stage_id FOR UPDATE;
    UPDATE opportunity_private_count c SET total = c.total - gone.n
    FROM (SELECT a.employee_id, o.stage_id, count(*) AS n FROM removed a
          JOIN opportunity o ON o.id = a.opportunity_id AND o.is_private
          GROUP BY a.employee_id, o.stage_id) AS gone
    WHERE c.employee_id = gone.employee_id AND c.stage_id = gone.stage_id;
    RETURN NULL;
END $$
"""
PRIVATE_COUNTS_MOVES = """
CREATE FUNCTION private_count_opportunity_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO opportunity_private_count (employee_id, stage_id, total)
    SELECT employee_id, stage_id, sum(change) FROM (
        SELECT a.employee_id, n.stage_id, 1 AS change
        FROM added n JOIN removed o ON o.id = n.id
        JOIN opportunity_access a ON a.opportunity_id = n.id
        WHERE n.is_private AND (n.stage_id <> o.stage_id OR n.is_private <> o.is_private)
        UNION ALL
        SELECT a.employee_id, o.stage_id, -1
        FROM added n JOIN removed o ON o.id = n.id
        JOIN opportunity_access a ON a.opportunity_id = n.id
        WHERE o.is_private AND (n.stage_id <> o.stage_id OR n.is_private <> o.is_private)
    ) AS moved
    GROUP BY employee_id, stage_id HAVING sum(change) <> 0 ORDER BY employee_id, stage_id
    ON CONFLICT (employee_id, stage_id)
    DO UPDATE SET total = opportunity_private_count.total + EXCLUDED.total;
    RETURN NULL;
END $$
"""
PRIVATE_DELETE = """
CREATE OR REPLACE FUNCTION private_count_opportunity_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM opportunity_private_count
    WHERE stage_id = OLD.stage_id
      AND employee_id IN (SELECT employee_id FROM opportunity_access WHERE opportunity_id = OLD.id)
    ORDER BY employee_id FOR UPDATE;
    UPDATE opportunity_private_count SET total = total - 1
    WHERE stage_id = OLD.stage_id
      AND employee_id IN (SELECT employee_id FROM opportunity_access WHERE opportunity_id = OLD.id);
    RETURN OLD;
END $$
"""
TRIGGERS = [
    """CREATE TRIGGER opportunity_count_insert AFTER INSERT ON opportunity
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_count_fold()""",
    """CREATE TRIGGER opportunity_count_delete AFTER DELETE ON opportunity
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_count_fold()""",
    """CREATE TRIGGER opportunity_count_update AFTER UPDATE ON opportunity
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_count_fold()""",
    """CREATE TRIGGER private_count_access_insert AFTER INSERT ON opportunity_access
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION private_count_access_fold()""",
    """CREATE TRIGGER private_count_access_delete AFTER DELETE ON opportunity_access
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION private_count_access_fold()""",
    """CREATE TRIGGER private_count_opportunity_update AFTER UPDATE ON opportunity
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION private_count_opportunity_fold()""",
]
ROW_TRIGGERS = [
    ("opportunity_count_insert_delete", "opportunity"),
    ("opportunity_count_update", "opportunity"),
    ("private_count_access", "opportunity_access"),
    ("private_count_opportunity_update", "opportunity"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in ROW_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    for function in (STAGE_COUNTS, PRIVATE_COUNTS_ACCESS, PRIVATE_COUNTS_MOVES, PRIVATE_DELETE):
        op.execute(function)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute("DROP FUNCTION opportunity_stage_count_keep()")
    op.execute("DROP FUNCTION private_count_access_keep()")


def downgrade() -> None:
    raise NotImplementedError("0007 is not reversible: restore 0006's row triggers by hand")
