"""createContact and createCustomFieldDefinition: what a client sets up before creating deals."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person, count_rows
from tests.graphql_documents import CREATE_CONTACT, CREATE_FIELD
from tests.ids import (
    employee_gid,
    field_gid,
)


async def test_person_and_company_contacts(gql: GraphQL, db: Database, user: Person) -> None:
    person = await gql(
        CREATE_CONTACT, user, input={"firstName": "Ann", "lastName": "Lee", "currencyAbbr": "usd"}
    )
    company = await gql(CREATE_CONTACT, user, input={"companyName": "Acme"})

    ann = person["createContact"]["contact"]
    acme = company["createContact"]["contact"]
    assert (ann["displayName"], ann["isCompany"], ann["currency"]) == (
        "Ann Lee",
        False,
        {"abbreviation": "USD"},
    )
    assert (acme["displayName"], acme["isCompany"], acme["shareType"]) == (
        "Acme",
        True,
        "READ_WRITE",
    )
    assert acme["smallFotoUrl"] == (
        f"/Products/CRM/HttpHandlers/filehandler.ashx?action=contactphotoulr&cid={acme['databaseId']}&isc=True&ps=1"
    )
    assert ann["mediumFotoUrl"].endswith("&isc=False&ps=2")
    assert await count_rows(db, models.Contact) == 2


@pytest.mark.parametrize(
    ("input_", "expected"),
    [
        pytest.param({}, [("REQUIRED", "companyName")], id="nothing"),
        pytest.param({"firstName": "Ann"}, [("REQUIRED", "lastName")], id="first-name-only"),
        pytest.param(
            {"firstName": "Ann", "lastName": "Lee", "companyName": "Acme"},
            [("INVALID", "companyName")],
            id="both",
        ),
        pytest.param({"companyName": "x" * 256}, [("TOO_LONG", "companyName")], id="too-long"),
        pytest.param(
            {"companyName": "Acme", "currencyAbbr": "zzz"},
            [("NOT_FOUND", "currencyAbbr")],
            id="currency",
        ),
    ],
)
async def test_contact_refusals(
    gql: GraphQL,
    db: Database,
    user: Person,
    input_: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    payload = (await gql(CREATE_CONTACT, user, input=input_))["createContact"]

    assert [(e["code"], e["field"]) for e in payload["errors"]] == expected
    assert payload["contact"] is None
    assert await count_rows(db, models.Contact) == 0


async def test_private_contact_is_seen_by_its_list_and_creator_only(
    gql: GraphQL, user: Person, other: Person, admin: Person
) -> None:
    payload = (
        await gql(CREATE_CONTACT, user, input={"companyName": "Secret", "shareType": "NONE"})
    )["createContact"]
    contact = payload["contact"]

    assert (contact["isPrivate"], contact["isShared"]) == (True, False)
    assert [e["id"] for e in contact["accessList"]] == [employee_gid(user.id)]
    assert (contact["canEdit"], contact["canDelete"]) == (True, True)


async def test_only_admins_define_custom_fields(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    refused = (await gql(CREATE_FIELD, user, input={"label": "Source"}))[
        "createCustomFieldDefinition"
    ]
    first = (await gql(CREATE_FIELD, admin, input={"label": "Source"}))[
        "createCustomFieldDefinition"
    ]
    second = (
        await gql(
            CREATE_FIELD,
            admin,
            input={"label": " Budget ", "fieldType": "SELECT_BOX", "mask": '["a"]'},
        )
    )["createCustomFieldDefinition"]

    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert first["customFieldDefinition"]["position"] == 1
    assert second["customFieldDefinition"] == {
        "id": field_gid(second["customFieldDefinition"]["databaseId"]),
        "databaseId": second["customFieldDefinition"]["databaseId"],
        "label": "Budget",
        "fieldType": "SELECT_BOX",
        "position": 2,
        "mask": '["a"]',
        "entityType": "OPPORTUNITY",
    }
    assert await count_rows(db, models.CustomFieldDefinition) == 2
    listed = await gql("{ customFieldDefinitions { label } }", user)
    assert listed == {"customFieldDefinitions": [{"label": "Source"}, {"label": "Budget"}]}


async def test_reference_queries(gql: GraphQL, user: Person) -> None:
    data = await gql(
        "{ currencies { abbreviation } stages { title sortOrder } me { displayName } }", user
    )

    assert len(data["currencies"]) == 74
    assert data["currencies"][0]["abbreviation"] == "AED"
    assert [s["sortOrder"] for s in data["stages"]] == list(range(9))
    assert data["me"] == {"displayName": "Uma User"}
