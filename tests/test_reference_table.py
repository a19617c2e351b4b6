"""A small table read whole builds each row's object once per read: a page of deals at two
stages builds two stages, and every deal answers its own stage and currency."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.graphql.reference_table import ReferenceTable
from app.graphql.types import reference
from tests.conftest import GraphQL, Person
from tests.factories import opportunity

PAGE = """{ opportunities(first: 20) { edges { node {
  title stage { id title sortOrder color } bidCurrency { abbreviation symbol } } } } }"""
ROWS = [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]


async def test_a_page_builds_one_object_per_stage_and_each_deal_its_own(
    gql: GraphQL, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: six deals at two stages in three currencies
    stages = {f"Deal {n}": 1 + 3 * (n % 2) for n in range(6)}
    currencies = {f"Deal {n}": ["EUR", "USD", "GBP"][n % 3] for n in range(6)}
    for title, stage in stages.items():
        await opportunity(gql, user, title=title, stageId=stage, bidCurrencyAbbr=currencies[title])
    built: list[Any] = []
    build = reference._build_stage

    def counted(row: Any) -> Any:
        built.append(row["id"])
        return build(row)

    monkeypatch.setattr(reference, "_build_stage", counted)

    # when
    edges = (await gql(PAGE, user))["opportunities"]["edges"]

    # then: two stages built, each deal answering its own stage and currency
    assert sorted(built) == [1, 4]
    for node in (edge["node"] for edge in edges):
        assert node["stage"]["sortOrder"] == stages[node["title"]] - 1
        assert node["bidCurrency"]["abbreviation"] == currencies[node["title"]]
    symbols = {
        e["node"]["bidCurrency"]["abbreviation"]: e["node"]["bidCurrency"]["symbol"] for e in edges
    }
    assert symbols == {"EUR": "€", "USD": "$", "GBP": "£"}


async def test_objects_are_built_once_per_read_and_again_after_forget() -> None:
    # given
    reads: list[int] = []

    async def read() -> list[Any]:
        reads.append(1)
        return ROWS

    table: ReferenceTable[int] = ReferenceTable(read, "id")
    made: list[Any] = []

    def build(row: Any) -> dict[str, Any]:
        made.append(row["id"])
        return {"built": row["name"]}

    # when: asked before the table is read, then twice after
    first = table.built(1, build)
    assert isinstance(first, asyncio.Future)
    assert await first == {"built": "one"}
    again, once_more = table.built(1, build), table.built(1, build)

    # then: the same object at once; a missing key is None and not kept
    assert again is once_more and again == {"built": "one"}
    assert table.built(3, build) is None
    assert made == [1, 1]  # the unread table's future built its own; the read built one

    # when: the table is forgotten (a change to it)
    table.forget()
    after = await table.built(1, build)  # type: ignore[misc]

    # then: read and built afresh
    assert after == {"built": "one"} and after is not again
    assert len(reads) == 2


async def test_a_stage_change_shows_on_the_next_request(gql: GraphQL, admin: Person) -> None:
    # given: a page read once (its stage built)
    await opportunity(gql, admin, title="Deal", stageId=1)
    stage = (await gql(PAGE, admin))["opportunities"]["edges"][0]["node"]["stage"]

    # when: the stage is recoloured
    recoloured = await gql(
        """mutation($id: ID!) { setStageColor(input: {id: $id, color: "#123abc"}) {
             errors { code } } }""",
        admin,
        id=stage["id"],
    )
    assert recoloured["setStageColor"]["errors"] == []

    # then
    node = (await gql(PAGE, admin))["opportunities"]["edges"][0]["node"]
    assert stage["color"] != "#123abc" and node["stage"]["color"] == "#123abc"
