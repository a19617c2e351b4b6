"""A legacy client's day, through the legacy routes only, checked after every step through GraphQL.

It signs in as the original's clients do, then creates, reads, moves, shares and deletes an
opportunity; GraphQL, with the same token, sees every change.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.db.engine import Database
from app.domain.signin import set_password
from tests.conftest import Person

CRM = "/api/2.0/crm"
PASSWORD = "correct horse battery"
# A legacy client reading through GraphQL keeps its integer ids: databaseId, aliased as id.
SEEN = """
query Seen($id: ID!) {
  opportunity(id: $id) {
    id: databaseId title successProbability actualCloseDate isPrivate
    stage { id: databaseId } accessList { displayName }
  }
}
"""


async def graphql(client: httpx.AsyncClient, token: str, deal_id: int) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": SEEN, "variables": {"id": deal_id}},
        headers={"Authorization": token},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["opportunity"]


async def test_a_legacy_client_signs_in_creates_reads_moves_shares_and_deletes(
    client: httpx.AsyncClient, db: Database, user: Person, other: Person
) -> None:
    # given: Uma has a sign-in name and password
    await set_password(db=db, employee_id=user.id, user_name="uma", password=PASSWORD)

    # when: she signs in as the original's clients do (a form)
    signed = await client.post(
        "/api/2.0/authentication.json", data={"userName": "uma", "password": PASSWORD}
    )
    # then
    assert signed.status_code == 201
    token = signed.json()["response"]["token"]
    auth = {"Authorization": token}

    # when: she creates an opportunity
    created = await client.post(
        f"{CRM}/opportunity.json",
        json={
            "title": "Flow",
            "responsibleid": str(user.id),
            "stageid": 3,
            "bidCurrencyAbbr": "eur",
            "successProbability": 10,
        },
        headers=auth,
    )
    # then
    assert created.status_code == 200, created.text
    deal_id = created.json()["response"]["id"]
    assert await graphql(client, token, deal_id) == {
        "id": deal_id,
        "title": "Flow",
        "successProbability": 10,
        "actualCloseDate": None,
        "isPrivate": False,
        "stage": {"id": 3},
        "accessList": [],
    }

    # when: she reads it back
    read = await client.get(f"{CRM}/opportunity/{deal_id}.json", headers=auth)
    # then: the same deal, as the create answered it but for the stored description
    assert read.status_code == 200
    assert read.json()["response"] == {**created.json()["response"], "description": ""}

    # when: she moves it to the won stage, as the original's web client does (stageid too)
    moved = await client.put(
        f"{CRM}/opportunity/{deal_id}/stage/8.json", json={"stageid": 8}, headers=auth
    )
    # then: the stage's probability, and a close date
    assert moved.status_code == 200, moved.text
    assert moved.json()["response"]["stage"]["id"] == 8
    seen = await graphql(client, token, deal_id)
    assert (seen["stage"], seen["successProbability"]) == ({"id": 8}, 100)
    assert seen["actualCloseDate"] is not None

    # when: she shares it with Otto only (and herself, as the creator)
    shared = await client.put(
        f"{CRM}/opportunity/{deal_id}/access",
        data={"isPrivate": "true", "accessList[]": str(other.id)},
        headers=auth,
    )
    # then
    assert shared.status_code == 200, shared.text
    assert shared.json()["response"]["isPrivate"] is True
    seen = await graphql(client, token, deal_id)
    assert seen["isPrivate"] is True
    assert seen["accessList"] == [{"displayName": "Otto Other"}, {"displayName": "Uma User"}]

    # when: she deletes it
    deleted = await client.delete(f"{CRM}/opportunity/{deal_id}", headers=auth)
    # then: the deal as it was, and gone everywhere
    assert deleted.status_code == 200
    assert deleted.json()["response"]["id"] == deal_id
    assert await graphql(client, token, deal_id) is None
    assert (await client.get(f"{CRM}/opportunity/{deal_id}", headers=auth)).status_code == 404
