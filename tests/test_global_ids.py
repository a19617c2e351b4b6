"""Relay Global Object Identification: Node, global ids, node(id:) and nodes(ids:) (issue 16)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from strawberry.relay.utils import to_base64

from app.db.engine import Database
from app.domain.bounds import MAX_BATCH
from app.graphql import ids as app_ids
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field, employee, opportunity, opportunity_via_domain
from tests.ids import (
    contact_gid,
    employee_gid,
    field_gid,
    global_id,
    opportunity_gid,
    stage_gid,
)
from tests.test_statement_count import counting

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Opportunity { databaseId title }
    ... on Contact { databaseId displayName }
    ... on Stage { databaseId title }
    ... on CustomFieldDefinition { databaseId label valueCount }
    ... on Employee { uuid: databaseId displayName }
  }
}
"""

NODES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id ... on Opportunity { title stage { title } } }
}
"""

IDS = """
query($deal: ID!) {
  opportunity(id: $deal) {
    id databaseId stage { id databaseId } responsible { id databaseId }
    contact { id databaseId } customFields { id fieldId fieldDatabaseId entityId entityDatabaseId }
  }
}
"""

GRANT = """
mutation($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) { errors { code } }
}
"""


async def node(gql: GraphQL, who: Person, id_: str) -> Any:
    return (await gql(NODE, who, id=id_))["node"]


async def test_each_node_type_is_read_back_by_its_global_id(
    gql: GraphQL, user: Person, admin: Person
) -> None:
    # given: one record of each Node type
    acme = await contact(gql, as_=user, companyName="Acme")
    source = await custom_field(gql, as_=admin, label="Source")
    deal = await opportunity(
        gql,
        as_=user,
        title="Rollout",
        contactId=acme,
        customFields=[{"fieldId": source, "value": "web"}],
    )

    # when / then: node answers each as its own type, with the id it was asked by
    assert await node(gql, user, opportunity_gid(deal)) == {
        "__typename": "Opportunity",
        "id": opportunity_gid(deal),
        "databaseId": deal,
        "title": "Rollout",
    }
    assert await node(gql, user, contact_gid(acme)) == {
        "__typename": "Contact",
        "id": contact_gid(acme),
        "databaseId": acme,
        "displayName": "Acme",
    }
    assert await node(gql, user, stage_gid(1)) == {
        "__typename": "Stage",
        "id": stage_gid(1),
        "databaseId": 1,
        "title": "Initial contact",
    }
    assert await node(gql, user, field_gid(source)) == {
        "__typename": "CustomFieldDefinition",
        "id": field_gid(source),
        "databaseId": source,
        "label": "Source",
        "valueCount": 1,
    }
    assert await node(gql, user, employee_gid(user.id)) == {
        "__typename": "Employee",
        "id": employee_gid(user.id),
        "uuid": str(user.id),
        "displayName": "Uma User",
    }


async def test_objects_answer_global_ids_with_their_database_ids_beside(
    gql: GraphQL, user: Person, admin: Person
) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    source = await custom_field(gql, as_=admin, label="Source")
    deal = await opportunity(
        gql, as_=user, stageId=2, contactId=acme, customFields=[{"fieldId": source, "value": "x"}]
    )

    shown = (await gql(IDS, user, deal=opportunity_gid(deal)))["opportunity"]

    assert shown == {
        "id": opportunity_gid(deal),
        "databaseId": deal,
        "stage": {"id": stage_gid(2), "databaseId": 2},
        "responsible": {"id": employee_gid(user.id), "databaseId": str(user.id)},
        "contact": {"id": contact_gid(acme), "databaseId": acme},
        "customFields": [
            {
                "id": global_id("CustomField", f"{deal}:{source}"),
                "fieldId": field_gid(source),
                "fieldDatabaseId": source,
                "entityId": opportunity_gid(deal),
                "entityDatabaseId": deal,
            }
        ],
    }


async def test_nodes_answers_in_order_with_null_for_every_id_that_names_nothing(
    gql: GraphQL, user: Person
) -> None:
    # given: two deals, and ids that name nothing in four ways
    first = await opportunity(gql, as_=user, title="First")
    second = await opportunity(gql, as_=user, title="Second")
    ids = [
        opportunity_gid(second),
        "not base64 at all!",  # malformed
        global_id("Invoice", first),  # no such type
        opportunity_gid(999_999),  # no such record
        str(first),  # a legacy integer names no type
        opportunity_gid(first),
        opportunity_gid(second),  # asked twice
        stage_gid(3),
    ]

    # when
    answered = (await gql(NODES, user, ids=ids))["nodes"]

    # then
    assert answered == [
        {
            "__typename": "Opportunity",
            "id": opportunity_gid(second),
            "title": "Second",
            "stage": {"title": "Initial contact"},
        },
        None,
        None,
        None,
        None,
        {
            "__typename": "Opportunity",
            "id": opportunity_gid(first),
            "title": "First",
            "stage": {"title": "Initial contact"},
        },
        {
            "__typename": "Opportunity",
            "id": opportunity_gid(second),
            "title": "Second",
            "stage": {"title": "Initial contact"},
        },
        {"__typename": "Stage", "id": stage_gid(3)},
    ]


@pytest.mark.parametrize("size", [2, 20])
async def test_nodes_reads_each_type_in_one_batch_whatever_the_count(
    db: Database, gql: GraphQL, user: Person, size: int
) -> None:
    # given: as many deals and contacts
    deals = [await opportunity_via_domain(db, as_=user, title=f"D{i}") for i in range(size)]
    contacts = [await contact(gql, as_=user, companyName=f"C{i}") for i in range(size)]
    ids = [opportunity_gid(d) for d in deals] + [contact_gid(c) for c in contacts]

    # when
    with counting(db) as statements:
        answered = (await gql(NODES, user, ids=ids))["nodes"]

    # then: every record, from one read of deals, one of contacts and one of the stages
    assert [n["id"] for n in answered] == ids
    assert len(statements) == 3, statements


async def test_privacy_is_exact_on_node_and_nodes(db: Database, gql: GraphQL, user: Person) -> None:
    # given: a deal private to its creator and a reader, and a contact private to its creator
    reader = await employee(db, name="Rob Reader")
    outsider = await employee(db, name="Olga Outsider")
    secret = await opportunity_via_domain(
        db, as_=user, title="Secret", is_private=True, access_list=[reader.id]
    )
    hidden = await contact(gql, as_=user, companyName="Hidden", shareType="NONE")
    missing = opportunity_gid(999_999)

    def both(who: Person) -> Any:
        return gql(
            "query($a: ID!, $b: ID!, $c: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } "
            "all: nodes(ids: [$a, $b, $c]) { id } }",
            who,
            a=opportunity_gid(secret),
            b=contact_gid(hidden),
            c=missing,
        )

    # then: the creator and the reader see the deal, the outsider sees neither; each hidden
    # record answers exactly as a missing one
    assert await both(user) == {
        "a": {"id": opportunity_gid(secret)},
        "b": {"id": contact_gid(hidden)},
        "all": [{"id": opportunity_gid(secret)}, {"id": contact_gid(hidden)}, None],
    }
    assert (await both(reader))["a"] == {"id": opportunity_gid(secret)}
    assert (await both(reader))["b"] is None
    assert await both(outsider) == {"a": None, "b": None, "all": [None, None, None]}

    # when: the creator takes the reader off the access list
    revoked = await gql(
        GRANT,
        user,
        input={
            "id": opportunity_gid(secret),
            "isPrivate": True,
            "accessList": [employee_gid(user.id)],
        },
    )

    # then: the reader sees it no more
    assert revoked["setOpportunityAccess"]["errors"] == []
    assert await both(reader) == {"a": None, "b": None, "all": [None, None, None]}


async def test_over_a_thousand_ids_are_refused_before_any_read(
    db: Database, gql: GraphQL, user: Person
) -> None:
    ids = ", ".join(f'"{opportunity_gid(i)}"' for i in range(1, MAX_BATCH + 2))

    with counting(db) as statements:
        result = await gql.raw(f"{{ nodes(ids: [{ids}]) {{ id }} }}", user)

    assert result.data is None
    assert [e.extensions["code"] for e in result.errors] == ["TOO_LONG"]
    assert statements == []


async def test_nodes_count_in_the_node_budget_as_many_as_the_ids(
    client: httpx.AsyncClient, user: Person
) -> None:
    # given: 500 deals with up to 100 members each are over the budget (50,000); 4 are within
    document = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Opportunity { members { id } } } }"

    def post(count: int) -> Any:
        ids = [opportunity_gid(i) for i in range(1, count + 1)]
        return client.post(
            "/graphql",
            json={"query": document, "variables": {"ids": ids}},
            headers={"Authorization": user.key},
        )

    # then
    small, large = (await post(4)).json(), (await post(500)).json()
    assert small == {"data": {"nodes": [None] * 4}}
    assert large["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert large["errors"][0]["extensions"]["nodes"] == 500 * (1 + 100)


def test_global_ids_are_strawberrys_encoding_and_read_back() -> None:
    person = uuid.uuid4()
    for type_name, database_id in (("Opportunity", 42), ("Stage", 1), ("Employee", person)):
        encoded = app_ids.global_id(type_name, database_id)
        assert encoded == to_base64(type_name, database_id)
        assert app_ids.global_id(type_name, database_id) == encoded  # cached, the same answer
        assert app_ids.parse_global(encoded) == (type_name, str(database_id))
    assert app_ids.global_id("Stage", True) != app_ids.global_id("Stage", 1)
    assert app_ids.parse_global(app_ids.custom_field_id(7, 3)) == ("CustomField", "7:3")


@pytest.mark.parametrize("pair", [(7, 3), (1, 10), (42, 999), (2**31 - 1, 2**31 - 1), (123456, 8)])
def test_a_values_id_is_the_encoding_of_its_whole_text(pair: tuple[int, int]) -> None:
    assert app_ids.custom_field_id(*pair) == to_base64("CustomField", f"{pair[0]}:{pair[1]}")
