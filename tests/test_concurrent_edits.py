"""Two tabs editing one deal: expectedVersion turns a silent overwrite into a CONFLICT.

Both back ends: the PostgreSQL run (CRM_TEST_DATABASE_URL) checks the row lock between the
version check and the write with truly concurrent transactions.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, legacy_opportunity_body, opportunity, private_opportunity
from tests.ids import (
    contact_gid,
    opportunity_gid,
)

UPDATE = """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    errors { code field message currentVersion }
    opportunity { id title description version updatedAt members { id } }
  }
}
"""
READ = "query Read($id: ID!) { opportunity(id: $id) { id title description version updatedAt } }"
CONFLICT_MESSAGE = (
    "Changed since version {expected}: it is at version {current}. "
    "Read it again and apply your change to what is stored."
)


async def update(gql: GraphQL, as_: Person, deal_id: int, **input_: Any) -> dict[str, Any]:
    data = await gql(UPDATE, as_, input={"id": deal_id, **input_})
    payload: dict[str, Any] = data["updateOpportunity"]
    return payload


async def read(gql: GraphQL, as_: Person, deal_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = (await gql(READ, as_, id=deal_id))["opportunity"]
    return shown


async def stored(db: Database) -> list[dict[str, Any]]:
    """Every deal row and the rows of its parts, to compare before and after a refusal."""
    tables = (models.opportunity_t, models.member_t, models.access_t, models.field_value_t)
    async with db.read() as conn:
        return [dict(r) for t in tables for r in (await conn.execute(select(t))).mappings()]


async def test_a_new_deal_is_at_version_1_and_each_update_adds_one(
    gql: GraphQL, user: Person
) -> None:
    deal_id = await opportunity(gql, as_=user)
    created = await read(gql, user, deal_id)

    first = await update(gql, user, deal_id, title="Second", expectedVersion=1)
    second = await update(gql, user, deal_id, description="more", expectedVersion=2)

    assert created["version"] == 1
    assert (first["errors"], first["opportunity"]["version"]) == ([], 2)
    assert (second["errors"], second["opportunity"]["version"]) == ([], 3)
    assert created["updatedAt"] < first["opportunity"]["updatedAt"]
    assert first["opportunity"]["updatedAt"] < second["opportunity"]["updatedAt"]
    assert await read(gql, user, deal_id) == {
        "id": opportunity_gid(deal_id),
        "title": "Second",
        "description": "more",
        "version": 3,
        "updatedAt": second["opportunity"]["updatedAt"],
    }


async def test_a_stale_version_is_a_conflict_that_writes_nothing(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given: both tabs read version 1; the other one saved first
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(gql, as_=user, description="first", members=[acme])
    assert (await update(gql, other, deal_id, title="Theirs", expectedVersion=1))["errors"] == []
    before = await stored(db)

    # when: this tab saves on version 1
    payload = await update(
        gql, user, deal_id, title="Mine", description=None, members=[], expectedVersion=1
    )

    # then: CONFLICT with the current version and the deal as stored; nothing written
    assert payload["errors"] == [
        {
            "code": "CONFLICT",
            "field": "expectedVersion",
            "message": CONFLICT_MESSAGE.format(expected=1, current=2),
            "currentVersion": 2,
        }
    ]
    shown = payload["opportunity"]
    assert (shown["title"], shown["description"], shown["version"]) == ("Theirs", "first", 2)
    assert shown["members"] == [{"id": contact_gid(acme)}]
    assert await stored(db) == before


async def test_the_version_is_checked_before_the_input(gql: GraphQL, user: Person) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await update(gql, user, deal_id, title="", stageId=999, expectedVersion=7)

    assert [(e["code"], e["currentVersion"]) for e in payload["errors"]] == [("CONFLICT", 1)]


async def test_without_expected_version_the_last_write_wins(gql: GraphQL, user: Person) -> None:
    deal_id = await opportunity(gql, as_=user)
    await update(gql, user, deal_id, title="One")

    payload = await update(gql, user, deal_id, title="Two")

    assert (payload["errors"], payload["opportunity"]["version"]) == ([], 3)


async def test_two_tabs_saving_at_once_on_one_version_one_wins(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given
    deal_id = await opportunity(gql, as_=user)
    tabs = [(user, "From Uma"), (other, "From Otto"), (user, "Uma again"), (other, "Otto again")]

    # when: four saves on version 1 run concurrently (on PostgreSQL, four transactions)
    payloads = await asyncio.gather(
        *(update(gql, who, deal_id, title=title, expectedVersion=1) for who, title in tabs)
    )

    # then: exactly one was written; each other one is a CONFLICT showing it
    won = [title for (_, title), p in zip(tabs, payloads, strict=True) if p["errors"] == []]
    assert len(won) == 1
    for payload in payloads:
        if payload["errors"]:
            assert [(e["code"], e["currentVersion"]) for e in payload["errors"]] == [
                ("CONFLICT", 2)
            ]
            assert payload["opportunity"]["title"] == won[0]
    assert (await read(gql, user, deal_id))["title"] == won[0]
    assert (await read(gql, user, deal_id))["version"] == 2


async def test_a_hidden_deal_answers_as_a_missing_one_whatever_the_version(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    cast = await private_opportunity(gql, db, creator=user)
    before = await stored(db)

    # when: an outsider guesses versions of the hidden deal, and of a missing one
    hidden = [
        await update(gql, cast.outsider, cast.id, title="x", expectedVersion=v) for v in (1, 2)
    ]
    missing = await update(gql, cast.outsider, 4242, title="x", expectedVersion=1)

    # then: the same answer, with no version in it, and nothing written
    not_found = {
        "errors": [
            {
                "code": "NOT_FOUND",
                "field": "id",
                "message": "The opportunity is not found.",
                "currentVersion": None,
            }
        ],
        "opportunity": None,
    }
    assert hidden == [not_found, not_found]
    assert missing == not_found
    assert await stored(db) == before


async def test_the_legacy_put_still_replaces_every_value(
    gql: GraphQL, db: Database, client: httpx.AsyncClient, user: Person
) -> None:
    # given: a deal with optional values set
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(
        gql,
        as_=user,
        description="long",
        bidValue="1500",
        successProbability=40,
        contactId=acme,
        expectedCloseDate="2024-06-30T00:00:00Z",
    )

    # when: the legacy PUT sends the required values only
    response = await client.put(
        f"/api/2.0/crm/opportunity/{deal_id}",
        json=legacy_opportunity_body(user, title="Renamed"),
        headers={"Authorization": user.key},
    )

    # then: the omitted values are cleared (the members are not, as in the original)
    assert response.status_code == 200, response.text
    shown = await gql(
        "query($id: ID!) { opportunity(id: $id) { title description bidValue "
        "successProbability expectedCloseDate contact { id } members { id } version } }",
        user,
        id=deal_id,
    )
    assert Decimal(shown["opportunity"].pop("bidValue")) == 0
    assert shown["opportunity"] == {
        "title": "Renamed",
        "description": None,
        "successProbability": 0,
        "expectedCloseDate": None,
        "contact": None,
        "members": [{"id": contact_gid(acme)}],
        "version": 2,
    }
