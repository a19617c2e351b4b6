"""The event log: cursors in commit order, a bounded window, key-range reads on both back ends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.db import event_log
from app.db.engine import Database
from app.domain.events import EventKind, note

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
