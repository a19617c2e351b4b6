"""The SQLite driver: one call on aiosqlite's thread per statement, with the DB-API's answers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db import sqlite_driver
from app.db.engine import Database


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("SQLite's driver")
    return db


class HopCounter:
    """Counts the functions an aiosqlite connection runs on its thread."""

    def __init__(self, driver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hops = 0
        run_on_thread = driver._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.hops += 1
            return await run_on_thread(fn, *args, **kwargs)

        monkeypatch.setattr(driver, "_execute", counted)


async def test_the_engines_use_the_one_hop_dialect(sqlite_db: Database) -> None:
    for engine in sqlite_db.engines:
        assert engine.dialect.driver == sqlite_driver.DRIVER
        assert engine.dialect.supports_statement_cache


async def test_a_select_takes_one_hop_and_reads_every_row(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the writer: readers run short statements on the loop (tests/test_inline_reads.py).
    async with sqlite_db.write() as conn:
        raw = await conn.get_raw_connection()
        counter = HopCounter(raw.driver_connection, monkeypatch)
        result = await conn.execute(text("SELECT abbreviation FROM currency ORDER BY 1 LIMIT 3"))
        rows = result.all()
        assert counter.hops == 1
        assert list(result.keys()) == ["abbreviation"]
    assert len(rows) == 3
    assert rows == sorted(rows)


async def test_writes_report_rowcount_and_lastrowid(sqlite_db: Database) -> None:
    async with sqlite_db.write() as conn:
        await conn.execute(text("CREATE TEMP TABLE hop (id INTEGER PRIMARY KEY, v TEXT)"))
        for value in ("a", "b"):
            inserted = await conn.execute(text("INSERT INTO hop (v) VALUES (:v)"), {"v": value})
        assert inserted.lastrowid == 2
        changed = await conn.execute(text("UPDATE hop SET v = 'c' WHERE id <= 2"))
        assert changed.rowcount == 2
        none = await conn.execute(text("UPDATE hop SET v = 'c' WHERE id = -1"))
        assert none.rowcount == 0
        many = await conn.execute(text("INSERT INTO hop (v) VALUES (:v)"), [{"v": "d"}, {"v": "e"}])
        assert many.rowcount == 2
        assert (await conn.execute(text("SELECT count(*) FROM hop"))).scalar_one() == 4


async def test_a_constraint_failure_is_sqlalchemys_error_and_the_connection_goes_on(
    sqlite_db: Database,
) -> None:
    with pytest.raises(IntegrityError):
        async with sqlite_db.write() as conn:
            await conn.execute(text("INSERT INTO currency (abbreviation) VALUES (NULL)"))
    async with sqlite_db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM currency"))).scalar_one() > 0


async def test_a_reader_gives_its_connection_back_without_a_rollback_hop(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.read() as conn:
        raw = await conn.get_raw_connection()
        counter = HopCounter(raw.driver_connection, monkeypatch)
        await conn.execute(text("SELECT 1"))
    # The statement ran on the loop; the close and the pool's reset found nothing to undo.
    assert counter.hops == 0


async def test_an_open_transaction_is_still_rolled_back(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    async def abandoned_write() -> None:
        async with sqlite_db.write() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            await conn.execute(text("CREATE TEMP TABLE undone (id INTEGER PRIMARY KEY)"))
            assert driver._connection.in_transaction
            seen.update(driver=driver, counter=HopCounter(driver, monkeypatch))
            raise RuntimeError("abandon the write")

    with pytest.raises(RuntimeError):
        await abandoned_write()
    assert seen["counter"].hops >= 1  # the rollback ran on the thread
    assert not seen["driver"]._connection.in_transaction
    async with sqlite_db.write() as conn:  # the one writer connection: the table is gone
        left = await conn.execute(text("SELECT count(*) FROM sqlite_temp_master"))
        assert left.scalar_one() == 0
