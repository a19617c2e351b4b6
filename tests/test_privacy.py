"""Private opportunities are invisible to outsiders on every path, counts included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, employee, opportunity_via_domain
from tests.ids import (
    contact_gid,
    opportunity_gid,
    stage_gid,
)

STAGE = 4

EVERY_PATH = """
query Paths($id: ID!, $contact: ID!) {
  opportunity(id: $id) { id }
  opportunities(first: 100) { totalCount edges { node { id } } }
  byStage: opportunities(filter: {stageId: 4}) { totalCount }
  searched: opportunities(filter: {search: "secret"}) { totalCount edges { node { id } } }
  stages { id opportunityCount }
  contact(id: $contact) {
    opportunities(first: 10) { totalCount edges { node { id } } }
  }
}
"""


@pytest.fixture
async def cast_(db: Database, gql: GraphQL, user: Person, admin: Person) -> dict[str, Any]:
    reader = await employee(db, name="Rob Reader")
    outsider = await employee(db, name="Olga Outsider")
    responsible = await employee(db, name="Rita Responsible")
    acme = await contact(gql, as_=user, companyName="Acme")
    secret = await opportunity_via_domain(
        db,
        as_=user,
        title="Secret merger",
        responsible_id=responsible.id,
        stage_id=STAGE,
        contact_id=acme,
        is_private=True,
        access_list=[reader.id],
    )
    public = await opportunity_via_domain(
        db,
        as_=user,
        title="Public deal",
        responsible_id=responsible.id,
        stage_id=STAGE,
        contact_id=acme,
    )
    return {
        "people": {
            "admin": admin,
            "creator": user,
            "reader": reader,
            "outsider": outsider,
            "responsible": responsible,
        },
        "secret": secret,
        "public": public,
        "acme": acme,
    }


@pytest.mark.parametrize(
    ("who", "sees_secret"),
    [
        pytest.param("admin", True, id="admin"),
        pytest.param("creator", True, id="creator-on-list"),
        pytest.param("reader", True, id="access-list-member"),
        pytest.param("outsider", False, id="outsider"),
        pytest.param("responsible", False, id="responsible-not-on-list"),
    ],
)
async def test_every_query_path(
    gql: GraphQL, cast_: dict[str, Any], who: str, sees_secret: bool
) -> None:
    data = await gql(EVERY_PATH, cast_["people"][who], id=cast_["secret"], contact=cast_["acme"])

    visible = [cast_["public"], cast_["secret"]] if sees_secret else [cast_["public"]]
    visible = [opportunity_gid(deal) for deal in visible]
    count = len(visible)
    assert (data["opportunity"] is not None) is sees_secret
    assert sorted(e["node"]["id"] for e in data["opportunities"]["edges"]) == sorted(visible)
    assert data["opportunities"]["totalCount"] == count
    assert data["byStage"]["totalCount"] == count
    assert data["searched"]["totalCount"] == (1 if sees_secret else 0)
    assert {s["id"]: s["opportunityCount"] for s in data["stages"]}[stage_gid(STAGE)] == count
    through_contact = data["contact"]["opportunities"]
    assert through_contact["totalCount"] == count
    assert sorted(e["node"]["id"] for e in through_contact["edges"]) == sorted(visible)


async def test_hidden_contacts_do_not_show_as_members(
    db: Database,
    gql: GraphQL,
    client: httpx.AsyncClient,
    user: Person,
    other: Person,
    admin: Person,
) -> None:
    # given: a deal (created by an admin) whose members include a contact private to `other`
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")
    shown = await contact(gql, as_=user, companyName="Shown")
    mixed = await opportunity_via_domain(
        db,
        as_=admin,
        title="Mixed",
        responsible_id=user.id,
        stage_id=STAGE,
        members=[hidden, shown],
    )
    query = "query($id: ID!) { opportunity(id: $id) { members { id } } }"

    # then: each caller sees only the members they may read
    as_user = await gql(query, user, id=mixed)
    as_other = await gql(query, other, id=mixed)
    assert [m["id"] for m in as_user["opportunity"]["members"]] == [contact_gid(shown)]
    assert [m["id"] for m in as_other["opportunity"]["members"]] == [
        contact_gid(hidden),
        contact_gid(shown),
    ]

    # and the legacy route's output drops them the same way
    response = await client.post(
        "/api/2.0/crm/opportunity",
        json={
            "title": "Via legacy",
            "responsibleid": str(user.id),
            "stageid": STAGE,
            "bidCurrencyAbbr": "EUR",
            "members": [hidden, shown],
        },
        headers={"Authorization": user.key},
    )
    assert [m["id"] for m in response.json()["response"]["members"]] == [shown]


async def test_outsider_cannot_read_a_private_contact(
    gql: GraphQL, user: Person, other: Person
) -> None:
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")

    data = await gql(
        "query($id: ID!) { contact(id: $id) { id } contacts { totalCount } }", user, id=hidden
    )

    assert data == {"contact": None, "contacts": {"totalCount": 0}}
