"""Per-employee private counts (migration 0006) stay exact; offsets skip stages as a sort would.

The counters answer totalCount, stage counts and where an offset falls: each check compares them
with a count of the deals themselves after a kind of change the service makes.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.counter_tables import private_count_t
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.counts import assert_counts_agree
from tests.factories import opportunity

DELETE_MANY = """
mutation Delete($ids: [ID!]) { deleteOpportunities(input: {ids: $ids}) { errors { message } } }
"""
UPDATE = """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { message } }
}
"""
OFFSET_PAGE = """
query Page($offset: Int, $first: Int, $orderBy: [OpportunityOrder!]) {
  opportunities(offset: $offset, first: $first, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage }
    edges { node { id } }
  }
}
"""
WHOLE = """
query Whole($orderBy: [OpportunityOrder!]) {
  opportunities(first: 100, orderBy: $orderBy) { edges { node { id } } }
}
"""


async def _private_deals(gql: GraphQL, owner: Person, holders: list[Person]) -> list[int]:
    return [
        await opportunity(
            gql,
            owner,
            title=f"Private {n}",
            stageId=1 + n % 3,
            isPrivate=True,
            accessList=[str(h.id) for h in holders],
        )
        for n in range(6)
    ]


async def test_counts_follow_batch_deletes_of_deals_with_several_holders(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: private deals listing both employees, and one public deal
    ids = await _private_deals(gql, other, [user, other])
    await opportunity(gql, other, title="Public", stageId=2)
    await assert_counts_agree(db, gql, admin, user, other)

    # when: several go in one statement, their access entries by cascade
    result = await gql(DELETE_MANY, admin, ids=ids[:4])

    # then
    assert result["deleteOpportunities"]["errors"] == []
    await assert_counts_agree(db, gql, admin, user, other)
    async with db.read() as conn:
        negative = select(func.count()).where(private_count_t.c.total < 0)
        assert (await conn.execute(negative)).scalar_one() == 0


async def test_counts_follow_access_lists_replaced_and_deals_made_public(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given
    ids = await _private_deals(gql, other, [user])

    def changed(deal: int, **fields: Any) -> dict[str, Any]:
        return {
            "id": deal,
            "title": "Changed",
            "responsibleId": str(other.id),
            "stageId": 4,
            "bidCurrencyAbbr": "EUR",
            **fields,
        }

    # when / then: moved and shared with someone else; made public; moved while private
    for change in (
        changed(ids[0], isPrivate=True, accessList=[str(other.id)]),
        changed(ids[1], isPrivate=False),
        changed(ids[2], isPrivate=True, accessList=[str(user.id), str(other.id)]),
    ):
        result = await gql(UPDATE, other, input=change)
        assert result["updateOpportunity"]["errors"] == []
        await assert_counts_agree(db, gql, admin, user, other)


@pytest.mark.parametrize(
    "order",
    [[], [{"field": "STAGE", "direction": "DESC"}, {"field": "TITLE", "direction": "DESC"}]],
    ids=["default", "stage-desc-title-desc"],
)
@pytest.mark.parametrize("who", ["user", "admin"])
async def test_every_offset_reads_the_rows_of_the_whole_order(
    gql: GraphQL, user: Person, other: Person, admin: Person, order: list[Any], who: str
) -> None:
    # given: deals at several stages, some private to another employee, some shared with user
    for n in range(14):
        await opportunity(
            gql,
            other,
            title=["beta", "Alpha", "gamma"][n % 3],
            stageId=1 + n % 5,
            isPrivate=n % 3 == 0,
            accessList=[str(user.id)] if n % 6 == 0 else [],
        )
    caller = user if who == "user" else admin
    whole = [
        e["node"]["id"] for e in (await gql(WHOLE, caller, orderBy=order))["opportunities"]["edges"]
    ]

    for offset in range(len(whole) + 2):
        # when
        page = (await gql(OFFSET_PAGE, caller, offset=offset, first=3, orderBy=order))[
            "opportunities"
        ]

        # then
        assert [e["node"]["id"] for e in page["edges"]] == whole[offset : offset + 3], offset
        assert page["pageInfo"]["hasNextPage"] == (offset + 3 < len(whole)), offset
        assert page["totalCount"] == len(whole)
