"""Faults and budgets in process: a runaway statement, no free connection, a full disk."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from app.domain import reads
from app.settings import Settings
from tests.conftest import Person, nothing_written
from tests.in_process import service

RUNAWAY = contextvars.ContextVar("runaway", default=False)
EMPLOYEES = {"query": "{ employees { id } }"}
ME = {"query": "{ me { id } }"}
CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code } opportunity { id } }
}
"""


def runaway(sqlite: bool) -> str:
    """A statement that would run for a very long time, on each back end."""
    if sqlite:
        return (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
        )
    return "SELECT pg_sleep(60)"


async def test_a_statement_over_the_time_budget_is_stopped_and_its_connection_freed(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: listing employees runs away; one reader connection, half a second per request
    async def forever(conn: Any) -> Any:
        await conn.execute(text(runaway(settings.is_sqlite)))
        raise AssertionError("the statement should have been stopped")

    monkeypatch.setattr(reads, "all_employees", forever)
    async with service(
        settings, request_timeout_s=0.5, read_pool_size=1, pool_size=1, write_timeout_s=2
    ) as http:
        # when
        stopped = await http.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})
        # then the next request gets the (only) connection back, with no statement running
        after = await http.post("/graphql", json=ME, headers={"Authorization": user.key})
        legacy = await http.get(
            "/api/2.0/crm/opportunity/filter", headers={"Authorization": user.key}
        )
        still_running = 0
        if not settings.is_sqlite:
            db = http._transport.app.state.db  # type: ignore[attr-defined]
            async with db.read() as conn:
                found = await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"
                    )
                )
                still_running = found.scalar_one()

    assert stopped.status_code == 503
    assert stopped.headers["retry-after"] == "1"
    assert stopped.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert after.status_code == 200, after.text
    assert legacy.status_code == 200
    assert still_running == 0


async def test_no_free_connection_for_the_key_lookup_is_503(
    settings: Settings, user: Person
) -> None:
    # given: the only connection is held elsewhere
    async with service(
        settings, request_timeout_s=0.5, read_pool_size=1, pool_size=1, write_timeout_s=0.5
    ) as http:
        db = http._transport.app.state.db  # type: ignore[attr-defined]
        async with db.read():  # checked out, no transaction open on the server
            # when
            graphql = await http.post("/graphql", json=ME, headers={"Authorization": user.key})
            legacy = await http.get(
                "/api/2.0/crm/opportunity/1", headers={"Authorization": user.key}
            )
        # then, once it is free again
        after = await http.post("/graphql", json=ME, headers={"Authorization": user.key})

    assert (graphql.status_code, graphql.headers["retry-after"]) == (503, "1")
    assert graphql.json()["errors"][0]["extensions"]["code"] in ("UNAVAILABLE", "TIMEOUT")
    assert (legacy.status_code, legacy.json()["statusCode"]) == (503, 503)
    assert after.status_code == 200


async def test_a_full_sqlite_disk_is_a_clear_503_and_nothing_is_written(
    settings: Settings, user: Person
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's page cap stands in for a full disk; PostgreSQL's is its own")
    # given: the writer's database may not grow by more than a few pages
    async with service(settings) as http:
        db = http._transport.app.state.db  # type: ignore[attr-defined]

        def cap_pages(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
            cursor.close()

        event.listen(db.writer.sync_engine, "connect", cap_pages)
        await db.writer.dispose()
        deal = {
            "title": "Too big to store",
            "description": "x" * 200_000,
            "responsibleId": str(user.id),
            "stageId": 1,
            "bidCurrencyAbbr": "EUR",
        }

        # when
        full = await http.post(
            "/graphql",
            json={"query": CREATE, "variables": {"input": deal}},
            headers={"Authorization": user.key},
        )
        legacy = await http.post(
            "/api/2.0/crm/opportunity",
            json={**deal, "responsibleid": str(user.id), "stageid": 1},
            headers={"Authorization": user.key},
        )
        reading = await http.post("/graphql", json=ME, headers={"Authorization": user.key})

        # then
        assert full.status_code == 503, full.text
        assert "no room" in full.json()["errors"][0]["message"]
        assert (legacy.status_code, legacy.json()["statusCode"]) == (503, 503)
        assert reading.status_code == 200
        assert await nothing_written(db)


async def test_time_budget_interrupts_only_the_request_that_is_over_it(
    settings: Settings, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: one request runs away while others are quick
    original = reads.all_employees

    async def sometimes_forever(conn: Any) -> Any:
        if RUNAWAY.get():
            await conn.execute(text(runaway(settings.is_sqlite)))
        return await original(conn)

    monkeypatch.setattr(reads, "all_employees", sometimes_forever)
    async with service(settings, request_timeout_s=1.0) as http:

        async def slow() -> httpx.Response:
            RUNAWAY.set(True)  # in this task's context only
            return await http.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})

        # when
        runaway_task = asyncio.create_task(slow())
        quick = [
            await http.post("/graphql", json=EMPLOYEES, headers={"Authorization": user.key})
            for _ in range(5)
        ]
        stopped = await runaway_task

    # then
    assert [r.status_code for r in quick] == [200] * 5
    assert stopped.status_code == 503
