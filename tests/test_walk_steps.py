"""A list read stage by stage reads the stage its page starts in first and the later stages only
when that one falls short (app.domain.stage_walk.walk_steps); every page is the sorted rows,
wherever it starts and ends, whoever asks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from app.db.engine import Database
from app.db.models import employee_t, opportunity_t, stage_t
from app.domain.access import opportunity_visible
from tests.conftest import GraphQL, Person
from tests.factories import opportunity
from tests.ids import database_id
from tests.paging import PAGE_OF_IDS, walk_pages
from tests.statements import collapsed

# Stage 9 first for everyone, holding only Otto's private deals; stages 5 and 6 share the next
# place; stage 1 after them, 3 last.
SORT_ORDERS = {9: -2, 5: -1, 6: -1, 1: 0, 3: 1}
ORDERS = [
    [],
    [{"field": "STAGE", "direction": "DESC"}],
    [{"field": "RESPONSIBLE", "direction": "ASC"}],
]


async def _board(db: Database, gql: GraphQL, user: Person, other: Person) -> None:
    async with db.write() as conn:
        for stage, place in SORT_ORDERS.items():
            await conn.execute(
                update(stage_t).where(stage_t.c.id == stage).values(sort_order=place)
            )
    titles = ["beta", "Alpha", "alpha", "Gamma"]
    for n in range(3):
        await opportunity(gql, other, title=titles[n], stageId=9, isPrivate=True)
    for n, stage in enumerate([5, 6, 5, 6, 5, 1, 1, 1, 1, 3, 3]):
        await opportunity(gql, user if n % 3 else other, title=titles[n % 4], stageId=stage)
    await opportunity(gql, other, title="hidden", stageId=6, isPrivate=True)


async def _sorted(db: Database, who: Person, order: list[Any]) -> list[int]:
    """The ids the caller may see, sorted in Python by the list's order (id breaks ties)."""
    async with db.read() as conn:
        stages = dict((await conn.execute(select(stage_t.c.id, stage_t.c.sort_order))).all())
        names = dict((await conn.execute(select(employee_t.c.id, employee_t.c.display_name))).all())
        query = select(opportunity_t).where(opportunity_visible(who.caller))
        deals = list((await conn.execute(query)).mappings())
    if not order:  # the default: stage, then title
        deals.sort(key=lambda d: (stages[d["stage_id"]], d["title"].lower(), d["id"]))
    elif order[0]["field"] == "RESPONSIBLE":
        deals.sort(key=lambda d: (names[d["responsible_id"]].lower(), d["id"]))
    else:  # a stage order alone: the id breaks ties, in the same direction
        deals.sort(key=lambda d: (stages[d["stage_id"]], d["id"]), reverse=True)
    return [d["id"] for d in deals]


async def _page(gql: GraphQL, who: Person, order: list[Any], **size: int) -> tuple[list[int], Any]:
    found = (await gql(PAGE_OF_IDS, who, orderBy=order, **size))["opportunities"]
    return [database_id(edge["node"]["id"]) for edge in found["edges"]], found["pageInfo"]


@pytest.mark.parametrize("order", ORDERS, ids=["stage", "stage-desc", "responsible"])
async def test_first_and_last_pages_of_every_size_are_the_sorted_rows(
    db: Database, gql: GraphQL, user: Person, other: Person, order: list[Any]
) -> None:
    # given: a first stage hidden from Uma, two stages sharing a place, a private deal among them
    await _board(db, gql, user, other)

    for who in (user, other):
        expected = await _sorted(db, who, order)
        for n in range(1, len(expected) + 2):
            # when
            first, first_info = await _page(gql, who, order, first=n)
            last, last_info = await _page(gql, who, order, last=n)

            # then
            assert first == expected[:n], (str(who.id), n)
            assert first_info["hasNextPage"] == (n < len(expected))
            assert last == expected[-n:], (str(who.id), n)
            assert last_info["hasPreviousPage"] == (n < len(expected))
        for backward in (False, True):
            walked = await walk_pages(gql, who, order, backward=backward, size=2)
            assert walked == expected, (str(who.id), backward)


async def test_a_page_its_first_stage_fills_reads_no_later_stage(
    db: Database, gql: GraphQL, user: Person, other: Person
) -> None:
    # given: Otto's first stage holds three deals
    await _board(db, gql, user, other)
    expected = await _sorted(db, other, [])

    # when: a page inside it, then one past it
    with collapsed(db) as short:
        inside, _ = await _page(gql, other, [], first=2)
    with collapsed(db) as long:
        past, _ = await _page(gql, other, [], first=6)

    # then: one page statement, its first stage only; two for the longer page
    assert inside == expected[:2] and past == expected[:6]
    assert len([s for s in short if " walked" in s]) == 1
    assert len([s for s in long if " walked" in s]) == 2


async def test_a_kept_first_page_reads_the_later_stages_once_its_first_falls_short(
    db: Database, gql: GraphQL, user: Person, other: Person
) -> None:
    # given: Otto's first page of two, kept while his first stage fills it
    await _board(db, gql, user, other)
    before, _ = await _page(gql, other, [], first=2)
    assert before == (await _sorted(db, other, []))[:2]

    # when: his first stage's deals move to the last stage
    async with db.write() as conn:
        await conn.execute(
            update(opportunity_t).where(opportunity_t.c.stage_id == 9).values(stage_id=3)
        )
    after, info = await _page(gql, other, [], first=2)

    # then: the same kept statements read the page of now, from the stages after
    assert after == (await _sorted(db, other, []))[:2]
    assert not set(after) & set(before)
    assert info["hasNextPage"]
