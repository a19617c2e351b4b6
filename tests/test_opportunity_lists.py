"""opportunities(filter, orderBy, first/after, last/before): filters, orders, paging, totalCount."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, employee, opportunity_via_domain
from tests.ids import (
    database_id,
)

LIST = """
query List($filter: OpportunityFilter, $orderBy: [OpportunityOrder!], $first: Int, $after: String,
           $last: Int, $before: String) {
  opportunities(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
                before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title } }
  }
}
"""

OPEN_STAGE, WON_STAGE, LOST_STAGE = 3, 8, 9  # Suspect (sort 2), Closure (7), Unsuccessful (8)


def when(day: int) -> datetime:
    return datetime(2024, 6, day, 12, tzinfo=UTC)


async def listed(gql: GraphQL, as_: Person, **variables: Any) -> dict[str, Any]:
    data = await gql(LIST, as_, **variables)
    return data["opportunities"]


def ids(connection: dict[str, Any]) -> list[int]:
    return [database_id(edge["node"]["id"]) for edge in connection["edges"]]


@pytest.fixture
async def board(db: Database, user: Person, other: Person, gql: GraphQL) -> dict[str, Any]:
    """Six deals with distinct attributes; names say what each is for."""
    acme = await contact(gql, as_=user, companyName="Acme")
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    made = {
        "alpha": await opportunity_via_domain(
            db,
            as_=user,
            title="Alpha rollout",
            stage_id=OPEN_STAGE,
            description="pilot phase",
            bid_value=Decimal("900.5"),
            expected_close_date=when(10),
            contact_id=acme,
        ),
        "beta": await opportunity_via_domain(
            db,
            as_=other,
            title="Beta renewal",
            bid_value=Decimal("12000"),
            stage_id=WON_STAGE,
            actual_close_date=when(3),
            expected_close_date=when(28),
            members=[acme],
        ),
        "gamma": await opportunity_via_domain(
            db,
            as_=user,
            title="gamma upsell",
            description="Rollout of modules",
            bid_value=Decimal("-5"),
            stage_id=LOST_STAGE,
            actual_close_date=when(20),
            contact_id=ann,
        ),
        "delta": await opportunity_via_domain(
            db,
            as_=other,
            title="Delta",
            stage_id=OPEN_STAGE,
            bid_value=Decimal("12000.000000001"),
            expected_close_date=when(15),
        ),
        "epsilon": await opportunity_via_domain(
            db, as_=user, title="Epsilon multirollout", stage_id=1
        ),
        "zeta": await opportunity_via_domain(
            db, as_=other, title="Zeta", stage_id=WON_STAGE, contact_id=acme, members=[ann]
        ),
    }
    return {"deals": made, "acme": acme, "ann": ann}


@pytest.mark.parametrize(
    ("make_filter", "expected"),
    [
        pytest.param(
            lambda b, u, o: {"responsibleId": str(u.id)},
            ["alpha", "epsilon", "gamma"],
            id="responsible",
        ),
        pytest.param(lambda b, u, o: {"stageId": WON_STAGE}, ["beta", "zeta"], id="stage"),
        pytest.param(lambda b, u, o: {"stageType": "CLOSED_AND_LOST"}, ["gamma"], id="stage-type"),
        pytest.param(
            lambda b, u, o: {"contactId": b["acme"]}, ["alpha", "zeta"], id="primary-contact"
        ),
        pytest.param(
            lambda b, u, o: {"contactId": b["acme"], "contactAlsoMember": True},
            ["alpha", "beta", "zeta"],
            id="contact-also-member",
        ),
        pytest.param(
            lambda b, u, o: {
                "closeDateFrom": "2024-06-01T00:00:00Z",
                "closeDateTo": "2024-06-12T00:00:00Z",
            },
            ["alpha", "beta"],
            id="close-date-range-expected-for-open-actual-for-closed",
        ),
        pytest.param(
            lambda b, u, o: {"closeDateFrom": "2024-06-14T00:00:00Z"},
            ["delta", "gamma"],
            id="close-from",
        ),
        pytest.param(
            lambda b, u, o: {"search": "rollout"},
            ["alpha", "gamma"],
            id="search-word-start-any-case",
        ),
        pytest.param(lambda b, u, o: {"search": "roll pil"}, ["alpha"], id="search-every-word"),
        pytest.param(lambda b, u, o: {"search": "ollout"}, [], id="search-not-mid-word"),
        pytest.param(lambda b, u, o: {"search": "100%"}, [], id="search-wildcards-are-literal"),
    ],
)
async def test_filters_and_their_total_count(
    gql: GraphQL,
    board: dict[str, Any],
    user: Person,
    other: Person,
    make_filter: Any,
    expected: list[str],
) -> None:
    result = await listed(
        gql, user, filter=make_filter(board, user, other), orderBy=[{"field": "TITLE"}]
    )

    names = {v: k for k, v in board["deals"].items()}
    assert sorted(names[i] for i in ids(result)) == sorted(expected)
    assert result["totalCount"] == len(expected)


ORDERS = {
    "TITLE": lambda d: d["title"].lower(),
    "BID_VALUE": lambda d: d["bid"],
    "STAGE": lambda d: d["stage_sort"],
    "CLOSE_DATE": lambda d: d["close"],
    "RESPONSIBLE": lambda d: d["responsible"],
    "CREATED": lambda d: d["id"],
    "ID": lambda d: d["id"],
}


@pytest.mark.parametrize("field", list(ORDERS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_each_ordering_in_both_directions(
    gql: GraphQL, board: dict[str, Any], user: Person, field: str, direction: str
) -> None:
    data = await gql(
        """query($o: [OpportunityOrder!]) { opportunities(orderBy: $o, first: 100) { edges { node {
             id title bidValue stage { sortOrder stageType } expectedCloseDate actualCloseDate
             responsible { displayName } } } } }""",
        user,
        o=[{"field": field, "direction": direction}],
    )
    nodes = [e["node"] for e in data["opportunities"]["edges"]]
    facts = [
        {
            "id": database_id(n["id"]),
            "title": n["title"],
            "bid": Decimal(n["bidValue"]),
            "stage_sort": n["stage"]["sortOrder"],
            "close": (
                n["expectedCloseDate"]
                if n["stage"]["stageType"] == "OPEN"
                else n["actualCloseDate"]
            )
            or "",
            "responsible": n["responsible"]["displayName"],
        }
        for n in nodes
    ]

    key = ORDERS[field]
    expected = sorted(facts, key=lambda d: (key(d), d["id"]), reverse=direction == "DESC")
    assert [f["id"] for f in facts] == [f["id"] for f in expected]
    assert len(facts) == 6


async def test_paging_forward_and_backward_across_equal_sort_keys(
    db: Database, gql: GraphQL, user: Person
) -> None:
    # given: five deals with the same title, so only the id tells them apart
    made = [await opportunity_via_domain(db, as_=user, title="Same") for _ in range(5)]
    order = [{"field": "TITLE"}]

    # when: forward in pages of two
    first = await listed(gql, user, orderBy=order, first=2)
    second = await listed(gql, user, orderBy=order, first=2, after=first["pageInfo"]["endCursor"])
    third = await listed(gql, user, orderBy=order, first=2, after=second["pageInfo"]["endCursor"])

    # then
    assert [ids(first), ids(second), ids(third)] == [made[0:2], made[2:4], made[4:5]]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, second, third)] == [True, True, False]
    assert [p["totalCount"] for p in (first, second, third)] == [5, 5, 5]

    # when: backward from the end
    last = await listed(gql, user, orderBy=order, last=2)
    before = await listed(gql, user, orderBy=order, last=2, before=last["pageInfo"]["startCursor"])
    rest = await listed(gql, user, orderBy=order, last=2, before=before["pageInfo"]["startCursor"])

    # then
    assert [ids(last), ids(before), ids(rest)] == [made[3:5], made[1:3], made[0:1]]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (last, before, rest)] == [True, True, False]

    # and a cursor from the middle works both ways
    middle = second["edges"][0]["cursor"]
    assert ids(await listed(gql, user, orderBy=order, first=10, after=middle)) == made[3:]
    assert ids(await listed(gql, user, orderBy=order, last=10, before=middle)) == made[:2]


async def test_descending_paging_keeps_id_tie_break_descending(
    db: Database, gql: GraphQL, user: Person
) -> None:
    made = [await opportunity_via_domain(db, as_=user, title="Same") for _ in range(3)]
    order = [{"field": "TITLE", "direction": "DESC"}]

    page = await listed(gql, user, orderBy=order, first=2)
    rest = await listed(gql, user, orderBy=order, first=2, after=page["pageInfo"]["endCursor"])

    assert ids(page) + ids(rest) == made[::-1]


async def test_page_size_is_at_most_100(db: Database, gql: GraphQL, user: Person) -> None:
    for i in range(101):
        await opportunity_via_domain(db, as_=user, title=f"Deal {i:03d}")

    served = await listed(gql, user, first=100)
    refused = await gql.raw(LIST, user, first=101)
    backward_refused = await gql.raw(LIST, user, last=101)

    assert len(served["edges"]) == 100 and served["pageInfo"]["hasNextPage"] is True
    assert served["totalCount"] == 101
    for result in (refused, backward_refused):
        assert result.errors is not None
        assert "between 0 and 100" in result.errors[0].message
        assert result.errors[0].extensions == {"code": "INVALID"}


async def test_default_page_is_20_in_pipeline_order(
    db: Database, gql: GraphQL, user: Person
) -> None:
    for i in range(25):
        await opportunity_via_domain(
            db, as_=user, title=f"Deal {i:02d}", stage_id=OPEN_STAGE if i % 2 else 1
        )

    page = await listed(gql, user)

    assert len(page["edges"]) == 20
    titles = [e["node"]["title"] for e in page["edges"]]
    assert titles[:13] == [f"Deal {i:02d}" for i in range(0, 25, 2)]  # stage 1 comes first


async def test_a_foreign_cursor_is_refused(db: Database, gql: GraphQL, user: Person) -> None:
    await opportunity_via_domain(db, as_=user, title="One")
    by_title = await listed(gql, user, orderBy=[{"field": "TITLE"}], first=1)

    result = await gql.raw(
        LIST,
        user,
        orderBy=[{"field": "CLOSE_DATE"}, {"field": "TITLE"}],
        after=by_title["pageInfo"]["endCursor"],
    )
    garbage = await gql.raw(LIST, user, after="not-a-cursor")

    for refused in (result, garbage):
        assert refused.errors is not None
        assert refused.errors[0].extensions == {"code": "INVALID"}


async def test_employees_query_lists_everyone_by_name(
    db: Database, gql: GraphQL, user: Person
) -> None:
    await employee(db, name="Aaron First")

    data = await gql("{ employees { displayName } }", user)

    assert [e["displayName"] for e in data["employees"]] == ["Aaron First", "Uma User"]
