"""ids never reused: AUTOINCREMENT on every SQLite table with an integer id; contacts by date

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00.000000

Without AUTOINCREMENT SQLite hands out max(id) + 1, so deleting the newest deal (stage,
contact, field, key...) gives its id to the next one, and a client that stored it finds another
row under it. With it, SQLite keeps the largest id ever used in sqlite_sequence. PostgreSQL's
sequences never go back: nothing to do there.

How: an `id INTEGER` primary key is already the rowid, so AUTOINCREMENT changes no stored
byte of a table, only its declaration. The copy-and-rename rebuild of SQLite's ALTER TABLE
recipe cannot run here: it needs foreign_keys off, which SQLite ignores inside a transaction,
and with it on, renaming a parent rewrites its children's REFERENCES and dropping the old copy
cascades into them. So each declaration is rewritten in place (the documented writable_schema
procedure for changes that leave the stored format alone) and the schema version moved, in the
migration's one transaction; rows, ids, indexes, triggers and the FTS index (external content,
rowid = id) are the very same objects before and after. sqlite_sequence then starts at the
largest id in use, and an integrity check ends the step.

Also, on both back ends, an index of contacts by creation time and id: the order the legacy
contact filter lists by default (newest first).
"""

import re
from collections.abc import Callable, Sequence

from alembic import op
from sqlalchemy import bindparam, text

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose integer id a client can see or store, and the internal ones alike.
TABLES = (
    "stage",
    "contact",
    "custom_field_definition",
    "opportunity",
    "api_key",
    "notification",
    "idempotency_key",
)
_PLAIN_ID = re.compile(r"\bid INTEGER NOT NULL,")
_TABLE_KEY = re.compile(r"\s*PRIMARY KEY \(id\),")
_AUTO_ID = "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,"


def _with_autoincrement(sql: str) -> str:
    if "AUTOINCREMENT" in sql:
        return sql
    changed, found = _PLAIN_ID.subn(_AUTO_ID, sql, count=1)
    changed, keys = _TABLE_KEY.subn("", changed, count=1)
    if not (found and keys):
        raise RuntimeError(f"unexpected table definition: {sql[:80]}")
    return changed


def _without_autoincrement(sql: str) -> str:
    if "AUTOINCREMENT" not in sql:
        return sql
    changed = sql.replace(_AUTO_ID, "id INTEGER NOT NULL,", 1)
    # The table key goes back before the first foreign key, where SQLAlchemy puts it.
    return re.sub(
        r",(\s*)(FOREIGN KEY|CONSTRAINT|\))", r",\1PRIMARY KEY (id),\1\2", changed, count=1
    )


def _redeclare(rewrite: Callable[[str], str]) -> None:
    conn = op.get_bind()
    stored = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN :names"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": list(TABLES)},
    ).all()
    changed = {name: rewrite(sql) for name, sql in stored if rewrite(sql) != sql}
    if not changed:
        return
    # AUTOINCREMENT keeps its high-water marks in sqlite_sequence, which SQLite creates with the
    # first such table: make sure it is there before any table is declared to need it.
    op.execute("CREATE TABLE IF NOT EXISTS ids_0012_probe (id INTEGER PRIMARY KEY AUTOINCREMENT)")
    op.execute("DROP TABLE ids_0012_probe")
    version = conn.execute(text("PRAGMA schema_version")).scalar_one()
    op.execute("PRAGMA writable_schema = ON")
    try:
        for name, sql in changed.items():
            conn.execute(
                text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
                {"sql": sql, "name": name},
            )
        # Every connection re-reads the schema when this number moves.
        op.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        op.execute("PRAGMA writable_schema = OFF")
    for name, sql in changed.items():
        conn.execute(text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": name})
        if "AUTOINCREMENT" in sql:
            # The largest id in use is the largest known: ids deleted before now are lost.
            # `name` is one of TABLES, never outside input.
            highest = f"SELECT coalesce(max(id), 0) FROM {name}"  # noqa: S608
            seq = conn.execute(text(highest)).scalar_one()
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                {"name": name, "seq": seq},
            )
    checked = conn.execute(text("PRAGMA integrity_check")).scalar_one()
    if checked != "ok":
        raise RuntimeError(f"integrity check after 0012: {checked}")


def _redeclare_all(rewrite: Callable[[str], str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _redeclare(rewrite)


def upgrade() -> None:
    _redeclare_all(_with_autoincrement)
    # The legacy contact filter lists newest first by default: a page is an index range.
    op.create_index("ix_contact_created_id", "contact", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_created_id", table_name="contact")
    _redeclare_all(_without_autoincrement)
