"""Every list an answer can hold has a cap, enforced where it is written; inputs are bounded."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.db import models
from app.db.engine import Database
from app.domain import (
    bounds,
    custom_fields,
    employees,
    opportunity_access,
    opportunity_changes,
    stages,
)
from tests.conftest import GraphQL, Person, count_rows, nothing_written
from tests.factories import contact, opportunity, opportunity_input

CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code field message } opportunity { id } }
}
"""
ADD_MEMBER = """
mutation($input: AddOpportunityMemberInput!) {
  addOpportunityMember(input: $input) { errors { code field message } }
}
"""
DELETE_MATCHING = """
mutation($input: DeleteOpportunitiesInput!) {
  deleteOpportunities(input: $input) { errors { code field message } deletedOpportunities { id } }
}
"""
CREATE_STAGE = """
mutation($input: CreateStageInput!) { createStage(input: $input) { errors { code message } } }
"""
CREATE_FIELD = """
mutation($input: CreateCustomFieldDefinitionInput!) {
  createCustomFieldDefinition(input: $input) { errors { code message } }
}
"""
ADD_EMPLOYEE = """
mutation($input: CreateEmployeeInput!) { createEmployee(input: $input) { errors { code message } } }
"""
LIST = """
query($filter: OpportunityFilter, $orderBy: [OpportunityOrder!]) {
  opportunities(filter: $filter, orderBy: $orderBy) { totalCount }
}
"""


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e.get("field")) for e in payload["errors"]]


async def test_more_members_than_a_deal_holds_are_refused(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given: the cap's worth of member ids, plus a primary contact that is not among them
    primary = await contact(gql, as_=user)
    members = list(range(10_000, 10_000 + bounds.MAX_MEMBERS))

    # when
    data = await gql(
        CREATE, user, input=opportunity_input(responsible=user, contactId=primary, members=members)
    )

    # then
    assert codes(data["createOpportunity"]) == [("TOO_LONG", "members")]
    assert await nothing_written(db)


async def test_an_access_list_longer_than_the_cap_is_refused(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given: the cap's worth of other people; the creator makes one more
    others = [str(uuid.uuid4()) for _ in range(bounds.MAX_ACCESS_LIST)]

    # when
    data = await gql(
        CREATE, user, input=opportunity_input(responsible=user, isPrivate=True, accessList=others)
    )

    # then
    assert codes(data["createOpportunity"]) == [("TOO_LONG", "accessList")]
    assert await nothing_written(db)


async def test_adding_a_member_to_a_full_deal_is_refused(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a deal with two members where two is the cap
    monkeypatch.setattr(opportunity_changes, "MAX_MEMBERS", 2)
    first, second, third = [await contact(gql, as_=user, companyName=f"C{i}") for i in range(3)]
    deal_id = await opportunity(gql, as_=user, contactId=first, members=[second])

    # when
    data = await gql(ADD_MEMBER, user, input={"id": deal_id, "contactId": third})

    # then
    assert codes(data["addOpportunityMember"]) == [("TOO_LONG", "contactId")]
    assert await count_rows(db, models.OpportunityMember) == 2


async def test_a_filtered_delete_matching_more_than_a_batch_deletes_nothing(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: three deals where a batch is two
    monkeypatch.setattr(opportunity_access, "MAX_BATCH", 2)
    for _ in range(3):
        await opportunity(gql, as_=user)

    # when
    data = await gql(DELETE_MATCHING, user, input={"filter": {}})

    # then
    assert codes(data["deleteOpportunities"]) == [("TOO_LONG", "filter")]
    assert await count_rows(db, models.Opportunity) == 3


async def test_a_batch_naming_too_many_deals_is_refused(
    gql: GraphQL, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setattr(bounds, "MAX_BATCH", 2)

    # when
    data = await gql(DELETE_MATCHING, user, input={"ids": [1, 2, 3]})

    # then
    assert codes(data["deleteOpportunities"]) == [("TOO_LONG", "ids")]


@pytest.mark.parametrize(
    ("module", "cap", "document", "input_", "field"),
    [
        pytest.param(
            stages,
            "MAX_STAGES",
            CREATE_STAGE,
            {"title": "Tenth", "color": "#ff0000"},
            "createStage",
            id="stages",
        ),
        pytest.param(
            custom_fields,
            "MAX_FIELD_DEFINITIONS",
            CREATE_FIELD,
            {"label": "One too many"},
            "createCustomFieldDefinition",
            id="custom-fields",
        ),
        pytest.param(
            employees,
            "MAX_EMPLOYEES",
            ADD_EMPLOYEE,
            {"displayName": "One too many"},
            "createEmployee",
            id="employees",
        ),
    ],
)
async def test_reference_tables_stop_at_their_cap(
    gql: GraphQL,
    admin: Person,
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    cap: str,
    document: str,
    input_: dict[str, Any],
    field: str,
) -> None:
    # given: the cap set to what the table holds (9 seeded stages, no fields, one employee)
    held = {"MAX_STAGES": 9, "MAX_FIELD_DEFINITIONS": 0, "MAX_EMPLOYEES": 1}[cap]
    monkeypatch.setattr(module, cap, held)

    # when
    data = await gql(document, admin, input=input_)

    # then
    assert [e["code"] for e in data[field]["errors"]] == ["TOO_LONG"]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        pytest.param({"filter": {"search": "word " * 11}}, "search", id="words"),
        pytest.param({"filter": {"search": "x" * 201}}, "search", id="length"),
        pytest.param({"orderBy": [{"field": "TITLE"}] * 9}, "orderBy", id="order-terms"),
    ],
)
async def test_list_arguments_beyond_their_bounds_are_coded_errors(
    gql: GraphQL, user: Person, variables: dict[str, Any], field: str
) -> None:
    # when
    result = await gql.raw(LIST, user, **variables)

    # then
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors] == ["TOO_LONG"]


async def test_a_legacy_search_of_five_hundred_words_is_a_400(
    client: httpx.AsyncClient, user: Person
) -> None:
    # when
    response = await client.get(
        "/api/2.0/crm/opportunity/filter",
        params={"filterValue": " ".join(f"w{i}" for i in range(500))},
        headers={"Authorization": user.key},
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "A search has at most 200 characters."
