"""The GraphQL pieces the legacy routes needed: offset paging and the page limit of the request,
deleting by filter, and what member, value, stage and field mutations answer with."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.engine import Database
from app.graphql.context import Context
from tests.conftest import SCHEMA, GraphQL, Person
from tests.factories import contact, custom_field, opportunity
from tests.ids import (
    contact_gid,
    field_gid,
    opportunity_gid,
    stage_gid,
    value_gid,
)

PAGE = """
query Page($first: Int, $offset: Int, $after: String, $last: Int) {
  opportunities(orderBy: [{field: TITLE}], first: $first, offset: $offset, after: $after,
                last: $last) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { title } }
  }
}
"""


def titles(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in page["opportunities"]["edges"]]


# --- offset, and the largest page a request may ask for -----------------------------------------


async def test_offset_skips_from_the_start(gql: GraphQL, user: Person) -> None:
    for title in "ABCDE":
        await opportunity(gql, as_=user, title=title)

    page = await gql(PAGE, user, first=2, offset=2)

    assert titles(page) == ["C", "D"]
    assert page["opportunities"]["totalCount"] == 5
    info = page["opportunities"]["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, True)
    # and the cursor it gives pages on as usual
    rest = await gql(PAGE, user, first=10, after=info["endCursor"])
    assert titles(rest) == ["E"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 2, "offset": -1}, "offset must not be negative."),
        ({"offset": 1, "after": "WzFd"}, "offset pages from the start"),
        ({"offset": 1, "last": 2}, "offset pages from the start"),
    ],
)
async def test_offset_refusals(
    gql: GraphQL, user: Person, variables: dict[str, Any], message: str
) -> None:
    result = await gql.raw(PAGE, user, **variables)

    assert result.errors is not None
    assert result.errors[0].message.startswith(message)
    assert result.errors[0].extensions == {"code": "INVALID"}


@pytest.mark.parametrize(
    "document",
    [
        "{ opportunities(first: 2, offset: -1) { totalCount } }",
        '{ opportunities(offset: 1, after: "WzFd") { totalCount } }',
    ],
)
async def test_offset_literals_fail_validation(
    client: httpx.AsyncClient, user: Person, document: str
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": user.key, "Accept": "application/graphql-response+json"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID"}


@pytest.mark.parametrize(("max_page", "first", "allowed"), [(100, 101, False), (1000, 1000, True)])
async def test_the_largest_page_comes_from_the_request(
    db: Database, gql: GraphQL, user: Person, max_page: int, first: int, allowed: bool
) -> None:
    await opportunity(gql, as_=user, title="A")
    context = Context(db=db, settings=gql.settings, caller=user.caller, max_page=max_page)

    result = await SCHEMA.execute(PAGE, variable_values={"first": first}, context_value=context)

    if allowed:
        assert result.errors is None
        assert result.data is not None and titles(result.data) == ["A"]
    else:
        assert result.errors is not None
        assert result.errors[0].message == f"first must be between 0 and {max_page}."


async def test_graphql_pages_stop_at_100(client: httpx.AsyncClient, user: Person) -> None:
    response = await client.post(
        "/graphql",
        json={"query": PAGE, "variables": {"first": 101}},
        headers={"Authorization": user.key},
    )

    assert response.json()["errors"][0]["message"] == "first must be between 0 and 100."


# --- deleteOpportunities by filter ---------------------------------------------------------------

DELETE_MANY = """
mutation DeleteMany($input: DeleteOpportunitiesInput!) {
  deleteOpportunities(input: $input) {
    errors { code field } deletedOpportunities { id title }
  }
}
"""


async def test_delete_by_filter_takes_what_the_caller_may_delete(
    gql: GraphQL, user: Person, other: Person
) -> None:
    kept = await opportunity(gql, as_=user, title="Kept", stageId=1)
    mine = await opportunity(gql, as_=user, title="Mine", stageId=3)
    hidden = await opportunity(
        gql, as_=other, title="Hidden", stageId=3, isPrivate=True, accessList=[str(other.id)]
    )

    data = await gql(DELETE_MANY, user, input={"filter": {"stageId": 3}})

    payload = data["deleteOpportunities"]
    deleted = [{"id": opportunity_gid(mine), "title": "Mine"}]
    assert payload == {"errors": [], "deletedOpportunities": deleted}
    left = await gql("{ opportunities { edges { node { databaseId } } } }", other)
    assert sorted(e["node"]["databaseId"] for e in left["opportunities"]["edges"]) == [kept, hidden]


@pytest.mark.parametrize(
    ("input_", "error"),
    [
        ({"ids": [1], "filter": {}}, {"code": "INVALID", "field": "filter"}),
        ({}, {"code": "REQUIRED", "field": "ids"}),
    ],
)
async def test_ids_or_filter_exactly_one(
    gql: GraphQL, user: Person, input_: dict[str, Any], error: dict[str, Any]
) -> None:
    await opportunity(gql, as_=user, title="Kept")

    data = await gql(DELETE_MANY, user, input=input_)

    assert data["deleteOpportunities"] == {"errors": [error], "deletedOpportunities": []}


# --- what the member, value, stage and field mutations answer with ------------------------------

MEMBERS = """
mutation Members($add: AddOpportunityMemberInput!, $remove: RemoveOpportunityMemberInput!) {
  addOpportunityMember(input: $add) { errors { code } contact { id displayName } }
  removeOpportunityMember(input: $remove) { errors { code } contact { id displayName } }
}
"""


async def test_member_mutations_answer_with_the_contact(gql: GraphQL, user: Person) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    deal_id = await opportunity(gql, as_=user, title="Pilot")

    data = await gql(
        MEMBERS,
        user,
        add={"id": deal_id, "contactId": acme},
        remove={"id": deal_id, "contactId": acme},
    )

    assert data["addOpportunityMember"] == {
        "errors": [],
        "contact": {"id": contact_gid(acme), "displayName": "Acme"},
    }
    assert data["removeOpportunityMember"]["contact"] == {
        "id": contact_gid(acme),
        "displayName": "Acme",
    }


SET_FIELD = """
mutation Set($input: SetOpportunityCustomFieldInput!) {
  setOpportunityCustomField(input: $input) {
    errors { code field }
    customField { id fieldId entityId label fieldValue position }
  }
}
"""


async def test_set_custom_field_answers_with_the_field_as_stored(
    gql: GraphQL, user: Person, admin: Person
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    deal_id = await opportunity(gql, as_=user, title="Pilot")

    set_ = await gql(SET_FIELD, user, input={"id": deal_id, "fieldId": source, "value": " web "})
    removed = await gql(SET_FIELD, user, input={"id": deal_id, "fieldId": source, "value": ""})
    refused = await gql(SET_FIELD, user, input={"id": deal_id, "fieldId": 99, "value": "x"})

    stored = {
        "id": value_gid(deal_id, source),
        "fieldId": field_gid(source),
        "entityId": opportunity_gid(deal_id),
        "label": "Source",
        "position": 1,
    }
    assert set_["setOpportunityCustomField"]["customField"] == {**stored, "fieldValue": "web"}
    assert removed["setOpportunityCustomField"]["customField"] == {**stored, "fieldValue": None}
    assert refused["setOpportunityCustomField"] == {
        "errors": [{"code": "NOT_FOUND", "field": "fieldId"}],
        "customField": None,
    }


async def test_one_stage_by_id(gql: GraphQL, user: Person) -> None:
    data = await gql(
        "query($a: ID!, $b: ID!) { a: stage(id: $a) { id title } b: stage(id: $b) { id } }",
        user,
        a=3,
        b=99,
    )

    assert data == {"a": {"id": stage_gid(3), "title": "Suspect"}, "b": None}


async def test_delete_stage_answers_with_the_stage_as_it_was(gql: GraphQL, admin: Person) -> None:
    data = await gql(
        "mutation { deleteStage(input: {id: 1}) { errors { code } deletedStageId "
        "deletedStage { id title sortOrder opportunityCount } } }",
        admin,
    )

    assert data["deleteStage"] == {
        "errors": [],
        "deletedStageId": stage_gid(1),
        "deletedStage": {
            "id": stage_gid(1),
            "title": "Initial contact",
            "sortOrder": 0,
            "opportunityCount": 0,
        },
    }


async def test_value_counts_are_what_the_caller_may_see(
    gql: GraphQL, user: Person, other: Person, admin: Person
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    values = [{"fieldId": source, "value": "web"}]
    await opportunity(gql, as_=user, title="Public", customFields=values)
    await opportunity(
        gql,
        as_=other,
        title="Private",
        customFields=values,
        isPrivate=True,
        accessList=[str(other.id)],
    )
    counts = "{ customFieldDefinitions { id valueCount } }"
    definition = field_gid(source)

    assert (await gql(counts, user))["customFieldDefinitions"] == [
        {"id": definition, "valueCount": 1}
    ]
    assert (await gql(counts, admin))["customFieldDefinitions"] == [
        {"id": definition, "valueCount": 2}
    ]

    deleted = await gql(
        "mutation($id: ID!) { deleteCustomFieldDefinition(input: {id: $id}) { "
        "deletedCustomFieldDefinition { id label valueCount } } }",
        admin,
        id=source,
    )
    assert deleted["deleteCustomFieldDefinition"]["deletedCustomFieldDefinition"] == {
        "id": definition,
        "label": "Source",
        "valueCount": 2,
    }
