"""Id arguments take the global id of the right type or the legacy id, through one decoder;
anything else names no record, on reads and on changes alike (issue 16)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.db.engine import Database
from app.db.models import Opportunity as OpportunityRow
from app.graphql.ids import NO_EMPLOYEE, NO_RECORD, decode_employee, decode_int, key
from tests.conftest import GraphQL, Person, count_rows
from tests.factories import contact, opportunity
from tests.ids import (
    contact_gid,
    employee_gid,
    global_id,
    opportunity_gid,
    stage_gid,
)

READ = "query($id: ID!) { opportunity(id: $id) { databaseId title } }"

UPDATE = """
mutation($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { code field } opportunity { version } }
}
"""

CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code field } opportunity { databaseId } }
}
"""

ADD_MEMBER = """
mutation($input: AddOpportunityMemberInput!) {
  addOpportunityMember(input: $input) { errors { code field } }
}
"""

DELETE = """
mutation($input: DeleteOpportunityInput!) {
  deleteOpportunity(input: $input) { errors { code field } deletedOpportunities { id } }
}
"""

FILTERED = """
query($filter: OpportunityFilter) { opportunities(filter: $filter) { totalCount } }
"""


def test_the_decoder_takes_global_ids_of_its_type_and_legacy_integers() -> None:
    assert decode_int(global_id("Opportunity", 42), "Opportunity") == 42
    assert decode_int(42, "Opportunity") == 42
    assert decode_int("42", "Opportunity") == 42
    # legacy integers keep their legacy meanings (0: none, negative: refused by the domain)
    assert decode_int(0, "Contact") == 0
    assert decode_int("-3", "Stage") == -3
    # names nothing
    assert decode_int(global_id("Contact", 42), "Opportunity") is None  # another type
    assert decode_int(global_id("Opportunity", 0), "Opportunity") is None  # no record has it
    assert decode_int(global_id("Opportunity", "x1"), "Opportunity") is None
    assert decode_int(global_id("Opportunity", 2**31), "Opportunity") is None
    assert decode_int(2**31, "Opportunity") is None  # past 32 bits
    assert decode_int("4.2", "Opportunity") is None
    assert decode_int("T3Bwb3J0dW5pdHk6NDI", "Opportunity") is None  # padding cut off
    assert decode_int("", "Opportunity") is None
    assert decode_int(True, "Opportunity") is None
    assert key("garbage", "Opportunity") == NO_RECORD


def test_the_employee_decoder_takes_global_ids_and_uuids() -> None:
    someone = uuid.uuid4()

    assert decode_employee(global_id("Employee", someone)) == someone
    assert decode_employee(str(someone)) == someone
    assert decode_employee(global_id("Contact", someone)) is None
    assert decode_employee(global_id("Employee", "nobody")) is None
    assert decode_employee("nobody") is None
    assert NO_EMPLOYEE.version is None and NO_EMPLOYEE.int != 0  # never made, not the nil one


@pytest.mark.parametrize(
    ("given", "found"),
    [
        pytest.param("global", True, id="global-id"),
        pytest.param("int", True, id="int"),
        pytest.param("decimal", True, id="decimal-string"),
        pytest.param("contact-global", False, id="global-id-of-another-type"),
        pytest.param("garbage", False, id="garbage"),
        pytest.param("huge", False, id="past-32-bits"),
    ],
)
async def test_a_read_by_id_finds_the_deal_or_answers_null(
    gql: GraphQL, user: Person, given: str, found: bool
) -> None:
    deal = await opportunity(gql, as_=user, title="Found")
    ids: dict[str, Any] = {
        "global": opportunity_gid(deal),
        "int": deal,
        "decimal": str(deal),
        "contact-global": contact_gid(deal),
        "garbage": "%%%",
        "huge": 2**40,
    }

    shown = (await gql(READ, user, id=ids[given]))["opportunity"]

    assert shown == ({"databaseId": deal, "title": "Found"} if found else None)


