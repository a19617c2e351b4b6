"""Schema migrations (Alembic), applied in code so that no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")


# SQLite's FTS5 index (migration 0005) is a virtual table and its shadow tables: no model
# declares them, so a comparison of models and schema must not count them as missing.
SEARCH_INDEX_TABLES = frozenset(
    f"opportunity_search{suffix}" for suffix in ("", "_data", "_idx", "_docsize", "_config")
)


def compared_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name`: every schema object but the tables of the search index."""
    return not (type_ == "table" and name in SEARCH_INDEX_TABLES)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration in the code base."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several workers may start at once; one migrates, the others wait and find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(7342001)"))
    command.upgrade(alembic_config(connection), "head")


async def upgrade(db: Database) -> None:
    """Bring the database to the newest schema, in one transaction."""
    async with db.write() as conn:
        await conn.run_sync(_upgrade)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    async with db.read() as conn:
        return await conn.run_sync(_current)
