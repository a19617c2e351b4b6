"""scripts/bench's anchors measure the same work: the floor answers the bench's three documents
with the service's bytes, and PostGraphile (when node is there) shows the same deals under the
same privacy rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from scripts.benchlib import documents, floor, postgraphile
from scripts.benchlib.documents import CREATE, LIST, READ_ONE
from tests.bench_world import bench_world
from tests.conftest import GraphQL
from tests.factories import Person
from tests.ids import database_id, field_of_value

CREATE_ID = """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id: databaseId } }
}
"""


@asynccontextmanager
async def service_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        yield client
    await app.state.db.dispose()


@asynccontextmanager
async def floor_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = floor.create_app(settings.database_url, settings.public_url)
    await app.start()  # httpx's transport sends no lifespan messages
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            yield client
    finally:
        await app.stop()


async def both(
    service: httpx.AsyncClient,
    other: httpx.AsyncClient,
    path: str,
    as_: Person,
    query: str,
    **variables: Any,
) -> tuple[bytes, bytes]:
    """The raw bodies of the service's and the floor's answers to the same request."""
    body = {"query": query, "variables": variables}
    headers = {"Authorization": as_.key}
    ours = await service.post("/graphql", json=body, headers=headers)
    theirs = await other.post(path, json=body, headers=headers)
    assert ours.status_code == theirs.status_code == 200, (ours.text, theirs.text)
    return ours.content, theirs.content


def without_id(raw: bytes) -> bytes:
    """A create's answer with the new id blanked, in its field values' ids too (key order kept)."""
    answer = orjson.loads(raw)
    created = answer["data"]["createOpportunity"]["opportunity"]
    for value in created["customFields"]:
        value["id"] = field_of_value(value["id"], created["id"])
    created["id"] = 0
    return orjson.dumps(answer)


async def test_floor_answers_the_services_bytes(
    settings: Settings, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: readable, hidden and private contacts, two fields and a heading, private deals
    world = await bench_world(gql, admin=admin, user=user, other=other)
    create_input, mine = world.create_input, world.private_contact

    async with service_client(settings) as service, floor_client(settings) as fast:
        # when: the same create through each
        ours, theirs = await both(service, fast, "/create", user, CREATE, input=create_input)
        # then
        assert orjson.loads(ours)["data"]["createOpportunity"]["errors"] == []
        assert without_id(theirs) == without_id(ours)
        # (the bench reads deals by their legacy ids, as the baseline and the floor take them)
        created = [
            database_id(orjson.loads(answer)["data"]["createOpportunity"]["opportunity"]["id"])
            for answer in (ours, theirs)
        ]

        # and: refused creates are refused alike (a missing stage, a hidden primary contact)
        for refused in (
            {**create_input, "stageId": 999},
            {**create_input, "contactId": world.hidden_contact},
        ):
            ours, theirs = await both(service, fast, "/create", user, CREATE, input=refused)
            assert theirs == ours
            assert orjson.loads(ours)["data"]["createOpportunity"]["opportunity"] is None

        # and: a private deal the user may see, one they may not, one with a primary contact
        private = {**create_input, "isPrivate": True, "accessList": [str(user.id)]}
        visible = (await gql(CREATE_ID, other, input=private))["createOpportunity"]["opportunity"][
            "id"
        ]
        invisible = (await gql(CREATE_ID, other, input={**private, "accessList": [str(admin.id)]}))[
            "createOpportunity"
        ]["opportunity"]["id"]
        primary = (await gql(CREATE_ID, user, input={**create_input, "contactId": mine}))[
            "createOpportunity"
        ]["opportunity"]["id"]

        # when: each deal is read, by each caller: the same bytes
        for opportunity_id in [*created, visible, invisible, primary, 9999]:
            for person in (user, admin, other):
                ours, theirs = await both(
                    service, fast, "/opportunity", person, READ_ONE, id=opportunity_id
                )
                assert theirs == ours, (opportunity_id, person.caller)
        ours, _ = await both(service, fast, "/opportunity", user, READ_ONE, id=created[1])
        assert orjson.loads(ours)["data"]["opportunity"]["customFields"]
        ours, _ = await both(service, fast, "/opportunity", user, READ_ONE, id=invisible)
        assert orjson.loads(ours) == {"data": {"opportunity": None}}

        # when: the first page, a short one and a long one: the same bytes
        for size in (2, 50):
            for person in (user, admin, other):
                ours, theirs = await both(service, fast, "/opportunities", person, LIST, first=size)
                assert theirs == ours, (size, person.caller)
        assert orjson.loads(ours)["data"]["opportunities"]["pageInfo"]["hasNextPage"] is False

        # and: an unknown key is refused alike
        ours_401 = await service.post(
            "/graphql", json={"query": LIST}, headers={"Authorization": "x"}
        )
        theirs_401 = await fast.post(
            "/opportunities", content=b"{}", headers={"Authorization": "x"}
        )
        assert theirs_401.status_code == ours_401.status_code == 401
        assert theirs_401.content == ours_401.content


async def test_postgraphile_shows_the_same_opportunities_under_the_privacy_rule(
    settings: Settings, gql: GraphQL, admin: Person, user: Person, other: Person, tmp_path: Path
) -> None:
    why = postgraphile.unavailable()
    if why is not None or settings.database_url.startswith("sqlite"):
        pytest.skip(why or "PostGraphile runs over PostgreSQL only")
    # given: a public deal, a private one shared with the user, one the user may not see
    base = {"responsibleId": str(user.id), "stageId": 2, "bidCurrencyAbbr": "eur"}
    public = await gql(CREATE_ID, user, input={**base, "title": "Open"})
    shared = await gql(
        CREATE_ID,
        other,
        input={**base, "title": "Shared", "isPrivate": True, "accessList": [str(user.id)]},
    )
    hidden = await gql(
        CREATE_ID,
        other,
        input={**base, "title": "Hidden", "isPrivate": True, "accessList": [str(admin.id)]},
    )
    ids = [d["createOpportunity"]["opportunity"]["id"] for d in (public, shared, hidden)]
    postgraphile.install()
    await postgraphile.secure(settings.database_url)
    server = postgraphile.server("postgraphile", settings.database_url, tmp_path)
    server.start()
    try:
        server.wait_ready()
        async with (
            service_client(settings) as service,
            httpx.AsyncClient(base_url=server.base_url) as node,
        ):

            async def opportunities(person: Person, ours: str, theirs: str) -> tuple[Any, Any]:
                headers = {"Authorization": person.key, "Content-Type": "application/json"}
                mine = await service.post("/graphql", content=ours, headers=headers)
                pg = await node.post("/graphql", content=theirs, headers=headers)
                assert mine.status_code == pg.status_code == 200, (mine.text, pg.text)
                assert "errors" not in pg.json(), pg.text
                return postgraphile.service_opportunities(
                    mine.json()
                ), postgraphile.answer_opportunities(pg.json())

            # when: each deal is read by each caller: the same deal, or nothing for both
            for opportunity_id in ids:
                for person in (user, admin, other):
                    ours, theirs = await opportunities(
                        person,
                        documents.read_body(opportunity_id),
                        orjson.dumps(
                            {"query": postgraphile.READ_ONE, "variables": {"id": opportunity_id}}
                        ).decode(),
                    )
                    assert theirs == ours, (opportunity_id, person.caller)
            # then: the outsider does not see the private deal; its access list and admins do
            hidden_read = orjson.dumps(
                {"query": postgraphile.READ_ONE, "variables": {"id": ids[2]}}
            ).decode()
            assert (await opportunities(user, documents.read_body(ids[2]), hidden_read))[1] is None
            assert (await opportunities(admin, documents.read_body(ids[2]), hidden_read))[1] == [
                ids[2]
            ]

            # when: the first page, by each caller: the same deals in the same order
            page = orjson.dumps(
                {"query": postgraphile.LIST, "variables": {"first": documents.LIST_PAGE}}
            ).decode()
            for person in (user, admin):
                ours, theirs = await opportunities(person, documents.list_body(), page)
                assert theirs == ours
                assert (ids[2] in theirs) is (person is admin)
    finally:
        server.stop()
