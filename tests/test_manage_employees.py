"""createEmployee, issueApiKey and revokeApiKey: who may, and which keys then sign in."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain.keys import caller_for, digest
from tests.conftest import GraphQL, Person, count_rows
from tests.ids import (
    legacy_id,
)

CREATE_EMPLOYEE = """
mutation CreateEmployee($input: CreateEmployeeInput!) {
  createEmployee(input: $input) {
    errors { code field message }
    employee { id displayName title isAdmin }
    apiKey
    keyId
  }
}
"""

ISSUE_KEY = """
mutation IssueKey($input: IssueApiKeyInput!) {
  issueApiKey(input: $input) { errors { code field message } apiKey keyId }
}
"""

REVOKE_KEY = """
mutation RevokeKey($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { errors { code field message } keyId revokedAt }
}
"""


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def keys_of(db: Database, employee_id: uuid.UUID) -> list[dict[str, Any]]:
    async with db.read() as conn:
        result = await conn.execute(
            select(models.api_key_t)
            .where(models.api_key_t.c.employee_id == employee_id)
            .order_by(models.api_key_t.c.id)
        )
        return [dict(row) for row in result.mappings()]


async def issue(gql: GraphQL, as_: Person, employee_id: uuid.UUID) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql(ISSUE_KEY, as_, input={"employeeId": str(employee_id)}))[
        "issueApiKey"
    ]
    return payload


# --- createEmployee -----------------------------------------------------------------------------


async def test_admin_adds_an_employee_whose_key_signs_in(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    # when
    payload = (
        await gql(
            CREATE_EMPLOYEE,
            admin,
            input={"displayName": " Nora New ", "title": "Account manager", "isAdmin": True},
        )
    )["createEmployee"]

    # then
    assert payload["errors"] == []
    employee = payload["employee"]
    assert employee == {
        "id": employee["id"],
        "displayName": "Nora New",
        "title": "Account manager",
        "isAdmin": True,
    }
    new_id = uuid.UUID(str(legacy_id(employee["id"])))
    [key] = await keys_of(db, new_id)
    assert key["id"] == payload["keyId"]
    assert key["digest"] == digest(payload["apiKey"]) != payload["apiKey"]
    caller = await caller_for(db=db, authorization=payload["apiKey"])
    assert caller is not None
    assert (caller.id, caller.display_name, caller.is_admin) == (new_id, "Nora New", True)
    async with db.read() as conn:
        row = (
            (await conn.execute(select(models.employee_t).where(models.employee_t.c.id == new_id)))
            .mappings()
            .one()
        )
    assert (row["created_by"], row["updated_by"]) == (admin.id, admin.id)


async def test_an_employee_is_not_an_admin_unless_asked(gql: GraphQL, admin: Person) -> None:
    payload = (await gql(CREATE_EMPLOYEE, admin, input={"displayName": "Nora"}))["createEmployee"]

    assert (payload["employee"]["isAdmin"], payload["employee"]["title"]) == (False, None)
    caller = await caller_for(db=gql.db, authorization=f"Bearer {payload['apiKey']}")
    assert caller is not None and caller.is_admin is False


@pytest.mark.parametrize(
    ("input_", "expected"),
    [
        pytest.param({"displayName": ""}, [("REQUIRED", "displayName")], id="empty-name"),
        pytest.param({"displayName": "   "}, [("REQUIRED", "displayName")], id="blank-name"),
        pytest.param({"displayName": "x" * 256}, [("TOO_LONG", "displayName")], id="long-name"),
        pytest.param(
            {"displayName": "Nora", "title": "x" * 256}, [("TOO_LONG", "title")], id="long-title"
        ),
    ],
)
async def test_create_refusals(
    gql: GraphQL,
    db: Database,
    admin: Person,
    input_: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    payload = (await gql(CREATE_EMPLOYEE, admin, input=input_))["createEmployee"]

    assert codes(payload) == expected
    assert (payload["employee"], payload["apiKey"], payload["keyId"]) == (None, None, None)
    assert await count_rows(db, models.Employee) == 1
    assert await count_rows(db, models.ApiKey) == 1


async def test_non_admins_may_not_add_employees(gql: GraphQL, db: Database, user: Person) -> None:
    payload = (await gql(CREATE_EMPLOYEE, user, input={"displayName": "Nora", "isAdmin": True}))[
        "createEmployee"
    ]

    assert codes(payload) == [("FORBIDDEN", None)]
    assert payload["apiKey"] is None
    assert await count_rows(db, models.Employee) == 1
    assert await count_rows(db, models.ApiKey) == 1


# --- issueApiKey --------------------------------------------------------------------------------


@pytest.mark.parametrize("issuer", ["admin", "user"], ids=["by-an-admin", "by-the-employee"])
async def test_an_issued_key_signs_in_as_its_employee(
    gql: GraphQL, db: Database, admin: Person, user: Person, issuer: str
) -> None:
    # when
    payload = await issue(gql, {"admin": admin, "user": user}[issuer], user.id)

    # then
    assert payload["errors"] == []
    first, issued = await keys_of(db, user.id)
    assert issued["id"] == payload["keyId"] != first["id"]
    assert issued["digest"] == digest(payload["apiKey"])
    assert issued["prefix"] == payload["apiKey"][:12]
    caller = await caller_for(db=db, authorization=payload["apiKey"])
    assert caller is not None and caller.id == user.id
    # and the first key still signs in
    assert await caller_for(db=db, authorization=user.key) is not None


async def test_a_user_may_not_issue_keys_for_others(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    payload = await issue(gql, user, admin.id)

    assert (payload["apiKey"], payload["keyId"]) == (None, None)
    assert payload["errors"] == [
        {
            "code": "FORBIDDEN",
            "field": "employeeId",
            "message": "Only administrators can issue keys for others.",
        }
    ]
    assert len(await keys_of(db, admin.id)) == 1


async def test_a_key_for_a_missing_employee_is_not_found(
    gql: GraphQL, db: Database, admin: Person
) -> None:
    payload = await issue(gql, admin, uuid.uuid4())

    assert codes(payload) == [("NOT_FOUND", "employeeId")]
    assert await count_rows(db, models.ApiKey) == 1


# --- revokeApiKey -------------------------------------------------------------------------------


@pytest.mark.parametrize("revoker", ["admin", "user"], ids=["by-an-admin", "by-the-owner"])
async def test_a_revoked_key_no_longer_signs_in(
    gql: GraphQL, db: Database, admin: Person, user: Person, revoker: str
) -> None:
    # given: `user` has a second key
    spare = await issue(gql, user, user.id)
    [first] = [k for k in await keys_of(db, user.id) if k["id"] != spare["keyId"]]

    # when
    payload = (
        await gql(REVOKE_KEY, {"admin": admin, "user": user}[revoker], input={"keyId": first["id"]})
    )["revokeApiKey"]

    # then
    assert payload["errors"] == []
    assert payload["keyId"] == first["id"]
    assert payload["revokedAt"] is not None
    assert await caller_for(db=db, authorization=user.key) is None
    assert await caller_for(db=db, authorization=spare["apiKey"]) is not None
    revoked = {k["id"]: k["revoked_at"] for k in await keys_of(db, user.id)}
    assert revoked[spare["keyId"]] is None
    assert revoked[first["id"]] is not None


async def test_revoking_twice_keeps_the_first_revocation(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    [key] = await keys_of(db, user.id)
    first = (await gql(REVOKE_KEY, user, input={"keyId": key["id"]}))["revokeApiKey"]

    # when: the GraphQL fixture keeps the caller, so the revoked key's owner can ask again
    again = (await gql(REVOKE_KEY, user, input={"keyId": key["id"]}))["revokeApiKey"]

    # then
    assert again == first
    assert again["errors"] == []


async def test_a_user_may_not_revoke_others_keys(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    [key] = await keys_of(db, other.id)

    payload = (await gql(REVOKE_KEY, user, input={"keyId": key["id"]}))["revokeApiKey"]

    assert codes(payload) == [("FORBIDDEN", "keyId")]
    assert (payload["keyId"], payload["revokedAt"]) == (None, None)
    assert await caller_for(db=db, authorization=other.key) is not None
    assert (await keys_of(db, other.id))[0]["revoked_at"] is None


async def test_revoking_a_missing_key_is_not_found(gql: GraphQL, admin: Person) -> None:
    payload = (await gql(REVOKE_KEY, admin, input={"keyId": 4242}))["revokeApiKey"]

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "keyId", "message": "The API key is not found."}
    ]


async def test_a_revoked_key_is_refused_over_http(
    gql: GraphQL, client: httpx.AsyncClient, user: Person
) -> None:
    # given
    [key] = await keys_of(gql.db, user.id)
    await gql(REVOKE_KEY, user, input={"keyId": key["id"]})

    # when
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": user.key}
    )

    # then
    assert response.status_code == 401
