"""Engines and transactions: one SQLite writer with separate readers, or a PostgreSQL pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.db import event_log, sqlite_driver
from app.db.broker import Broker
from app.db.budget import arm, install_clock
from app.db.commit_group import CommitGroup
from app.db.connection_setup import begin_immediate, inline_reads, postgres_settings, sqlite_pragmas
from app.db.faults import DatabaseBusy, Unavailable, raise_classified
from app.db.reader_checkout import reader_connection
from app.domain.events import PENDING, OpportunityEvent
from app.settings import DEFAULT_SQLITE_CACHE_MIB

if TYPE_CHECKING:
    from app.db.request_view import SharedReader

__all__ = ["Database", "DatabaseBusy", "Unavailable"]


@asynccontextmanager
async def _armed(
    opening: AbstractAsyncContextManager[AsyncConnection],
) -> AsyncIterator[AsyncConnection]:
    """A connection armed for the request's time budget; database faults come out classified."""
    try:
        async with opening as conn:
            arm(conn.info)
            yield conn
    except Exception as exc:
        raise_classified(exc)


class Database:
    """Where reads and writes go, and how a write transaction starts."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = 5000,
        sqlite_cache_mib: int = DEFAULT_SQLITE_CACHE_MIB,
        read_pool_size: int = 4,
        pool_size: int = 20,
        write_timeout_s: float = 5.0,
        statement_timeout_s: float = 30.0,
        event_log_size: int = 1000,
        echo: bool = False,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # Process-wide copies of reference data that never changes while the service runs
        # (the currency list); filled and used by the loaders.
        self.shared: dict[str, Any] = {}
        # Where committed changes go: this process's subscribers, or every worker's on PostgreSQL.
        self.broker = Broker(url)
        self.event_log_size = event_log_size
        # Subscriptions' reads at once (app.db.subscriber_reads): half the readers.
        readers = read_pool_size if self.is_sqlite else pool_size
        self.subscriber_reads = asyncio.Semaphore(max(1, readers // 2))
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            if parsed.get_driver_name() == "aiosqlite":
                # The same driver, one thread hop per statement (see sqlite_driver).
                url = parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}").render_as_string(
                    hide_password=False
                )
            # A single writer connection: SQLite takes one writer at a time anyway, and
            # queueing in the pool is fairer and far cheaper than spinning on busy_timeout.
            self.writer = create_async_engine(
                url,
                pool_size=1,
                max_overflow=0,
                pool_timeout=write_timeout_s,
                echo=echo,
            )
            self.reader = create_async_engine(
                url,
                pool_size=read_pool_size,
                max_overflow=0,
                # Waiting longer for a reader than a request may take helps nobody.
                pool_timeout=statement_timeout_s,
                echo=echo,
            )
            for engine in (self.writer, self.reader):
                event.listen(
                    engine.sync_engine, "connect", sqlite_pragmas(busy_timeout_ms, sqlite_cache_mib)
                )
                event.listen(engine.sync_engine, "connect", install_clock)
            # Writers take the write lock up front. Readers send no BEGIN at all: each
            # statement then reads its own snapshot, which saves a round trip per read.
            event.listen(self.writer.sync_engine, "begin", begin_immediate)
            # Writes queued for the writer share its commits (app.db.commit_group).
            self.commits: CommitGroup | None = CommitGroup(self.writer, wait_s=write_timeout_s)
            # Readers run short statements on the loop's thread (app.db.inline_reads).
            event.listen(self.reader.sync_engine, "connect", inline_reads())
        else:
            # Steady load stays within the pool: overflow connections close when returned,
            # and a PostgreSQL backend forked per burst costs more than the request it serves.
            self.writer = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size // 2,
                pool_timeout=write_timeout_s,
                echo=echo,
                connect_args={"server_settings": postgres_settings(statement_timeout_s)},
            )
            # Reads take no transaction: no BEGIN and ROLLBACK round trips around a request's
            # reads, each statement reading its own snapshot as on SQLite. Same pool.
            self.reader = self.writer.execution_options(isolation_level="AUTOCOMMIT")
            # Each transaction its own: PostgreSQL runs them side by side.
            self.commits = None

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every distinct engine, for instrumentation and disposal."""
        # PostgreSQL's reader is the writer's pool with other options (its events included).
        return (self.writer, self.reader) if self.is_sqlite else (self.writer,)

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back on error.

        The changes it notes (app.domain.events) are published once it commits, never after
        a rollback.
        """
        return self._write()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        pending: list[OpportunityEvent] = []
        opening = self.writer.begin() if self.commits is None else self.commits.transaction()
        async with _armed(opening) as conn:
            conn.info[PENDING] = pending
            try:
                yield conn
                if pending:
                    # Logged last: on PostgreSQL its lock orders cursors as the commits, and
                    # its NOTIFY goes out with the commit to every listening worker.
                    log = event_log.record if self.is_sqlite else event_log.record_and_notify
                    pending[:] = await log(conn, pending, self.event_log_size)
            finally:
                # The dictionary outlives the checkout: the next transaction starts clean.
                conn.info.pop(PENDING, None)
        if pending and self.is_sqlite:
            self.broker.deliver(pending)

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads; on SQLite each statement sees the last committed state."""
        return _armed(reader_connection(self.reader))

    def shared_reader(self) -> SharedReader:
        """A reader connection that one request's concurrent reads take turns on."""
        from app.db.request_view import SharedReader  # it builds on Database

        return SharedReader(self)

    def for_request(self) -> Database:
        """This database as one request sees it: all its reads on one shared connection."""
        from app.db.request_view import RequestDatabase  # a subclass of Database

        return RequestDatabase(self)

    def holding_reads(self) -> AbstractAsyncContextManager[None]:
        """Nothing to hold: only a request's view keeps a reader between its reads."""
        return nullcontext()

    def underlying(self) -> Database:
        """The database itself, not a request's view of it (for what outlives the request)."""
        return self

    async def dispose(self) -> None:
        """Stop listening for events and close every pooled connection."""
        await self.broker.close()
        for engine in self.engines:
            await engine.dispose()
