"""word-start search read by an index: SQLite FTS5, PostgreSQL trigrams

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00.000000

A search keeps deals where every word starts a word of the title or the description. SQLite
finds candidates through an FTS5 index of both columns (external content, kept by triggers) and
the service checks each candidate with the word-start pattern; PostgreSQL reads the same pattern
through a trigram GIN index on the text it is matched against (app.domain.search).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must stay the expression app.domain.search matches against, or the planner cannot use it.
POSTGRES_SEARCHED = "(' ' || title || ' ' || coalesce(description, ''))"

# External content: the index holds the words only; rows stay in opportunity.
SQLITE_TABLE = """CREATE VIRTUAL TABLE opportunity_search USING fts5(
    title, description, content='opportunity', content_rowid='id')"""
SQLITE_TRIGGERS = [
    """CREATE TRIGGER opportunity_search_insert AFTER INSERT ON opportunity BEGIN
        INSERT INTO opportunity_search (rowid, title, description)
        VALUES (NEW.id, NEW.title, NEW.description);
    END""",
    """CREATE TRIGGER opportunity_search_delete AFTER DELETE ON opportunity BEGIN
        INSERT INTO opportunity_search (opportunity_search, rowid, title, description)
        VALUES ('delete', OLD.id, OLD.title, OLD.description);
    END""",
    """CREATE TRIGGER opportunity_search_update AFTER UPDATE OF title, description ON opportunity
    BEGIN
        INSERT INTO opportunity_search (opportunity_search, rowid, title, description)
        VALUES ('delete', OLD.id, OLD.title, OLD.description);
        INSERT INTO opportunity_search (rowid, title, description)
        VALUES (NEW.id, NEW.title, NEW.description);
    END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trusted since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_opportunity_search_words ON opportunity "
            f"USING gin ({POSTGRES_SEARCHED} gin_trgm_ops)"
        )
        return
    op.execute(SQLITE_TABLE)
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO opportunity_search (opportunity_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_opportunity_search_words")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER opportunity_search_{name}")
    op.execute("DROP TABLE opportunity_search")
