"""Stages and employees kept per worker while the reference stamp holds (reference_cache)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.db.engine import Database
from app.db.models import employee_t, reference_stamp_t, stage_t
from app.graphql import reference_cache
from app.graphql.loaders import Loaders
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQL
from tests.factories import Person, opportunity
from tests.ids import global_id
from tests.statements import collapsed as statements

DEAL = """query($id: ID!) {
  opportunity(id: $id) {
    stage { title color } responsible { displayName } createBy { displayName }
  }
}"""
RECOLOR_STAGE = """mutation($input: SetStageColorInput!) {
  setStageColor(input: $input) { errors { code } }
}"""


@asynccontextmanager
async def worker(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """One worker of the service (its own process state), and its database."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http, app.state.db
    await app.state.db.dispose()


def reading(table: str, seen: list[str]) -> list[str]:
    """The statements that read `table` as their main table."""
    return [s for s in seen if s.startswith("SELECT") and f" FROM {table} " in f"{s} "]


async def read_deal(http: httpx.AsyncClient, who: Person, deal: int) -> dict[str, Any]:
    answer = await http.post(
        "/graphql",
        json={"query": DEAL, "variables": {"id": global_id("Opportunity", deal)}},
        headers={"Authorization": who.key},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]["opportunity"]


async def stamp(db: Database) -> int:
    async with db.read() as conn:
        found = await conn.execute(select(reference_stamp_t.c.value))
        return int(found.scalar_one())


@pytest.fixture
async def deal(gql: GraphQL, admin: Person, user: Person) -> int:
    # Created by the admin, in the user's charge: two employees, neither of them the reader.
    return await opportunity(gql, admin, responsibleId=str(user.id), stageId=2)


async def test_a_second_request_reads_no_stage_and_no_employee(
    settings: Settings, deal: int, other: Person, admin: Person, db: Database
) -> None:
    async with worker(settings) as (http, served):
        first = await read_deal(http, admin, deal)
        with statements(served) as seen:
            second = await read_deal(http, admin, deal)
    # then: the same answer, without the stage and employee reads the first one made
    assert second == first
    assert second["stage"]["title"] and second["responsible"]["displayName"] == "Uma User"
    assert reading("stage", seen) == [] and reading("employee", seen) == []
    assert any("reference_stamp" in s for s in seen)  # read with the key, in one statement


async def test_another_workers_stage_change_shows_on_the_next_request(
    settings: Settings, deal: int, admin: Person
) -> None:
    async with worker(settings) as (one, _), worker(settings) as (two, _):
        before = await read_deal(one, admin, deal)
        # when: the other worker recolours the deal's stage (one in use keeps its title)
        recolored = await two.post(
            "/graphql",
            json={
                "query": RECOLOR_STAGE,
                "variables": {"input": {"id": global_id("Stage", 2), "color": "#123456"}},
            },
            headers={"Authorization": admin.key},
        )
        assert recolored.json()["data"]["setStageColor"]["errors"] == []
        after = await read_deal(one, admin, deal)
    assert before["stage"]["color"] != "#123456"
    assert after["stage"] == {**before["stage"], "color": "#123456"}


async def test_a_change_by_any_writer_shows_on_the_next_request(
    settings: Settings, deal: int, admin: Person, user: Person, db: Database
) -> None:
    async with worker(settings) as (http, _):
        await read_deal(http, admin, deal)
        # when: a script outside the service renames an employee and a stage
        async with db.write() as conn:
            await conn.execute(
                update(employee_t).where(employee_t.c.id == user.id).values(display_name="Uma U.")
            )
            await conn.execute(update(stage_t).where(stage_t.c.id == 2).values(title="By script"))
        after = await read_deal(http, admin, deal)
    assert after["responsible"]["displayName"] == "Uma U."
    assert after["stage"]["title"] == "By script"


async def test_a_rolled_back_change_leaves_the_stamp(db: Database) -> None:
    before = await stamp(db)

    class Undo(Exception):
        pass

    async def change_then_fail() -> None:
        async with db.write() as conn:
            await conn.execute(update(stage_t).where(stage_t.c.id == 1).values(title="Gone"))
            raise Undo

    with pytest.raises(Undo):
        await change_then_fail()
    assert await stamp(db) == before
    async with db.write() as conn:
        await conn.execute(update(stage_t).values(sort_order=stage_t.c.sort_order))
    assert await stamp(db) > before  # a committed change to every stage bumps it


async def test_an_older_stamp_neither_uses_nor_replaces_the_generation(db: Database) -> None:
    kept = reference_cache.generation(db, 5)
    assert kept is not None and reference_cache.generation(db, 5) is kept
    assert reference_cache.generation(db, 4) is None  # read its key before a change: reads itself
    assert reference_cache.generation(db, None) is None
    newer = reference_cache.generation(db, 6)
    assert newer is not None and newer is not kept and reference_cache.generation(db, 5) is None


async def test_loaders_without_a_stamp_read_for_themselves(db: Database, admin: Person) -> None:
    # A subscription's caller was read when its socket opened: its stamp may be long stale.
    kept = reference_cache.generation(db, 1)
    assert kept is not None
    loaders = Loaders(db, admin.caller)
    assert await loaders.stages.all() and await loaders.employee_by_id.load(admin.id)
    assert kept.stages_if_read() is None and kept.employees == {}
    stamped = Loaders(db, admin.caller, stamp=1)
    assert await stamped.stages.all() and kept.stages_if_read() is not None


async def test_the_kept_employees_are_bounded(
    db: Database, admin: Person, user: Person, other: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reference_cache, "MAX_EMPLOYEES", 2)
    kept = reference_cache.generation(db, 1)
    assert kept is not None
    loaders = Loaders(db, admin.caller, stamp=1)
    ghost = uuid.uuid4()
    found = await loaders.employee_by_id.load_many([user.id, other.id, ghost])
    assert [row and row["display_name"] for row in found] == ["Uma User", "Otto Other", None]
    assert len(kept.employees) <= 2
    again = Loaders(db, admin.caller, stamp=1)
    assert (await again.employee_by_id.load(user.id))["display_name"] == "Uma User"
