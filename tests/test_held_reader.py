"""A request holds its key's reader connection for its reads, and never while it writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQL, Person
from tests.factories import legacy_opportunity_body, opportunity, opportunity_input

READ_ONE = "query($id: ID!) { opportunity(id: $id) { title stage { title } members { id } } }"
CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { databaseId title } errors { code } }
}
"""


class PoolWatch:
    """Checkouts from a database's reader pool, and the most ever out at once."""

    def __init__(self, db: Database) -> None:
        self.pool = db.reader.sync_engine.pool
        self.checkouts = 0
        self.most_out = 0
        event.listen(self.pool, "checkout", self._out)

    def _out(self, *_: object) -> None:
        self.checkouts += 1
        self.most_out = max(self.most_out, self.out)

    @property
    def out(self) -> int:
        """Connections checked out now."""
        return int(self.pool.checkedout())  # type: ignore[attr-defined]


async def _scalar(conn: Any, n: int) -> int:
    return int((await conn.execute(text(f"SELECT {n}"))).scalar_one())


async def test_a_held_reader_serves_every_read_until_the_hold_ends(db: Database) -> None:
    watch = PoolWatch(db)
    reader = db.shared_reader()

    async with reader.hold():
        for n in range(3):
            async with reader.connect() as conn:
                assert await _scalar(conn, n) == n
            assert watch.out == 1  # kept between reads
    assert (watch.checkouts, watch.out) == (1, 0)

    # without a hold each read gives it back
    for n in range(2):
        async with reader.connect() as conn:
            await _scalar(conn, n)
        assert watch.out == 0
    assert watch.checkouts == 3


async def test_a_reader_in_use_when_the_hold_ends_goes_back_after_its_read(db: Database) -> None:
    watch = PoolWatch(db)
    reader = db.shared_reader()
    reading, finish = asyncio.Event(), asyncio.Event()

    async def slow_read() -> int:
        async with reader.connect() as conn:
            reading.set()
            await finish.wait()
            return await _scalar(conn, 7)

    async with reader.hold():
        task = asyncio.create_task(slow_read())
        await reading.wait()
    # let_go found it busy: still out, and still usable by its reader
    assert watch.out == 1
    finish.set()
    assert await task == 7
    assert watch.out == 0


async def test_a_write_gives_an_idle_held_reader_back_first(db: Database) -> None:
    watch = PoolWatch(db)
    view = db.for_request()
    writer_pool = db.writer.sync_engine.pool
    async with view.holding_reads():
        async with view.read() as conn:
            await _scalar(conn, 1)
        held = watch.out
        async with view.write() as conn:
            await _scalar(conn, 2)
            # on PostgreSQL readers and writers share one pool: only the writer is out
            out_while_writing = int(writer_pool.checkedout())  # type: ignore[attr-defined]
            readers_while_writing = watch.out
    assert watch.out == 0
    assert held == 1
    if db.is_sqlite:
        assert readers_while_writing == 0
    else:
        assert out_while_writing == 1


@pytest.fixture
async def small_pool_app(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    # Two pooled connections and one overflow: few enough that a request holding a reader
    # while it waits for a writer would leave the writes nothing to run on.
    app = create_app(settings.model_copy(update={"pool_size": 2, "write_timeout_s": 2.0}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, app.state.db
    await app.state.db.dispose()


async def test_a_read_checks_out_one_connection_for_the_key_and_the_deal(
    client: httpx.AsyncClient, gql: GraphQL, user: Person
) -> None:
    deal = await opportunity(gql, user, title="Held")
    app_db: Database = client._transport.app.state.db  # type: ignore[attr-defined]
    headers = {"Authorization": user.key}

    async def read_both() -> tuple[httpx.Response, httpx.Response]:
        answer = await client.post(
            "/graphql", json={"query": READ_ONE, "variables": {"id": deal}}, headers=headers
        )
        return answer, await client.get(f"/api/2.0/crm/opportunity/{deal}", headers=headers)

    await read_both()  # the worker's first requests fill its copies of stages and employees
    watch = PoolWatch(app_db)
    answer, legacy = await read_both()

    assert answer.json()["data"]["opportunity"]["title"] == "Held"
    assert legacy.status_code == 200 and legacy.json()["response"]["title"] == "Held"
    assert (watch.checkouts, watch.out) == (2, 0)  # one a request, none left out


async def test_concurrent_creates_on_a_small_pool_all_land(
    small_pool_app: tuple[httpx.AsyncClient, Database], user: Person
) -> None:
    http, app_db = small_pool_app
    watch = PoolWatch(app_db)
    headers = {"Authorization": user.key}

    async def graphql_create(n: int) -> httpx.Response:
        variables = {"input": opportunity_input(user, title=f"Deal {n}")}
        return await http.post(
            "/graphql", json={"query": CREATE, "variables": variables}, headers=headers
        )

    async def legacy_create(n: int) -> httpx.Response:
        body = legacy_opportunity_body(user, title=f"Legacy {n}")
        return await http.post("/api/2.0/crm/opportunity", json=body, headers=headers)

    answers = await asyncio.gather(
        *(graphql_create(n) for n in range(8)), *(legacy_create(n) for n in range(8))
    )

    assert [a.status_code for a in answers] == [200] * 16, [a.text for a in answers]
    assert all(a.json()["data"]["createOpportunity"]["errors"] == [] for a in answers[:8])
    assert watch.out == 0
    if not app_db.is_sqlite:
        assert watch.most_out <= 3  # the pool's two and its one overflow


async def test_a_request_keeps_its_reader_only_while_the_pool_has_another(
    settings: Settings,
) -> None:
    # Kept regardless, every connection could be held by requests waiting for a read that
    # takes one of its own (the worker's shared copy of the stages or currencies, filled by the
    # first request that needs it): all of them waited out the pool's timeout and answered 503
    # (the small-pool test below, on PostgreSQL, before this rule).
    db = Database(settings.database_url, read_pool_size=2, pool_size=2)
    try:
        watch = PoolWatch(db)
        first, second = db.for_request(), db.for_request()
        async with first.holding_reads(), second.holding_reads():
            async with first.read() as conn:
                await _scalar(conn, 1)
            assert watch.out == 1  # kept: one more is idle
            async with second.read() as conn:
                await _scalar(conn, 2)
            assert watch.out == 1  # the last one went back: a newcomer finds it
            async with first.read() as conn:
                await _scalar(conn, 3)
            assert watch.checkouts == 2  # the first request's reads took one checkout
    finally:
        await db.dispose()


async def test_on_a_small_reader_pool_concurrent_pages_all_answer(
    settings: Settings, gql: GraphQL, user: Person
) -> None:
    for n in range(3):
        await opportunity(gql, user, title=f"Deal {n}")
    app = create_app(settings.model_copy(update={"read_pool_size": 2, "pool_size": 2}))
    transport = httpx.ASGITransport(app=app)
    page = (
        "{ opportunities(first: 10) { edges { node { title stage { title } members { id } } } } }"
    )
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            watch = PoolWatch(app.state.db)
            answers = await asyncio.gather(
                *(
                    http.post("/graphql", json={"query": page}, headers={"Authorization": user.key})
                    for _ in range(24)
                )
            )
    finally:
        await app.state.db.dispose()
    assert [a.status_code for a in answers] == [200] * 24
    assert all(len(a.json()["data"]["opportunities"]["edges"]) == 3 for a in answers)
    assert watch.out == 0
