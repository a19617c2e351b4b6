"""The floor's create: its checks and writes, and the group commit that makes them durable.

A create is written as a generator of `Query` steps (`create_steps`), so that the same checks
and statements run on sqlite3 in a writer thread and on asyncpg in a writer task. Each writer
takes every create waiting for it, runs each in its own savepoint (a failing one is rolled back
alone) inside one transaction, commits once, and only then answers them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import orjson

from app.settings import DEFAULT_SQLITE_CACHE_MIB
from scripts.benchlib.baseline import NewDeal, Values
from scripts.benchlib.floor_shape import Shapes, refused
from scripts.benchlib.floor_sql import Statement, Statements

# The service's page cache (app.db.connection_setup), for the floor's reader and writer alike.
CACHE_SIZE = f"PRAGMA cache_size=-{DEFAULT_SQLITE_CACHE_MIB * 1024}"


@dataclass(frozen=True)
class Query:
    """One statement of a create; `want` says what its caller needs back."""

    statement: Statement
    params: dict[str, Any]
    want: Literal["row", "value", "none"]


Steps = Generator[Query, Any, dict[str, Any]]


@dataclass(frozen=True)
class Create:
    """A create waiting for the writer: who asks, what, and where its answer goes."""

    caller_id: Any
    statements: Statements
    new: NewDeal
    answer: asyncio.Future[dict[str, Any]]


def create_steps(create: Create, values: Values, shapes: Shapes) -> Steps:
    """The create's statements in order; returns the createOpportunity payload."""
    new, sql, caller = create.new, create.statements, create.caller_id
    check = yield Query(
        sql.reference_check,
        {
            "stage": new.stage,
            "contact": new.contact,
            "caller": caller,
            "currency": new.currency,
            "responsible": values.uuid_param(new.responsible),
        },
        "row",
    )
    # The service's refusals, in its order (see baseline.NewDeal.check_references).
    if not check["stage"]:
        new.errors.append("NOT_FOUND")
    if new.contact and not check["contact"]:
        new.errors.append("NOT_FOUND")
    elif new.contact and not check["contact_readable"]:
        new.errors.append("FORBIDDEN")
    new.errors += ["NOT_FOUND" for found in (check["currency"], check["responsible"]) if not found]
    if new.errors:
        return refused(new.errors)
    opportunity = yield Query(
        sql.insert_opportunity,
        {
            "now": values.now_param(),
            "caller": caller,
            "title": new.title,
            "description": new.description,
            "responsible": values.uuid_param(new.responsible),
            "contact": new.contact or None,
            "stage": new.stage,
            "currency": new.currency,
            "bid_type": new.bid_type,
            "bid_value": values.money_param(new.bid_value),
            "per_period_value": new.per_period_value,
            "probability": new.probability,
        },
        "value",
    )
    if new.members:
        members: Any = new.members if not values.sqlite else orjson.dumps(new.members).decode()
        yield Query(
            sql.insert_members,
            {"opportunity": opportunity, "members": members, "caller": caller},
            "none",
        )
    if new.fields:
        params: dict[str, Any] = {"opportunity": opportunity}
        if not values.sqlite:
            params |= {"field_ids": list(new.fields), "field_values": list(new.fields.values())}
        else:
            params["field_pairs"] = orjson.dumps(list(new.fields.items())).decode()
        yield Query(sql.insert_field_values, params, "none")
    # The answer is read in the same transaction: nothing is read twice after the commit.
    row = yield Query(sql.created, {"id": opportunity, "caller": caller}, "row")
    return shapes.created(row)


