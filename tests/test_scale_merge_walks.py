"""Close-date and responsible orders read group by group page as a whole sort would, both ways."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import employee, opportunity
from tests.ids import (
    database_id,
)
from tests.paging import walk_pages

WHOLE = """
query Whole($orderBy: [OpportunityOrder!]) {
  opportunities(first: 100, orderBy: $orderBy) {
    edges { node { id expectedCloseDate actualCloseDate stage { stageType }
                   responsible { displayName } } }
  }
}
"""
NO_DATE = datetime(1, 1, 1, tzinfo=UTC)


def _closes(node: dict[str, Any]) -> datetime:
    chosen = (
        node["expectedCloseDate"]
        if node["stage"]["stageType"] == "OPEN"
        else node["actualCloseDate"]
    )
    return datetime.fromisoformat(chosen) if chosen else NO_DATE


@pytest.mark.parametrize("field", ["CLOSE_DATE", "RESPONSIBLE"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_pages_follow_the_whole_order_both_ways(
    db: Database, gql: GraphQL, user: Person, other: Person, field: str, direction: str
) -> None:
    # given: open, won and lost stages; repeated, missing and both kinds of dates; a name
    # shared by two employees in different case
    twin = (await employee(db, "Pat Same")).id
    twin_upper = (await employee(db, "PAT SAME")).id
    days = [None, 3, 3, 7, None, 1, 9]
    for n in range(19):
        day = days[n % len(days)]
        when = None if day is None else f"2024-05-{day:02d}T10:00:00Z"
        other_day = days[(n + 3) % len(days)]
        await opportunity(
            gql,
            user,
            title=f"Deal {n}",
            stageId=[1, 3, 8, 9][n % 4],
            responsibleId=str([user.id, other.id, twin, twin_upper][n % 4]),
            expectedCloseDate=when,
            actualCloseDate=None if other_day is None else f"2024-06-{other_day:02d}T10:00:00Z",
            isPrivate=n % 5 == 0,
        )
    order = [{"field": field, "direction": direction}]
    nodes = (await gql(WHOLE, user, orderBy=order))["opportunities"]["edges"]
    rows = [edge["node"] for edge in nodes]

    def key(node: dict[str, Any]) -> Any:
        if field == "CLOSE_DATE":
            return _closes(node)
        return node["responsible"]["displayName"].lower()

    descending = direction == "DESC"
    expected = sorted(rows, key=lambda r: database_id(r["id"]), reverse=descending)
    expected.sort(key=key, reverse=descending)

    # when
    forward = await walk_pages(gql, user, order, backward=False)
    backward = await walk_pages(gql, user, order, backward=True)

    # then
    assert [database_id(r["id"]) for r in rows] == [database_id(r["id"]) for r in expected]
    assert forward == [database_id(r["id"]) for r in expected]
    assert backward == forward
