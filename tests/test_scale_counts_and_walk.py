"""Counts kept by triggers stay exact under privacy; the stage walk pages as a whole sort would."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from app.db.engine import Database
from app.db.models import access_t, opportunity_t, stage_t
from app.domain.access import opportunity_visible
from tests.conftest import GraphQL, Person
from tests.counts import assert_counts_agree
from tests.factories import opportunity
from tests.paging import walk_pages


async def test_counts_stay_exact_through_every_kind_of_change(
    db: Database, gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: public and private deals at several stages, some on the user's access list
    ids = [
        await opportunity(
            gql,
            other,
            title=f"Deal {n}",
            stageId=1 + n % 3,
            isPrivate=n % 2 == 0,
            accessList=[str(user.id)] if n % 4 == 0 else [],
        )
        for n in range(12)
    ]
    await assert_counts_agree(db, gql, admin, user, other)

    # when / then: each change keeps every caller's counts exact
    changes: list[Any] = [
        update(opportunity_t).where(opportunity_t.c.id == ids[0]).values(stage_id=5),
        update(opportunity_t).where(opportunity_t.c.id == ids[1]).values(is_private=True),
        update(opportunity_t).where(opportunity_t.c.id == ids[2]).values(is_private=False),
        insert(access_t).values(opportunity_id=ids[6], employee_id=user.id),
        delete(access_t).where(access_t.c.opportunity_id == ids[4]),
        delete(opportunity_t).where(opportunity_t.c.id == ids[8]),
        update(opportunity_t).where(opportunity_t.c.id == ids[3]).values(stage_id=2),
    ]
    for change in changes:
        async with db.write() as conn:
            await conn.execute(change)
        await assert_counts_agree(db, gql, admin, user, other)


@pytest.mark.parametrize(
    "order",
    [
        [],
        [{"field": "STAGE", "direction": "DESC"}],
        [{"field": "STAGE", "direction": "ASC"}, {"field": "TITLE", "direction": "DESC"}],
        [{"field": "TITLE", "direction": "ASC"}],
        [{"field": "BID_VALUE", "direction": "DESC"}],
    ],
)
async def test_pages_follow_the_whole_order_both_ways(
    db: Database, gql: GraphQL, user: Person, other: Person, order: list[Any]
) -> None:
    # given: titles differing only by case, repeated titles, private deals not shared
    titles = ["beta", "Alpha", "alpha", "Gamma", "beta", "delta", "Alpha"]
    for n in range(17):
        await opportunity(
            gql,
            user if n % 5 else other,
            title=titles[n % len(titles)],
            stageId=1 + n % 4,
            bidValue=str(n % 3),
            isPrivate=n % 5 == 0,
        )
    async with db.read() as conn:
        stages = dict((await conn.execute(select(stage_t.c.id, stage_t.c.sort_order))).all())
        rows = await conn.execute(select(opportunity_t).where(opportunity_visible(user.caller)))
        deals = list(rows.mappings())
    directions = [t.get("direction", "ASC") == "DESC" for t in order] or [False, False]
    fields = [t["field"] for t in order] or ["STAGE", "TITLE"]

    def key(deal: Any) -> list[Any]:
        values = {
            "STAGE": stages[deal["stage_id"]],
            "TITLE": deal["title"].lower(),
            "BID_VALUE": float(deal["bid_value"]),
        }
        return [values[f] for f in fields]

    expected = sorted(deals, key=lambda d: d["id"], reverse=directions[-1])
    for index in reversed(range(len(fields))):
        expected.sort(key=lambda d, i=index: key(d)[i], reverse=directions[index])

    # when
    forward = await walk_pages(gql, user, order, backward=False)
    backward = await walk_pages(gql, user, order, backward=True)

    # then
    assert forward == [d["id"] for d in expected]
    assert backward == forward