def _settle(future: asyncio.Future[dict[str, Any]], outcome: dict[str, Any] | Exception) -> None:
    if future.done():  # the request went away
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class SqliteWriter:
    """One thread with the only writing connection; a commit for every batch of creates."""

    def __init__(self, path: str, values: Values, shapes: Shapes) -> None:
        self.path, self.values, self.shapes = path, values, shapes
        self.waiting: queue.SimpleQueue[Create | None] = queue.SimpleQueue()
        self.loop = asyncio.get_running_loop()
        self.thread = threading.Thread(target=self._run, name="floor-writer", daemon=True)
        self.thread.start()

    async def submit(self, create: Create) -> dict[str, Any]:
        """The create's payload, once its commit is durable."""
        self.waiting.put(create)
        return await create.answer

    def close(self) -> None:
        """Finish the batch under way and stop."""
        self.waiting.put(None)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        # The service's settings: WAL, and a commit is on disk before it returns (FULL).
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute(CACHE_SIZE)
        while (first := self.waiting.get()) is not None:
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while (more := self.waiting.get_nowait()) is not None:
                    batch.append(more)
                self.waiting.put(None)  # close() came while draining: stop after this batch
            outcomes = self._batch(conn, batch)
            for create, outcome in zip(batch, outcomes, strict=True):
                self.loop.call_soon_threadsafe(_settle, create.answer, outcome)
        conn.close()

    def _batch(self, conn: sqlite3.Connection, batch: list[Create]) -> list[Any]:
        outcomes: list[Any] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for create in batch:
                conn.execute("SAVEPOINT one")
                try:
                    outcomes.append(self._one(conn, create))
                    conn.execute("RELEASE one")
                except Exception as error:  # this create alone is undone
                    conn.execute("ROLLBACK TO one")
                    conn.execute("RELEASE one")
                    outcomes.append(error)
            conn.execute("COMMIT")
        except Exception as error:  # the commit failed: nobody's create is durable
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [error] * len(batch)
        return outcomes

    def _one(self, conn: sqlite3.Connection, create: Create) -> dict[str, Any]:
        steps = create_steps(create, self.values, self.shapes)
        result: Any = None
        try:
            while True:
                query = steps.send(result)
                cursor = conn.execute(query.statement.sql, query.params)
                row = cursor.fetchone() if query.want != "none" else None
                result = row[0] if query.want == "value" and row is not None else row
        except StopIteration as done:
            return dict(done.value)


class PostgresWriter:
    """One task with one connection; a commit for every batch of creates.

    One writer, as on SQLite: the triggers' per-stage counters are row locks held until a
    batch commits, so overlapping batches wait on each other and deadlock (measured: 4 writers
    over one queue, 10 creates/s with failures, against 240 for one).
    """

    def __init__(self, conn: asyncpg.Connection, values: Values, shapes: Shapes) -> None:
        self.conn, self.values, self.shapes = conn, values, shapes
        self.waiting: asyncio.Queue[Create] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def submit(self, create: Create) -> dict[str, Any]:
        """The create's payload, once its commit is durable."""
        self.waiting.put_nowait(create)
        return await create.answer

    async def close(self) -> None:
        """Stop taking creates."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def _run(self) -> None:
        while True:
            batch = [await self.waiting.get()]
            while not self.waiting.empty():
                batch.append(self.waiting.get_nowait())
            outcomes: list[Any] = []
            try:
                async with self.conn.transaction():
                    for create in batch:
                        try:
                            async with self.conn.transaction():  # a savepoint
                                outcomes.append(await self._one(create))
                        except Exception as error:  # this create alone is undone
                            outcomes.append(error)
            except Exception as error:  # the commit failed: nobody's create is durable
                outcomes = [error] * len(batch)
            for create, outcome in zip(batch, outcomes, strict=True):
                _settle(create.answer, outcome)

    async def _one(self, create: Create) -> dict[str, Any]:
        steps = create_steps(create, self.values, self.shapes)
        result: Any = None
        try:
            while True:
                query = steps.send(result)
                args = query.statement.args(query.params)
                if query.want == "row":
                    result = await self.conn.fetchrow(query.statement.sql, *args)
                elif query.want == "value":
                    result = await self.conn.fetchval(query.statement.sql, *args)
                else:
                    result = await self.conn.execute(query.statement.sql, *args)
        except StopIteration as done:
            return dict(done.value)
