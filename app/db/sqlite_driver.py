"""SQLAlchemy's aiosqlite dialect with one thread hop per statement instead of four.

aiosqlite runs each SQLite call on its connection's thread and hands the result back through
the event loop. SQLAlchemy's adapter makes four such calls per statement (open a cursor,
execute, fetch every row, close), each a queue put, a thread wake-up and a loop wake-up;
on the small indexed statements of a request the hops cost more than SQLite does. Here one
function runs all four on the thread, and a rollback with no transaction open takes no hop.
Everything else (pooling, result types, compiled-statement caching, transactions) is
SQLAlchemy's own, unchanged.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from typing import Any, cast

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

from app.db.inline_reads import InlineReads

DRIVER = "crm_aiosqlite"


def _run(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, int | None, float]:
    """On the connection's thread: the statement executed, its rows read, its cursor closed.

    The last item is the CPU time it took (app.db.inline_reads learns from runs on the loop).
    """
    started = time.thread_time()
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, time.thread_time() - started
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose execute is a single call on aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def _make_new_cursor(self, connection: Any) -> Any:
        # No aiosqlite cursor: each statement opens and closes its own on the thread.
        return None

    def _aenter_cursor(self, cursor: Any) -> Any:
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        return None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        """Nothing is open between statements."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._one_hop(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._one_hop(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _one_hop(self, operation: Any, parameters: Any, *, many: bool) -> None:
        driver = self._connection
        inline = cast("OneHopConnection", self._adapt_connection).inline
        async with self._adapt_connection._execute_mutex:
            found = None
            if inline is not None and not many:
                found = inline.run(_run, driver._connection, operation, parameters)
            if found is None:
                # Not counted in the text's cost: a run on the thread waits on the loop (see
                # app.db.inline_reads).
                found = await driver._execute(_run, driver._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid, _ = found
        self._rows = deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection whose ordinary cursors take one hop per statement."""

    __slots__ = ("inline",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Set on reader connections (engine.py): their short statements skip the thread.
        self.inline: InlineReads | None = None

    @property
    def in_transaction(self) -> bool:
        """Whether SQLite has a transaction open (True when the connection is closed: unknown).

        Read between statements, never while this connection's thread runs one.
        """
        raw = self._connection._connection
        return raw is None or bool(raw.in_transaction)

    def rollback(self) -> None:
        # SQLAlchemy rolls back when a connection closes and again when the pool takes it
        # back: two hops per checkout, though a reader never begins a transaction (no BEGIN
        # is sent, the driver's own is off). SQLite knows whether one is open.
        if not self.in_transaction:
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The adapted aiosqlite module, connecting with OneHopConnection."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    """`sqlite+aiosqlite` with OneHopCursor."""

    driver = DRIVER
    # Said again by every subclass, or SQLAlchemy stops caching compiled statements.
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")
