"""Fresh databases for tests: a migrated, seeded template copied per test (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.db import migrate
from app.db.engine import Database
from app.db.seed import seed_reference_data

POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL")


async def _prepare(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db)
        await seed_reference_data(db)
    finally:
        await db.dispose()


class SQLiteTemplates:
    """Copies one prepared SQLite file per test."""

    backend = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.template = directory / "template.sqlite3"
        asyncio.run(_prepare(f"sqlite+aiosqlite:///{self.template}"))

    def fresh(self, directory: Path) -> str:
        target = directory / "crm.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"

    def drop(self, url: str) -> None:
        """Files go with pytest's temporary directory."""

    def close(self) -> None:
        """Nothing to release."""


class PostgresTemplates:
    """Clones one prepared PostgreSQL database per test (CREATE DATABASE ... TEMPLATE)."""

    backend = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.prefix = f"crm_t{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.counter = itertools.count()
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"'
        )
        asyncio.run(_prepare(self._url(self.template)))

    def _url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        async def run() -> None:
            dsn = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = await asyncpg.connect(dsn)
            try:
                for statement in statements:
                    await conn.execute(statement)
            finally:
                await conn.close()

        asyncio.run(run())

    def fresh(self, directory: Path) -> str:
        name = f"{self.prefix}_{next(self.counter)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
