"""SQLite's queued writes share one commit; each write's failure stays its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import event, text

from app.db.engine import Database
from app.db.faults import DatabaseBusy, StorageFull

INSERT = text("INSERT INTO system_flag (name, value, created_at) VALUES (:n, '', '')")


class Refused(Exception):
    """A write's own failure, raised after its insert."""


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL runs transactions side by side: each commits on its own")
    return db


def commits_of(db: Database) -> list[int]:
    """A list growing by one at each COMMIT the writer sends."""
    seen: list[int] = []
    event.listen(db.writer.sync_engine, "commit", lambda _conn: seen.append(1))
    return seen


async def flags(db: Database) -> set[str]:
    async with db.read() as conn:
        found = await conn.execute(text("SELECT name FROM system_flag WHERE name LIKE 'g-%'"))
        return {row[0] for row in found}


def writing(db: Database, name: str, *, fail: bool = False) -> Callable[[], Awaitable[str]]:
    async def write() -> str:
        async with db.write() as conn:
            await conn.execute(INSERT, {"n": name})
            await asyncio.sleep(0)  # let the others queue behind this write
            if fail:
                raise Refused(name)
        # Answered only after its commit: a reader sees it already.
        assert name in await flags(db)
        return name

    return write


async def test_writes_queued_together_share_a_commit_and_are_each_answered_after_it(
    sqlite_db: Database,
) -> None:
    commits = commits_of(sqlite_db)
    names = [f"g-{i}" for i in range(8)]
    done = await asyncio.gather(*(writing(sqlite_db, name)() for name in names))
    assert done == names
    assert await flags(sqlite_db) == set(names)
    assert 1 <= len(commits) < len(names)


async def test_a_write_alone_commits_at_once(sqlite_db: Database) -> None:
    commits = commits_of(sqlite_db)
    for name in ("g-a", "g-b"):
        await writing(sqlite_db, name)()
    assert len(commits) == 2


@pytest.mark.parametrize("failing", [0, 3, 7])
async def test_a_failed_write_leaves_the_others_of_its_batch_written(
    sqlite_db: Database, failing: int
) -> None:
    names = [f"g-{i}" for i in range(8)]
    outcomes = await asyncio.gather(
        *(writing(sqlite_db, name, fail=i == failing)() for i, name in enumerate(names)),
        return_exceptions=True,
    )
    assert [type(o) for o in outcomes].count(Refused) == 1
    assert isinstance(outcomes[failing], Refused)
    assert await flags(sqlite_db) == set(names) - {names[failing]}


async def test_a_failed_commit_fails_every_write_of_the_batch_and_writes_nothing(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.ext.asyncio import AsyncConnection

    real_commit = AsyncConnection.commit

    async def full_disk(self: AsyncConnection) -> None:
        import sqlite3

        from sqlalchemy.exc import OperationalError

        await self.rollback()
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(AsyncConnection, "commit", full_disk)
    outcomes = await asyncio.gather(
        *(writing(sqlite_db, f"g-{i}")() for i in range(6)), return_exceptions=True
    )
    assert all(isinstance(o, StorageFull) for o in outcomes), outcomes
    monkeypatch.setattr(AsyncConnection, "commit", real_commit)
    assert await flags(sqlite_db) == set()
    # The writer is free again, and the next write commits.
    await writing(sqlite_db, "g-after")()
    assert await flags(sqlite_db) == {"g-after"}


async def test_a_write_that_ends_the_transaction_fails_the_writes_before_it_with_a_fault(
    sqlite_db: Database,
) -> None:
    names = [f"g-{i}" for i in range(8)]

    async def ends_it() -> str:
        async with sqlite_db.write() as conn:
            await conn.execute(INSERT, {"n": "g-3"})
            # As SQLite does to a write it interrupts: the whole transaction is rolled back.
            await conn.exec_driver_sql("ROLLBACK")
            raise Refused("g-3")

    writes = [ends_it() if i == 3 else writing(sqlite_db, name)() for i, name in enumerate(names)]
    outcomes = await asyncio.gather(*writes, return_exceptions=True)
    assert isinstance(outcomes[3], Refused)
    assert all(isinstance(o, DatabaseBusy) for o in outcomes[:3]), outcomes
    assert outcomes[4:] == names[4:]
    assert await flags(sqlite_db) == set(names[4:])


async def test_a_waiter_that_gives_up_does_not_strand_the_batch_it_was_left_open_for(
    sqlite_db: Database,
) -> None:
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(INSERT, {"n": "g-1"})
            holding.set()
            await release.wait()

    writer = asyncio.create_task(first())
    await holding.wait()
    # A second write queues; the first sees it waiting and leaves the transaction open.
    waiter = asyncio.create_task(writing(sqlite_db, "g-2")())
    await asyncio.sleep(0.01)
    release.set()
    turn = sqlite_db.commits._turn  # type: ignore[union-attr]
    for _ in range(100):  # the first passes its turn on...
        await asyncio.sleep(0)
        if not turn.locked():
            break
    assert not turn.locked()
    waiter.cancel()  # ...and the waiter gives up before it runs
    await asyncio.wait_for(writer, timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await flags(sqlite_db) == {"g-1"}


async def test_a_writer_held_too_long_turns_the_next_write_away_as_busy(
    sqlite_db: Database,
) -> None:
    quick = Database(sqlite_db.url, write_timeout_s=0.2)
    try:
        holding = asyncio.Event()
        release = asyncio.Event()

        async def hold() -> None:
            async with quick.write():
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        with pytest.raises(DatabaseBusy):
            await writing(quick, "g-late")()
        release.set()
        await holder
        await writing(quick, "g-next")()
        assert "g-next" in await flags(quick)
    finally:
        await quick.dispose()


async def test_a_batch_is_bounded(sqlite_db: Database) -> None:
    commits = commits_of(sqlite_db)
    await asyncio.gather(*(writing(sqlite_db, f"g-{i}")() for i in range(40)))
    # At most sixteen writes a commit.
    assert len(commits) >= 3
