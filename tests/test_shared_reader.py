"""A request's reads share one connection, and never keep it between bursts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text

from app.db.engine import Database
from app.domain import listing
from tests.conftest import GraphQL, Person


def _count_checkouts(db: Database) -> list[int]:
    checkouts = [0]

    def checkout(*_: object) -> None:
        checkouts[0] += 1

    event.listen(db.reader.sync_engine.pool, "checkout", checkout)
    return checkouts


def _checked_out(db: Database) -> int:
    return int(db.reader.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_reads_that_queue_together_share_one_checkout(db: Database) -> None:
    checkouts = _count_checkouts(db)
    reader = db.shared_reader()

    async def one(n: int) -> int:
        async with reader.connect() as conn:
            return int((await conn.execute(text(f"SELECT {n}"))).scalar_one())

    assert await asyncio.gather(*(one(n) for n in range(8))) == list(range(8))
    assert checkouts[0] == 1
    assert _checked_out(db) == 0

    assert await one(9) == 9  # a later burst takes a connection again
    assert checkouts[0] == 2
    assert _checked_out(db) == 0


async def test_a_failed_read_gives_its_connection_back(db: Database) -> None:
    checkouts = _count_checkouts(db)
    reader = db.shared_reader()

    async def failing() -> None:
        async with reader.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))

    async def fine() -> int:
        async with reader.connect() as conn:
            return int((await conn.execute(text("SELECT 1"))).scalar_one())

    results = await asyncio.gather(failing(), fine(), return_exceptions=True)
    assert isinstance(results[0], Exception)
    # The one queued behind the failure did not inherit its connection (on PostgreSQL it
    # would hold an aborted transaction): it took a fresh one.
    assert results[1] == 1
    assert checkouts[0] == 2
    assert _checked_out(db) == 0


async def test_a_cancelled_wait_leaves_the_reader_usable(db: Database) -> None:
    reader = db.shared_reader()
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with reader.connect():
            entered.set()
            await release.wait()

    async def waiter() -> None:
        async with reader.connect():
            pytest.fail("a cancelled waiter never gets the connection")

    holding = asyncio.create_task(holder())
    await entered.wait()
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await holding
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert _checked_out(db) == 0
    async with reader.connect() as conn:
        assert (await conn.execute(text("SELECT 2"))).scalar_one() == 2


async def test_a_request_with_many_aliased_lists_holds_one_reader_at_a_time(
    db: Database, gql: GraphQL, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: every page read takes a while, and the pool is watched while it is held
    original = listing.fetch_page
    most = [0]

    async def slow_page(conn: Any, *args: Any, **kwargs: Any) -> Any:
        most[0] = max(most[0], _checked_out(db))
        await asyncio.sleep(0.05)
        return await original(conn, *args, **kwargs)

    monkeypatch.setattr(listing, "fetch_page", slow_page)
    document = "{ " + " ".join(f"a{i}: opportunities(first: 5) {{ totalCount }}" for i in range(10))

    # when: ten lists at once in one request
    data = await gql(document + " }", user)

    # then: they took turns on one connection
    assert len(data) == 10
    assert most[0] == 1


async def test_postgresql_reads_take_no_transaction_and_writes_do(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite's readers never send BEGIN (see app.db.engine)")
    async with db.read() as conn:
        await conn.execute(text("SELECT 1"))
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        # No BEGIN and ROLLBACK round trips around a request's reads.
        assert not driver.is_in_transaction()
    async with db.write() as conn:
        await conn.execute(text("SELECT 1"))
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        assert driver.is_in_transaction()
    # The reader's autocommit does not leak into the pool's connections for writers.
    async with db.write() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await conn.execute(text("SELECT 1"))
        assert driver.is_in_transaction()
