"""A reader with nothing to undo returns to the pool in place; any other, by SQLAlchemy's close."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from app.db import reader_checkout
from app.db.engine import Database
from app.db.reader_checkout import reader_connection


def _checked_out(db: Database) -> int:
    return int(db.reader.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


class Closes:
    """Which way each close went."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.quick: list[bool] = []
        decide = reader_checkout._nothing_to_undo

        def recorded(conn: Any) -> bool:
            quick = decide(conn)
            self.quick.append(quick)
            return quick

        monkeypatch.setattr(reader_checkout, "_nothing_to_undo", recorded)


async def test_a_plain_read_is_returned_in_place(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    closes = Closes(monkeypatch)
    tasks_before = len(asyncio.all_tasks())
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert _checked_out(db) == 1
    assert closes.quick == [True]
    assert _checked_out(db) == 0
    assert len(asyncio.all_tasks()) == tasks_before  # no close left running in a task


async def test_a_driver_transaction_is_rolled_back_by_sqlalchemys_close(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader never opens one (SQLite: no BEGIN is sent; PostgreSQL: autocommit); the writer's
    # engine, which does, shows the other path.
    closes = Closes(monkeypatch)
    engine = db.reader if db.is_sqlite else db.writer
    async with reader_connection(engine) as conn:
        if db.is_sqlite:
            await conn.exec_driver_sql("BEGIN")
        else:
            await conn.begin()
        await conn.execute(text("SELECT 1"))
    assert closes.quick == [False]
    async with reader_connection(engine) as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        if db.is_sqlite:
            assert not raw._connection.in_transaction
        else:
            assert not raw.is_in_transaction()


async def test_a_failing_read_still_returns_its_connection(db: Database) -> None:
    with pytest.raises(Exception, match="no_such_table"):
        async with db.read() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    assert _checked_out(db) == 0


async def test_a_cancelled_reader_is_returned(db: Database) -> None:
    entered = asyncio.Event()

    async def hold() -> None:
        async with db.read() as conn:
            await conn.execute(text("SELECT 1"))
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(hold())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _checked_out(db) == 0
