"""A legacy client's whole deal workflow with Basic authentication and legacy routes only.

It finds itself (people/@self) and its colleagues (people), creates a contact, creates deals
on it, pages the filter, moves a deal's stage and deletes it; after every step GraphQL, asked
with the same Basic credentials, sees the same.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from app.db.engine import Database
from app.domain.signin import set_password
from tests.conftest import Person

API = "/api/2.0"
CRM = f"{API}/crm"
PASSWORD = "correct horse battery"
SEEN = """
query Seen($deal: ID!, $contact: ID!) {
  me { databaseId }
  employees { databaseId }
  contact(id: $contact) { databaseId displayName isShared }
  opportunity(id: $deal) { databaseId title contact { databaseId } stage { databaseId } }
  opportunities(filter: {contactId: $contact}) { totalCount }
}
"""


class Client:
    """A legacy client sending `Authorization: Basic` with every request."""

    def __init__(self, http: httpx.AsyncClient, name: str, password: str) -> None:
        token = base64.b64encode(f"{name}:{password}".encode()).decode()
        self.http = http
        self.auth = {"Authorization": f"Basic {token}"}

    async def legacy(self, method: str, path: str, status: int = 200, **request: Any) -> Any:
        response = await self.http.request(method, path, headers=self.auth, **request)
        assert response.status_code == status, response.text
        return response.json()

    async def graphql(self, deal: int = 0, contact: int = 0) -> Any:
        response = await self.http.post(
            "/graphql",
            json={"query": SEEN, "variables": {"deal": deal, "contact": contact}},
            headers=self.auth,
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


async def test_a_basic_client_finds_itself_creates_pages_moves_and_deletes(
    client: httpx.AsyncClient, db: Database, user: Person, other: Person
) -> None:
    # given: Uma has a sign-in name and password, and no token
    await set_password(db=db, employee_id=user.id, user_name="uma", password=PASSWORD)
    uma = Client(client, "uma", PASSWORD)

    # when: she finds herself, and the people she could make responsible
    me = (await uma.legacy("GET", f"{API}/people/@self.json"))["response"]
    people = (await uma.legacy("GET", f"{API}/people"))["response"]
    # then: GraphQL knows them by the same ids
    seen = await uma.graphql()
    assert me["id"] == seen["me"]["databaseId"] == str(user.id)
    assert [p["id"] for p in people] == [e["databaseId"] for e in seen["employees"]]
    assert {str(user.id), str(other.id)} <= {p["id"] for p in people}

    # when: she creates a company to sell to
    company = await uma.legacy(
        "POST", f"{CRM}/contact/company", 201, json={"companyName": "Flow Ltd", "shareType": 1}
    )
    contact_id = company["response"]["id"]
    # then: GraphQL sees it, and the legacy filter finds it
    seen = await uma.graphql(contact=contact_id)
    assert seen["contact"] == {
        "databaseId": contact_id,
        "displayName": "Flow Ltd",
        "isShared": True,
    }
    found = await uma.legacy("GET", f"{CRM}/contact/filter", params={"filterValue": "flow"})
    assert [c["id"] for c in found["response"]] == [contact_id]

    # when: she creates two deals on it, in her own charge
    deals = []
    for title in ("Alpha", "Beta"):
        created = await uma.legacy(
            "POST",
            f"{CRM}/opportunity",
            json={
                "title": title,
                "responsibleid": me["id"],
                "stageid": 3,
                "bidCurrencyAbbr": "EUR",
                "contactid": contact_id,
            },
        )
        deals.append(created["response"]["id"])
    # then
    seen = await uma.graphql(deal=deals[0], contact=contact_id)
    assert seen["opportunity"]["contact"] == {"databaseId": contact_id}
    assert seen["opportunities"]["totalCount"] == 2

    # when: she pages the filter by the contact, one deal a page
    query = {"contactid": contact_id, "sortBy": "title", "count": 1}
    first = await uma.legacy("GET", f"{CRM}/opportunity/filter", params=query)
    second = await uma.legacy("GET", f"{CRM}/opportunity/filter", params={**query, "startIndex": 1})
    # then: Alpha, then Beta, with the original's paging fields
    assert [d["title"] for d in first["response"]] == ["Alpha"]
    assert (first["nextIndex"], first["total"]) == (2, 2)
    assert [d["title"] for d in second["response"]] == ["Beta"]
    assert (second["startIndex"], second["total"], "nextIndex" in second) == (1, 2, False)

    # when: she moves Alpha to the won stage
    moved = await uma.legacy("PUT", f"{CRM}/opportunity/{deals[0]}/stage/8", json={"stageid": 8})
    # then
    assert moved["response"]["stage"]["id"] == 8
    seen = await uma.graphql(deal=deals[0], contact=contact_id)
    assert seen["opportunity"]["stage"] == {"databaseId": 8}

    # when: she deletes it
    deleted = await uma.legacy("DELETE", f"{CRM}/opportunity/{deals[0]}")
    # then: gone from both APIs; the contact and the other deal stay
    assert deleted["response"]["id"] == deals[0]
    seen = await uma.graphql(deal=deals[0], contact=contact_id)
    assert seen["opportunity"] is None
    assert seen["opportunities"]["totalCount"] == 1
    await uma.legacy("GET", f"{CRM}/opportunity/{deals[0]}", 404)
    contact = await uma.legacy("GET", f"{CRM}/contact/{contact_id}")
    assert contact["response"]["displayName"] == "Flow Ltd"
