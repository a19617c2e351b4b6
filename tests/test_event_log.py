"""The event log: cursors in commit order, a bounded window, key-range reads on both back ends."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from app.db import event_log
from app.db.engine import Database
from app.domain.events import EventKind, OpportunityEvent, note

SIZE = 5


async def _log(db: Database, count: int) -> None:
    for n in range(count):
        async with db.write() as conn:
            note(conn, EventKind.UPDATED, {"id": n + 1, "version": 2}, ["title"])


async def _refused_write(db: Database) -> None:
    async with db.write() as conn:
        note(conn, EventKind.CREATED, {"id": 1, "version": 1})
        raise RuntimeError("refused")


async def test_the_log_keeps_the_newest_window_of_events(database_url: str) -> None:
    db = Database(database_url, event_log_size=SIZE)
    try:
        await _log(db, SIZE + 7)
        async with db.read() as conn:
            oldest, newest = await event_log.window(conn) or (0, 0)
            kept = (
                await conn.execute(select(func.count()).select_from(event_log.event_log_t))
            ).scalar()
            missed = await event_log.since(conn, newest - 2, ["opportunity"], 100)
        assert (kept, newest - oldest + 1) == (SIZE, SIZE)
        assert [(e.cursor, e.opportunity_id, e.changed) for e in missed] == [
            (newest - 1, SIZE + 6, ("title",)),
            (newest, SIZE + 7, ("title",)),
        ]
    finally:
        await db.dispose()


async def test_a_rolled_back_write_logs_nothing(database_url: str) -> None:
    db = Database(database_url)
    try:
        with pytest.raises(RuntimeError):
            await _refused_write(db)
        async with db.read() as conn:
            assert await event_log.window(conn) is None
    finally:
        await db.dispose()


async def test_a_replay_reads_a_key_range(database_url: str) -> None:
    db = Database(database_url, event_log_size=2000)
    try:
        await _log(db, 1)
        async with db.write() as conn:
            for _ in range(19):  # 1900 more rows, so that the planner has a table to weigh
                for _ in range(100):
                    note(conn, EventKind.UPDATED, {"id": 1, "version": 2}, ["title"])
        query = event_log.since_query(1800, ["opportunity"], 1000)
        sql = str(query.compile(db.writer, compile_kwargs={"literal_binds": True}))
        async with db.read() as conn:
            if db.is_sqlite:
                plan = " ".join(
                    str(row[-1]) for row in await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                )
                assert "USING INTEGER PRIMARY KEY (rowid>?)" in plan, plan
            else:
                await conn.execute(text("ANALYZE event_log"))
                plan = " ".join(str(row[0]) for row in await conn.execute(text(f"EXPLAIN {sql}")))
                assert "Index Scan using event_log_pkey" in plan, plan
    finally:
        await db.dispose()


async def test_a_logging_transaction_holds_later_ones_until_it_commits(database_url: str) -> None:
    db = Database(database_url)
    if db.is_sqlite:
        await db.dispose()
        pytest.skip("SQLite has one writer: its commits are in order already")
    first = [
        OpportunityEvent(kind=EventKind.UPDATED, opportunity_id=n, version=2, changed=("title",))
        for n in (7, 3, 5)
    ]
    try:
        async with db.writer.connect() as conn:
            await conn.begin()
            logged = await event_log.record_and_notify(conn, first, 1000)
            # The lock is held: a later write cannot log (and so cannot commit) before this one.
            later = asyncio.create_task(_log(db, 1))
            await asyncio.sleep(0.3)
            assert not later.done()
            await conn.commit()
        await later
        async with db.read() as conn:
            order = [
                (e.cursor, e.opportunity_id)
                for e in await event_log.since(conn, 0, ["opportunity"], 10)
            ]
    finally:
        await db.dispose()
    cursors = [event.cursor for event in logged]
    assert cursors == sorted(cursors) and len(set(cursors)) == 3  # numbered in the events' order
    assert order == [*zip(cursors, (7, 3, 5), strict=True), (order[-1][0], 1)]
    assert order[-1][0] > cursors[-1]  # the later write's cursor comes after every earlier one
