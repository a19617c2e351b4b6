"""The SQL a request runs, and the plan of each statement, on a seeded database.

The request is run once in-process (`create_app` under httpx's ASGI transport) with a
`before_cursor_execute` listener on the app's engines; each distinct statement is then explained
with its own parameters: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from scripts.benchlib.scale_measure import headers
from scripts.benchlib.scale_requests import Request

# Statements worth a plan; the rest (BEGIN, PRAGMA, SAVEPOINT, SET) have none.
PLANNED = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")


@dataclass
class Statement:
    """One statement the request ran: its text, first parameters, time and plan."""

    sql: str
    parameters: Any
    ms: float
    executions: int = 1
    plan: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For the results file (parameters as text: they may hold UUIDs and dates)."""
        return {
            "sql": self.sql,
            "parameters": repr(self.parameters),
            "ms": round(self.ms, 2),
            "executions": self.executions,
            "plan": self.plan,
        }


async def capture(url: str, request: Request, key: str, timeout_s: float) -> list[Statement]:
    """Run `request` once in-process on the database at `url`; its statements, explained."""
    settings = Settings(
        database_url=url,
        migrate_on_start=False,
        request_timeout_s=timeout_s,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    db = app.state.db
    found: dict[str, Statement] = {}
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        ms = (time.perf_counter() - started.pop(id(cursor))) * 1000
        if sql in found:
            found[sql].executions += 1
            found[sql].ms += ms
        else:
            found[sql] = Statement(sql, parameters, ms)

    listeners = (("before_cursor_execute", before), ("after_cursor_execute", after))
    try:
        for engine in db.engines:
            for name, listener in listeners:
                event.listen(engine.sync_engine, name, listener)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.request(
                request.method,
                request.path,
                headers=headers(key),
                timeout=timeout_s * 2,
                **request.send_args(10_000),  # a create draws a deal the timed run did not
            )
        for engine in db.engines:
            for name, listener in listeners:
                event.remove(engine.sync_engine, name, listener)
        statements = [s for s in found.values() if s.sql.lstrip().upper().startswith(PLANNED)]
        # On the app's own connections: the plans are made with the service's settings
        # (PostgreSQL's jit=off among them).
        await explain(db, statements)
    finally:
        await db.dispose()
    return statements


def _first_row(parameters: Any) -> tuple[Any, ...]:
    """The parameters of a statement, or of its first row when it was an executemany."""
    if not parameters:
        return ()
    if isinstance(parameters, list) and isinstance(parameters[0], (list, tuple)):
        return tuple(parameters[0])
    return tuple(parameters)


def _sqlite_tree(rows: list[Any]) -> str:
    """EXPLAIN QUERY PLAN rows drawn as the sqlite3 shell draws them, indented by depth."""
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + str(detail))
    return "\n".join(lines)


async def explain(db: Database, statements: list[Statement]) -> None:
    """Fill in each statement's plan: EXPLAIN QUERY PLAN (SQLite), EXPLAIN (PostgreSQL)."""
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.read() as conn:
        for statement in statements:
            try:
                result = await conn.exec_driver_sql(
                    prefix + statement.sql, _first_row(statement.parameters)
                )
                rows = list(result.all())
            except DBAPIError as error:
                statement.plan = f"(no plan: {error.orig})"
                await conn.rollback()
                continue
            if db.is_sqlite:
                statement.plan = _sqlite_tree(rows)
            else:
                statement.plan = "\n".join(str(row[0]) for row in rows)
            if conn.in_transaction():
                await conn.rollback()


def plans(url: str, request: Request, key: str, timeout_s: float) -> list[Statement]:
    """The statements `request` runs on the database at `url`, each with its plan."""
    return asyncio.run(capture(url, request, key, timeout_s))
