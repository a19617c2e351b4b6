"""scripts/bench compares like with like: its baseline and naive apps answer what the service
answers for the same request, and the baseline runs as many SQL statements as the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from scripts.benchlib import baseline, naive
from scripts.benchlib.documents import CREATE, LIST, READ_ONE
from tests.bench_world import bench_world
from tests.conftest import GraphQL, Person
from tests.ids import database_id, field_of_value
from tests.statements import counting

CREATE_ID = """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id: databaseId } }
}
"""


@asynccontextmanager
async def http(app: Starlette) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        yield client, app
    await app.state.db.dispose()


class Pair:
    """The service and one other app, asked the same thing."""

    def __init__(
        self,
        service: tuple[httpx.AsyncClient, Starlette],
        other: tuple[httpx.AsyncClient, Starlette],
    ) -> None:
        self.service = service
        self.other = other

    async def ask(
        self, other_path: str, as_: Person, query: str, **variables: Any
    ) -> tuple[Any, Any, int, int]:
        """Both answers (JSON with key order kept) and how many statements each ran."""
        body = {"query": query, "variables": variables}
        headers = {"Authorization": as_.key}
        answers, counts = [], []
        for (client, app), path in ((self.service, "/graphql"), (self.other, other_path)):
            with counting(app.state.db) as statements:
                response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 200, response.text
            answers.append(orjson.loads(response.content))
            counts.append(len(statements))
        return answers[0], answers[1], counts[0], counts[1]


def without_id(answer: dict[str, Any]) -> bytes:
    """A create's answer with the new id blanked (its field values' ids name it too), serialized
    with its key order."""
    deal = answer["data"]["createOpportunity"]["opportunity"]
    fields = [{**f, "id": field_of_value(f["id"], deal["id"])} for f in deal["customFields"]]
    return orjson.dumps(
        {
            **answer,
            "data": {
                "createOpportunity": {
                    **answer["data"]["createOpportunity"],
                    "opportunity": {**deal, "id": 0, "customFields": fields},
                }
            },
        }
    )


async def test_baseline_and_naive_answer_like_the_service(
    settings: Settings, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: readable, hidden and private contacts, two fields and a heading, a private deal
    world = await bench_world(gql, admin=admin, user=user, other=other)
    create_input, mine = world.create_input, world.private_contact

    async with (
        http(create_app(settings)) as service,
        http(baseline.create_app(settings.database_url, settings.public_url)) as hand,
        http(naive.create_app(settings.database_url)) as orm,
    ):
        versus_baseline = Pair(service, hand)
        # when: the same create through each
        ours, theirs, our_count, their_count = await versus_baseline.ask(
            "/create", user, CREATE, input=create_input
        )
        # then
        assert "errors" not in ours
        assert ours["data"]["createOpportunity"]["errors"] == []
        assert len(ours["data"]["createOpportunity"]["opportunity"]["members"]) == 2
        assert without_id(theirs) == without_id(ours)
        assert their_count == our_count > 0
        # (the bench reads deals by their legacy ids, as the baseline takes them)
        created = [
            database_id(ours["data"]["createOpportunity"]["opportunity"]["id"]),
            database_id(theirs["data"]["createOpportunity"]["opportunity"]["id"]),
        ]

        ours, naive_answer, _, _ = await Pair(service, orm).ask(
            "/graphql", user, CREATE, input=create_input
        )
        assert without_id(naive_answer) == without_id(ours)
        created.append(database_id(naive_answer["data"]["createOpportunity"]["opportunity"]["id"]))

        # and: a private deal the user may see, one they may not, and one with a primary contact
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

        # when: each deal is read, by each caller
        for deal in [*created, visible, invisible, primary, 9999]:
            for person in (user, admin):
                ours, theirs, our_count, their_count = await versus_baseline.ask(
                    "/opportunity", person, READ_ONE, id=deal
                )
                # then
                assert "errors" not in ours
                assert orjson.dumps(theirs) == orjson.dumps(ours), (deal, person.caller)
                assert their_count == our_count
        assert (await versus_baseline.ask("/opportunity", user, READ_ONE, id=invisible))[0] == {
            "data": {"opportunity": None}
        }

        # when: the first page, a short one and a long one
        for size in (2, 50):
            for person in (user, admin):
                ours, theirs, our_count, their_count = await versus_baseline.ask(
                    "/opportunities", person, LIST, first=size
                )
                # then: the same statements, but for the stage walk's later stages, read by one
                # more when a page spills past its first stage (as these few deals' pages do; a
                # page of the bench's 10,000 lies in the first)
                assert "errors" not in ours
                assert orjson.dumps(theirs) == orjson.dumps(ours)
                assert our_count - their_count in (0, 1)
        assert ours["data"]["opportunities"]["pageInfo"]["hasNextPage"] is False
        short = (await versus_baseline.ask("/opportunities", user, LIST, first=2))[0]
        assert short["data"]["opportunities"]["pageInfo"]["hasNextPage"] is True
