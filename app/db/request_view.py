"""One request's view of the database: its reads take turns on one reader connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.faults import raise_classified


class SharedReader:
    """One request's reads, one statement at a time, on as few connections as possible.

    A request's loaders dispatch their batches together; each taking its own pooled connection
    cost a checkout apiece and, on PostgreSQL, up to one backend per batch per request. Here
    the first takes a connection and each one that queues up meanwhile reuses it; the last
    gives it back, so nothing stays checked out between bursts (no close is needed), unless
    the request holds it (`hold`) for its next read, and `spare` says the pool can spare it.
    """

    def __init__(self, db: Database, spare: Callable[[], bool] = lambda: True) -> None:
        self._db = db
        self._spare = spare
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._holding = False
        self._held: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._conn: AsyncConnection | None = None

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """The shared connection, for one use."""
        self._waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._conn is None:
                self._held = self._db.read()
                self._conn = await self._held.__aenter__()
            failed = True
            try:
                yield self._conn
                failed = False
            except Exception as exc:
                # As the database's own read() does: a database fault comes out classified
                # (the key check of a request reads here too, before any resolver).
                raise_classified(exc)
            finally:
                # Give it back when nobody queues for it and the request does not hold it, or
                # after a failure (it may hold an aborted transaction; checkin resets it).
                if failed or not (self._waiting or (self._holding and self._spare())):
                    await self._release()
        finally:
            self._turn.release()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Keep the connection between uses until the block ends (or `let_go`)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            await self.let_go()

    async def let_go(self) -> None:
        """Give back a connection that is checked out but in nobody's use."""
        # Busy: its user gives it back when done, once nothing holds it.
        if self._conn is not None and not self._turn.locked():
            await self._release()

    async def _release(self) -> None:
        held, self._held, self._conn = self._held, None, None
        if held is not None:
            await held.__aexit__(None, None, None)


def _pool_has_another(db: Database) -> Callable[[], bool]:
    """Whether the reader pool has a connection left besides those checked out."""
    pool = db.reader.sync_engine.pool

    def another() -> bool:
        return int(pool.checkedout()) < int(pool.size())  # type: ignore[attr-defined]

    return another


class RequestDatabase(Database):
    """One request's view of a database: every read it makes takes turns on one connection.

    However many fields or aliases a request resolves at once, it holds at most one reader
    connection (and a writer while it writes), so one request cannot take the readers of all.
    """

    def __init__(self, db: Database) -> None:  # no engines of its own: it borrows db's
        self.url, self.is_sqlite, self.shared = db.url, db.is_sqlite, db.shared
        self.broker = db.broker
        self.writer, self.reader = db.writer, db.reader
        self._base = db
        self._shared_reader = SharedReader(db, _pool_has_another(db))

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The request's shared reader connection, for one use."""
        return self._shared_reader.connect()

    def holding_reads(self) -> AbstractAsyncContextManager[None]:
        """Within it, the request's reads keep one reader connection.

        A checkout from SQLAlchemy's pool and its return cost more CPU than a short statement
        (a greenlet, the pool, events, the isolation level set and reset); a read of one deal
        took two (the key, then the deal), a page of deals three. Held, the key's connection
        serves them all. Bodies are read before a request runs (app.request_body), so a slow
        client holds none; a write gives an idle held reader back before it waits for a writer,
        so no request holds a reader while it waits on the pool. A request keeps its reader
        between reads only while the pool has another (SQLite keeps four readers a worker):
        requests holding readers never leave all of them idle, so neither a newcomer nor a
        read that takes a connection of its own (the worker's copy of the stages) waits on
        requests that wait on it.
        """
        return self._shared_reader.hold()

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction of the underlying database, with no reader held meanwhile."""
        return self._writing()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        await self._shared_reader.let_go()
        async with self._base.write() as conn:
            yield conn

    def shared_reader(self) -> SharedReader:
        """The request's one shared reader."""
        return self._shared_reader

    def for_request(self) -> Database:
        """Already a request's view."""
        return self

    def underlying(self) -> Database:
        """The database the view borrows from."""
        return self._base

    async def dispose(self) -> None:
        """The engines belong to the underlying database."""
