"""A reader connection given back to the pool without a task when there is nothing to undo.

SQLAlchemy's `async with engine.connect()` closes the connection in a task of its own, awaited
through a shield, so that a cancellation cannot interrupt the close halfway: a task, a shield
and two turns of the event loop per checkout, three or four checkouts a request. A reader that
holds no transaction (SQLite's readers send no BEGIN, PostgreSQL's run in autocommit) has
nothing to roll back, so its close never waits on the driver: it runs to the end in one step,
where no cancellation can reach it. Any other state takes SQLAlchemy's own close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from app.db.sqlite_driver import OneHopConnection


def _nothing_to_undo(conn: AsyncConnection) -> bool:
    """Whether closing `conn` returns it to the pool without a call to the driver."""
    sync = conn.sync_connection
    # SQLAlchemy's own transaction (begun by any execute) ends in a rollback that the driver
    # skips when it holds none, so only the driver's state counts.
    if sync is None or sync.invalidated:
        return False
    proxied = sync._dbapi_connection
    adapted: Any = None if proxied is None else proxied.dbapi_connection
    if isinstance(adapted, OneHopConnection):
        raw = adapted._connection._connection
        return raw is not None and not raw.in_transaction
    return adapted is not None and getattr(adapted, "_transaction", True) is None


@asynccontextmanager
async def reader_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.connect()` as a context, closed in place when there is nothing to undo."""
    conn = await engine.connect().start()
    try:
        yield conn
    finally:
        if _nothing_to_undo(conn):
            await greenlet_spawn(conn.sync_connection.close)  # type: ignore[union-attr]
        else:
            await conn.__aexit__(None, None, None)  # SQLAlchemy's close, run to completion
