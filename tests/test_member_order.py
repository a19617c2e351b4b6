"""A deal's members come in contact id order, however they were given and whichever statement
read them (the contacts' read is unordered; the deal's few members are sorted as grouped)."""

from __future__ import annotations

from app.domain.reads import grouped_contacts
from tests.conftest import GraphQL, Person
from tests.factories import contact, opportunity
from tests.ids import database_id

PAGE = """{ opportunities(first: 10) { edges { node { id databaseId members { id } } } } }"""
ONE = """query($id: ID!) { opportunity(id: $id) { members { id } } }"""


async def test_members_are_in_id_order_on_a_page_and_alone(gql: GraphQL, user: Person) -> None:
    # given: deals whose members are given last first, one with a primary contact among them
    people = [await contact(gql, user, firstName=f"P{n}", lastName="X") for n in range(5)]
    one = await opportunity(gql, user, title="One", members=people[::-1])
    two = await opportunity(
        gql, user, title="Two", members=[people[4], people[1]], contactId=people[2]
    )
    expected = {one: people, two: sorted([people[4], people[1], people[2]])}

    # when
    edges = (await gql(PAGE, user))["opportunities"]["edges"]

    # then
    assert {edge["node"]["databaseId"] for edge in edges} == {one, two}
    for node in (edge["node"] for edge in edges):
        assert [database_id(m["id"]) for m in node["members"]] == expected[node["databaseId"]]
        alone = (await gql(ONE, user, id=node["id"]))["opportunity"]["members"]
        assert [database_id(m["id"]) for m in alone] == expected[node["databaseId"]]


def test_grouping_orders_each_deals_members_whatever_the_rows_order() -> None:
    # given: rows as an unordered read may return them
    rows = [
        {"_opportunity": 2, "_member": True, "id": 9},
        {"_opportunity": 1, "_member": True, "id": 5},
        {"_opportunity": 2, "_member": False, "id": 9},
        {"_opportunity": 2, "_member": True, "id": 3},
        {"_opportunity": 1, "_member": True, "id": 4},
        {"_opportunity": 2, "_member": True, "id": 7},
    ]

    # when
    found = grouped_contacts(rows)

    # then
    assert [row["id"] for row in found[1].members] == [4, 5]
    assert [row["id"] for row in found[2].members] == [3, 7, 9]
    assert found[2].primary == rows[2] and found[1].primary is None
