"""SQLite's writes committed together: the writes queued for its one writer share a commit.

SQLite takes one writer at a time, and with `synchronous=FULL` every commit waits for the disk
and costs the process the kernel's write path; under a burst of creates that, not their
statements, was much of the writer's time. So a write that finds others waiting for the writer
leaves its transaction open, and the next goes on in the same transaction; the last of a batch
(no one waiting, or the batch full) commits for all. Each write is still answered only after the
commit that holds it, as before.

A write's own failure is its own: the first write of a batch has the transaction to itself and
rolls it back; every later one runs inside a savepoint, rolled back alone. A fault that ends
the transaction itself (SQLite rolls back a write it interrupts or that fills the disk; the
commit fails) fails every write of the batch, since none of them was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db.faults import DatabaseBusy, Unavailable, classify

_LOST = "A write sharing the transaction ended it; nothing was written. Retry."
# Writes a batch takes at most: its first waits for the others' statements before its commit.
MAX_BATCH = 16


class _Batch:
    """One open transaction and the writes in it."""

    __slots__ = ("committed", "conn", "size")

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.size = 0
        # Resolved when the transaction is committed; its exception when it is not.
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.committed.add_done_callback(_retrieved)


def _retrieved(future: asyncio.Future[None]) -> None:
    # A batch's failure is raised by its writes; marked seen for a batch that had none left.
    if not future.cancelled():
        future.exception()


class CommitGroup:
    """Turns on SQLite's writer connection; a turn continues the open transaction if any."""

    def __init__(self, engine: AsyncEngine, *, wait_s: float, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._wait_s = wait_s
        self._max_batch = max_batch
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._open: _Batch | None = None
        self._finishing: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """The writer connection in a transaction (or savepoint) of this write's own."""
        await self._take_turn()
        try:
            batch, savepoint = await self._join()
            try:
                yield batch.conn
            except BaseException:
                await self._undo(batch, savepoint)
                raise
            if savepoint is not None:
                await self._release(batch, savepoint)
        finally:
            await self._pass_turn()
        # Answered only once the transaction holding the write is committed (or has failed).
        await asyncio.shield(batch.committed)

    async def _take_turn(self) -> None:
        self._waiting += 1
        try:
            async with asyncio.timeout(self._wait_s):
                await self._turn.acquire()
        except TimeoutError:
            raise DatabaseBusy("The database writer was busy for too long.") from None
        finally:
            self._waiting -= 1
            if not self._turn.locked():
                # This waiter gave up (timed out, cancelled) after the holder left the
                # transaction open for it: someone must still commit what is in it.
                self._finish_abandoned()

    async def _join(self) -> tuple[_Batch, Any]:
        """The open batch and a savepoint in it, or a new batch (no savepoint needed)."""
        batch = self._open
        if batch is None:
            conn = await self._engine.connect()
            try:
                await conn.begin()
            except BaseException:
                await conn.close()
                raise
            batch = self._open = _Batch(conn)
            batch.size = 1
            return batch, None
        batch.size += 1
        try:
            return batch, await batch.conn.begin_nested()
        except BaseException as error:
            await self._abort(batch, error)
            raise

    async def _undo(self, batch: _Batch, savepoint: Any) -> None:
        """Roll back this write alone; the whole batch when this was its first or the
        transaction is gone."""
        if self._open is not batch:
            return
        if savepoint is None:
            self._open = None
            try:
                await batch.conn.rollback()
            finally:
                await batch.conn.close()
                batch.committed.set_result(None)  # nothing else was in it
            return
        try:
            await savepoint.rollback()
        except BaseException as error:
            await self._abort(batch, error)
            return
        if not _in_transaction(batch.conn):
            # SQLite ended the transaction itself (an interrupt, a full disk): the batch's
            # earlier writes went with it.
            await self._abort(batch, DatabaseBusy(_LOST))

    async def _release(self, batch: _Batch, savepoint: Any) -> None:
        try:
            await savepoint.commit()
        except BaseException as error:
            await self._abort(batch, error)
            raise

    async def _pass_turn(self) -> None:
        """Leave the transaction open for the next write, or commit it."""
        try:
            batch = self._open
            if batch is not None and not (self._waiting and batch.size < self._max_batch):
                await self._commit(batch)
        finally:
            self._turn.release()

    async def _commit(self, batch: _Batch) -> None:
        self._open = None
        # Shielded: a cancelled writer must not leave the others' commit half-awaited.
        await asyncio.shield(self._commit_now(batch))

    async def _commit_now(self, batch: _Batch) -> None:
        try:
            await batch.conn.commit()
        except BaseException as error:
            await _discard(batch.conn)
            if not batch.committed.done():
                batch.committed.set_exception(_told(error))
            return
        await batch.conn.close()
        if not batch.committed.done():
            batch.committed.set_result(None)

    async def _abort(self, batch: _Batch, error: BaseException) -> None:
        """The whole batch failed: nothing of it is written; each of its writes is told."""
        if self._open is batch:
            self._open = None
        await _discard(batch.conn)
        if not batch.committed.done():
            batch.committed.set_exception(_told(error))

    def _finish_abandoned(self) -> None:
        if self._open is None or self._waiting:
            return

        async def finish() -> None:
            async with self._turn:
                batch = self._open
                if batch is not None and not self._waiting:
                    await self._commit(batch)

        task = asyncio.get_running_loop().create_task(finish())
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)


def _told(error: BaseException) -> Unavailable:
    """What the writes of a failed batch are told: a fault to retry, never the raw error
    (a savepoint gone with its transaction means nothing to the others)."""
    fault = classify(error) or DatabaseBusy(_LOST)
    if fault is not error:
        fault.__cause__ = error
    return fault


def _in_transaction(conn: AsyncConnection) -> bool:
    # The driver's own flag (app.db.sqlite_driver); any other driver is taken to have one open.
    raw = conn.sync_connection.connection.dbapi_connection if conn.sync_connection else None
    return bool(getattr(raw, "in_transaction", True))


async def _discard(conn: AsyncConnection) -> None:
    """Roll back and return the connection, whatever state the failure left it in."""
    try:
        await conn.rollback()
    except Exception:  # noqa: S110 - the connection is being given up; close reports the rest
        pass
    finally:
        await conn.close()
