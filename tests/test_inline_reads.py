"""SQLite readers run short statements on the loop's thread, long ones on aiosqlite's."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from app.db.budget import StatementClock, time_budget
from app.db.engine import Database
from app.db.faults import OutOfTime
from app.db.inline_reads import INLINE_BUDGET_S, PROBE_EVERY, WORTH_A_THREAD_S, InlineReads
from tests.test_sqlite_driver import HopCounter

# About a second of SQLite work, far over the inline budget; the text is fixed, the count bound.
COUNTING = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :upto) "
    "SELECT count(*) FROM n"
)
UPTO = 3_000_000


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("SQLite's readers")
    return db


async def test_a_short_read_runs_on_the_loop_with_its_rows(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.read() as conn:
        counter = HopCounter((await conn.get_raw_connection()).driver_connection, monkeypatch)
        result = await conn.execute(text("SELECT abbreviation FROM currency ORDER BY 1"))
        rows = result.scalars().all()
    assert counter.hops == 0
    assert len(rows) > 3
    assert rows == sorted(rows)


async def test_a_long_read_moves_to_the_thread_and_the_loop_goes_on(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.005)

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    try:
        async with sqlite_db.read() as conn:
            counter = HopCounter((await conn.get_raw_connection()).driver_connection, monkeypatch)
            started = time.monotonic()
            counted = (await conn.execute(text(COUNTING), {"upto": UPTO})).scalar_one()
            finished = time.monotonic()
            assert counted == UPTO  # interrupted on the loop, answered in full by the thread
            assert counter.hops == 1
            # The loop served others while the statement ran: it was not held throughout.
            assert finished - started > 20 * INLINE_BUDGET_S
            assert sum(started < tick < finished for tick in ticks) >= 3
            # Its text is now known to be slow: the next run goes to the thread directly.
            assert (await conn.execute(text(COUNTING), {"upto": 10})).scalar_one() == 10
            assert counter.hops == 2
    finally:
        running.cancel()


async def test_the_request_deadline_still_stops_a_long_read(sqlite_db: Database) -> None:
    with pytest.raises(OutOfTime):
        async with time_budget(0.2), sqlite_db.read() as conn:
            await conn.execute(text(COUNTING), {"upto": 10 * UPTO})


def test_a_text_goes_to_the_thread_when_its_runs_are_long_and_comes_back_when_short() -> None:
    costs: dict[str, float] = {}
    reads = InlineReads(StatementClock(), costs)
    text_ = "SELECT 1"

    def goes_to_thread() -> bool:
        return costs.get(text_, 0.0) > WORTH_A_THREAD_S

    reads.observe(text_, 0.0008)  # a cold first run, pages read from disk
    assert not goes_to_thread()
    for _ in range(30):
        reads.observe(text_, 0.0007)  # a page of 50 deals: cheaper on the loop than a hop
    assert not goes_to_thread()
    for _ in range(3):
        reads.observe(text_, 0.008)  # a statement that reads many rows
    assert goes_to_thread()
    for _ in range(30):
        reads.observe(text_, 0.00002)
    assert not goes_to_thread()


async def test_a_text_on_the_thread_probes_the_loop_and_comes_back_when_short(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement = "SELECT count(*) FROM currency"
    async with sqlite_db.read() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        inline: InlineReads = (await conn.get_raw_connection()).dbapi_connection.inline
        counter = HopCounter(driver, monkeypatch)
        # Taken for long once (as a run interrupted on the loop leaves it).
        inline.costs[statement] = 2 * WORTH_A_THREAD_S
        for _ in range(PROBE_EVERY):
            await conn.execute(text(statement))
        # All but one went to the thread, and the thread's runs did not count...
        assert counter.hops == PROBE_EVERY - 1
        # ...the one run on the loop did, and moved the average down.
        assert inline.costs[statement] < 2 * WORTH_A_THREAD_S
        # Probe after probe, it is back on the loop for good.
        for _ in range(PROBE_EVERY * 12):
            await conn.execute(text(statement))
        hops = counter.hops
        for _ in range(PROBE_EVERY):
            await conn.execute(text(statement))
        assert counter.hops == hops
        assert inline.costs[statement] <= WORTH_A_THREAD_S


def test_the_inline_budget_is_cpu_time_not_the_clock() -> None:
    clock = StatementClock()
    clock.inline_until = time.thread_time() + 0.02
    time.sleep(0.05)  # the thread set aside: the clock runs, its CPU time does not
    assert clock.expired() == 0 and not clock.moved
    spent = time.thread_time() + 0.03
    while time.thread_time() < spent:
        pass  # the statement's own work
    assert clock.expired() == 1 and clock.moved
