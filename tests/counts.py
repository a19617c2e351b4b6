"""Deal counts as the API answers them, checked against a count of the table itself."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import opportunity_t
from app.domain.access import opportunity_visible
from tests.conftest import GraphQL, Person
from tests.ids import (
    database_id,
)

COUNTS = "{ opportunities(first: 1) { totalCount } stages { id opportunityCount } }"


async def counted_in_the_table(db: Database, who: Person) -> tuple[int, dict[int, int]]:
    """The deals `who` may see, in all and per stage, counted row by row."""
    visible = opportunity_visible(who.caller)
    async with db.read() as conn:
        total = (
            await conn.execute(select(func.count()).select_from(opportunity_t).where(visible))
        ).scalar_one()
        per_stage = select(opportunity_t.c.stage_id, func.count()).where(visible)
        rows = await conn.execute(per_stage.group_by(opportunity_t.c.stage_id))
        return int(total), {int(stage): int(count) for stage, count in rows}


async def counted_by_the_api(gql: GraphQL, who: Person) -> tuple[int, dict[int, int]]:
    """`totalCount` and every non-empty stage's `opportunityCount`, as `who` is answered."""
    data = await gql(COUNTS, who)
    stages = {database_id(s["id"]): s["opportunityCount"] for s in data["stages"]}
    return data["opportunities"]["totalCount"], {k: v for k, v in stages.items() if v}


async def assert_counts_agree(db: Database, gql: GraphQL, *people: Person) -> None:
    """Each person's counts from the API are the table's."""
    for who in people:
        assert await counted_by_the_api(gql, who) == await counted_in_the_table(db, who), who
