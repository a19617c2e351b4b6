"""Fresh databases for tests: a migrated, seeded template copied per test (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import shutil
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from app.db import migrate
from app.db.engine import Database
from app.db.seed import seed_reference_data

POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL")
T = TypeVar("T")


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


class _AdminConnection:
    """One PostgreSQL admin connection on a thread of its own; statements run in order there.

    Creating and dropping a database takes tens of milliseconds each; queued here they run
    while the tests do, instead of between them.
    """

    def __init__(self, dsn: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._conn: asyncpg.Connection = self._wait(self._connect(dsn))

    async def _connect(self, dsn: str) -> asyncpg.Connection:
        self._turn = asyncio.Lock()  # made on the thread's loop, where it is used
        return await asyncpg.connect(dsn)

    async def _execute(self, statement: str) -> None:
        async with self._turn:
            await self._conn.execute(statement)

    def _wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def submit(self, statement: str) -> concurrent.futures.Future[None]:
        """Queue a statement; the future says when it has run."""
        return asyncio.run_coroutine_threadsafe(self._execute(statement), self._loop)

    def run(self, statement: str) -> None:
        """Run a statement after those queued, and wait for it."""
        self.submit(statement).result()

    def close(self) -> None:
        self._wait(self._conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class PostgresTemplates:
    """Clones one prepared PostgreSQL database per test (CREATE DATABASE ... TEMPLATE).

    The next test's database is created while a test runs, and a finished test's is dropped
    in the background, on one admin connection kept for the session.
    """

    backend = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.prefix = f"crm_t{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.counter = itertools.count()
        dsn = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._admin = _AdminConnection(dsn)
        self._admin.run(f'DROP DATABASE IF EXISTS "{self.template}"')
        self._admin.run(f'CREATE DATABASE "{self.template}"')
        asyncio.run(_prepare(self._url(self.template)))
        self._pending: list[concurrent.futures.Future[None]] = []
        self._ahead = self._create_next()

    def _url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def _create_next(self) -> tuple[str, concurrent.futures.Future[None]]:
        name = f"{self.prefix}_{next(self.counter)}"
        return name, self._admin.submit(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')

    def fresh(self, directory: Path) -> str:
        name, created = self._ahead
        created.result()
        self._ahead = self._create_next()
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._pending.append(self._admin.submit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pending = [done for done in self._pending if not done.done() or done.exception()]

    def close(self) -> None:
        try:
            for dropped in self._pending:
                dropped.result()  # a drop that failed fails the session here
            name, created = self._ahead
            created.result()
            self._admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin.run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        finally:
            self._admin.close()
