"""contacts(filter, orderBy) and contact(id) with its opportunities."""

from __future__ import annotations

from typing import Any

import pytest

from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, opportunity_via_domain

CONTACTS = """
query($filter: ContactFilter, $orderBy: [ContactOrder!], $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id displayName isCompany } }
  }
}
"""


@pytest.fixture
async def people(gql: GraphQL, user: Person) -> dict[str, int]:
    return {
        "acme": await contact(gql, as_=user, companyName="Acme Corp"),
        "ann": await contact(gql, as_=user, firstName="ann", lastName="Lee"),
        "bob": await contact(gql, as_=user, firstName="Bob", lastName="Acheson"),
        "zed": await contact(gql, as_=user, companyName="Zed Industries"),
    }


def names(data: dict[str, Any]) -> list[str]:
    return [e["node"]["displayName"] for e in data["contacts"]["edges"]]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param({"isCompany": True}, ["Acme Corp", "Zed Industries"], id="companies"),
        pytest.param({"isCompany": False}, ["ann Lee", "Bob Acheson"], id="persons"),
        pytest.param({"search": "ac"}, ["Acme Corp", "Bob Acheson"], id="word-start"),
        pytest.param({"search": "ind zed"}, ["Zed Industries"], id="every-word"),
        pytest.param({"search": "cme"}, [], id="not-mid-word"),
    ],
)
async def test_contact_filters(
    gql: GraphQL, people: dict[str, int], user: Person, filter_: dict[str, Any], expected: list[str]
) -> None:
    data = await gql(CONTACTS, user, filter=filter_)

    assert names(data) == expected
    assert data["contacts"]["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            {"field": "DISPLAY_NAME"},
            ["Acme Corp", "ann Lee", "Bob Acheson", "Zed Industries"],
            id="name",
        ),
        pytest.param(
            {"field": "DISPLAY_NAME", "direction": "DESC"},
            ["Zed Industries", "Bob Acheson", "ann Lee", "Acme Corp"],
            id="name-desc",
        ),
        pytest.param(
            {"field": "ID", "direction": "DESC"},
            ["Zed Industries", "Bob Acheson", "ann Lee", "Acme Corp"],
            id="id-desc",
        ),
        pytest.param(
            {"field": "CREATED"},
            ["Acme Corp", "ann Lee", "Bob Acheson", "Zed Industries"],
            id="created",
        ),
    ],
)
async def test_contact_orderings(
    gql: GraphQL, people: dict[str, int], user: Person, order: dict[str, str], expected: list[str]
) -> None:
    assert names(await gql(CONTACTS, user, orderBy=[order])) == expected


async def test_contact_paging(gql: GraphQL, people: dict[str, int], user: Person) -> None:
    first = await gql(CONTACTS, user, first=3)
    rest = await gql(CONTACTS, user, first=3, after=first["contacts"]["pageInfo"]["endCursor"])

    assert names(first) + names(rest) == ["Acme Corp", "ann Lee", "Bob Acheson", "Zed Industries"]
    assert (
        first["contacts"]["pageInfo"]["hasNextPage"],
        rest["contacts"]["pageInfo"]["hasNextPage"],
    ) == (True, False)


async def test_contact_with_its_opportunities(
    db: Database, gql: GraphQL, people: dict[str, int], user: Person
) -> None:
    # given: Acme is the primary contact of one deal and a member of another
    for title, fields in (
        ("Primary", {"contact_id": people["acme"]}),
        ("Member", {"members": [people["acme"]]}),
        ("Other", {}),
    ):
        await opportunity_via_domain(db, as_=user, title=title, **fields)

    data = await gql(
        """query($id: ID!) { contact(id: $id) { displayName
             opportunities(orderBy: [{field: TITLE}]) {
               totalCount edges { node { title } } } } }""",
        user,
        id=people["acme"],
    )

    opportunities = data["contact"]["opportunities"]
    assert [e["node"]["title"] for e in opportunities["edges"]] == ["Member", "Primary"]
    assert opportunities["totalCount"] == 2