@pytest.mark.parametrize(
    "wrong", [pytest.param("contact", id="global-id-of-another-type"), "garbage"]
)
async def test_a_change_by_a_wrong_id_is_not_found_and_writes_nothing(
    db: Database, gql: GraphQL, user: Person, wrong: str
) -> None:
    # given
    deal = await opportunity(gql, as_=user, title="Kept")
    acme = await contact(gql, as_=user, companyName="Acme")
    bad = contact_gid(deal) if wrong == "contact" else "no such id"

    # when
    updated = await gql(UPDATE, user, input={"id": bad, "title": "Changed"})
    member = await gql(
        ADD_MEMBER, user, input={"id": opportunity_gid(deal), "contactId": opportunity_gid(acme)}
    )
    deleted = await gql(DELETE, user, input={"id": bad})

    # then: the errors a missing id gets, and the deal as it was
    assert updated["updateOpportunity"] == {
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
        "opportunity": None,
    }
    assert member["addOpportunityMember"]["errors"] == [{"code": "NOT_FOUND", "field": "contactId"}]
    assert deleted["deleteOpportunity"] == {
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
        "deletedOpportunities": [],
    }
    after = await gql(
        "query($id: ID!) { opportunity(id: $id) { title version members { id } } }",
        user,
        id=opportunity_gid(deal),
    )
    assert after["opportunity"] == {"title": "Kept", "version": 1, "members": []}
    assert await count_rows(db, OpportunityRow) == 1


async def test_a_create_naming_records_by_wrong_ids_is_refused_with_not_found(
    db: Database, gql: GraphQL, user: Person
) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    values = {"title": "Refused", "bidCurrencyAbbr": "EUR"}

    refused = await gql(
        CREATE,
        user,
        input={
            **values,
            "responsibleId": contact_gid(acme),  # a contact is no employee
            "stageId": opportunity_gid(1),
            "contactId": "garbage",
        },
    )

    assert sorted((e["field"], e["code"]) for e in refused["createOpportunity"]["errors"]) == [
        ("contactId", "NOT_FOUND"),
        ("responsibleId", "NOT_FOUND"),
        ("stageId", "NOT_FOUND"),
    ]
    assert refused["createOpportunity"]["opportunity"] is None
    assert await count_rows(db, OpportunityRow) == 0


async def test_a_create_takes_global_and_legacy_ids_alike(gql: GraphQL, user: Person) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    values = {"title": "Made", "bidCurrencyAbbr": "EUR"}

    by_global = await gql(
        CREATE,
        user,
        input={
            **values,
            "responsibleId": employee_gid(user.id),
            "stageId": stage_gid(2),
            "contactId": contact_gid(acme),
        },
    )
    by_legacy = await gql(
        CREATE,
        user,
        input={**values, "responsibleId": str(user.id), "stageId": "2", "contactId": acme},
    )

    for created in (by_global, by_legacy):
        assert created["createOpportunity"]["errors"] == []
        shown = await gql(
            "query($id: ID!) { opportunity(id: $id) { stage { databaseId } contact { databaseId } "
            "responsible { databaseId } } }",
            user,
            id=created["createOpportunity"]["opportunity"]["databaseId"],
        )
        assert shown["opportunity"] == {
            "stage": {"databaseId": 2},
            "contact": {"databaseId": acme},
            "responsible": {"databaseId": str(user.id)},
        }


async def test_filters_take_global_and_legacy_ids_and_match_nothing_for_wrong_ones(
    gql: GraphQL, user: Person
) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    await opportunity(gql, as_=user, stageId=2, contactId=acme)
    await opportunity(gql, as_=user, stageId=3)

    async def total(**filter_: Any) -> int:
        return int((await gql(FILTERED, user, filter=filter_))["opportunities"]["totalCount"])

    assert await total(stageId=stage_gid(2)) == await total(stageId=2) == 1
    assert await total(contactId=contact_gid(acme)) == await total(contactId=str(acme)) == 1
    assert await total(responsibleId=employee_gid(user.id)) == 2
    assert await total(responsibleId=str(user.id)) == 2
    assert await total(stageId=contact_gid(2)) == 0
    assert await total(stageId="garbage") == 0
    assert await total(responsibleId=contact_gid(acme)) == 0
