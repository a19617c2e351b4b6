"""Every GraphQL operation needs an API key; the IDE page does not."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from app.db import models
from app.db.engine import Database
from tests.conftest import Person
from tests.ids import (
    employee_gid,
)

ME = {"query": "{ me { id displayName } }"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": ""}, id="empty"),
        pytest.param({"Authorization": "Bearer "}, id="bearer-without-key"),
        pytest.param({"Authorization": "crm_not-a-key"}, id="unknown-key"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic"),
    ],
)
async def test_operation_without_a_valid_key_gets_401(
    client: httpx.AsyncClient, user: Person, headers: dict[str, str]
) -> None:
    response = await client.post("/graphql", json=ME, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "scheme", ["", "Bearer ", "bearer "], ids=["raw", "bearer", "lowercase-bearer"]
)
async def test_key_is_accepted_raw_or_as_bearer(
    client: httpx.AsyncClient, user: Person, scheme: str
) -> None:
    response = await client.post("/graphql", json=ME, headers={"Authorization": scheme + user.key})

    assert response.status_code == 200
    assert response.json() == {
        "data": {"me": {"id": employee_gid(user.id), "displayName": "Uma User"}}
    }


async def test_get_query_needs_a_key_too(client: httpx.AsyncClient, user: Person) -> None:
    anonymous = await client.get("/graphql", params=ME)
    signed = await client.get("/graphql", params=ME, headers={"Authorization": user.key})

    assert anonymous.status_code == 401
    assert signed.json()["data"]["me"]["id"] == employee_gid(user.id)


async def test_revoked_key_gets_401(client: httpx.AsyncClient, db: Database, user: Person) -> None:
    async with db.write() as conn:
        await conn.execute(update(models.api_key_t).values(revoked_at=models.utcnow()))

    response = await client.post("/graphql", json=ME, headers={"Authorization": user.key})

    assert response.status_code == 401


async def test_ide_page_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
