"""A hidden thing is indistinguishable from a missing one: on replays and as a filter."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import GraphQL, Person
from tests.factories import contact, legacy_opportunity_body, opportunity_input

MISSING_CONTACT = 987_654
CREATE = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { errors { code field message } opportunity { id title } }
}
"""
SHARE = """
mutation($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) { errors { code } }
}
"""
DELETE = """
mutation($id: ID!) { deleteOpportunity(input: {id: $id}) { errors { code } } }
"""
BY_CONTACT = """
query($contact: ID!, $also: Boolean!) {
  opportunities(filter: {contactId: $contact, contactAlsoMember: $also}) {
    totalCount edges { node { id } }
  }
}
"""


async def test_a_replay_shows_nothing_to_a_caller_who_lost_access(
    gql: GraphQL, admin: Person, user: Person, other: Person
) -> None:
    # given: other creates a deal under a key, then an admin shares it with the user alone
    made = await gql(
        CREATE, other, input=opportunity_input(responsible=other, idempotencyKey="k-1")
    )
    hidden_id = made["createOpportunity"]["opportunity"]["id"]
    shared = {"id": hidden_id, "isPrivate": True, "accessList": [str(user.id)]}
    assert (await gql(SHARE, admin, input=shared))["setOpportunityAccess"]["errors"] == []
    # and: a second deal, created under another key and then deleted
    gone = await gql(
        CREATE, other, input=opportunity_input(responsible=other, idempotencyKey="k-2")
    )
    await gql(DELETE, admin, id=gone["createOpportunity"]["opportunity"]["id"])

    # when: other replays both creates
    hidden = await gql(
        CREATE, other, input=opportunity_input(responsible=other, idempotencyKey="k-1")
    )
    deleted = await gql(
        CREATE, other, input=opportunity_input(responsible=other, idempotencyKey="k-2")
    )

    # then: the hidden deal answers exactly as the deleted one does
    assert hidden["createOpportunity"]["opportunity"] is None
    assert hidden["createOpportunity"]["errors"] == deleted["createOpportunity"]["errors"]
    assert hidden["createOpportunity"]["errors"][0]["code"] == "CONFLICT"


async def test_the_legacy_replay_of_a_hidden_deal_answers_as_a_deleted_one(
    gql: GraphQL, client: httpx.AsyncClient, admin: Person, user: Person, other: Person
) -> None:
    # given: two legacy creates under keys; one deal becomes hidden to its creator, one is deleted
    body = legacy_opportunity_body(responsible=other, title="Legacy")
    ids = {}
    for key in ("L-1", "L-2"):
        first = await client.post(
            "/api/2.0/crm/opportunity",
            json=body,
            headers={"Authorization": other.key, "Idempotency-Key": key},
        )
        ids[key] = first.json()["response"]["id"]
    shared = {"id": ids["L-1"], "isPrivate": True, "accessList": [str(user.id)]}
    await gql(SHARE, admin, input=shared)
    await gql(DELETE, admin, id=ids["L-2"])

    # when
    replays = [
        await client.post(
            "/api/2.0/crm/opportunity",
            json=body,
            headers={"Authorization": other.key, "Idempotency-Key": key},
        )
        for key in ("L-1", "L-2")
    ]

    # then
    hidden, deleted = replays
    assert (hidden.status_code, hidden.content) == (deleted.status_code, deleted.content)
    assert hidden.status_code == 422


@pytest.mark.parametrize("also_member", [False, True])
async def test_a_hidden_contact_filters_as_a_missing_one(
    gql: GraphQL, user: Person, other: Person, also_member: bool
) -> None:
    # given: a public deal whose primary contact is private to the user
    private = await contact(gql, as_=user, firstName="Pat", lastName="Private", shareType="NONE")
    made = await gql(CREATE, user, input=opportunity_input(responsible=user, contactId=private))
    assert made["createOpportunity"]["errors"] == []

    # when: someone who cannot read the contact filters by it, and by a contact that never was
    hidden = await gql(BY_CONTACT, other, contact=private, also=also_member)
    missing = await gql(BY_CONTACT, other, contact=MISSING_CONTACT, also=also_member)
    owner = await gql(BY_CONTACT, user, contact=private, also=also_member)

    # then
    assert hidden == missing == {"opportunities": {"totalCount": 0, "edges": []}}
    assert owner["opportunities"]["totalCount"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/crm/opportunity/filter?contactid={id}",
        "/api/2.0/crm/opportunity/filter?contactid={id}&contactAlsoIsParticipant=true",
        "/api/2.0/crm/opportunity/bycontact/{id}",
    ],
)
async def test_legacy_contact_filters_answer_a_hidden_contact_byte_for_byte_as_a_missing_one(
    gql: GraphQL, client: httpx.AsyncClient, user: Person, other: Person, path: str
) -> None:
    # given
    private = await contact(gql, as_=user, firstName="Pat", lastName="Private", shareType="NONE")
    await gql(CREATE, user, input=opportunity_input(responsible=user, contactId=private))

    # when
    hidden = await client.get(path.format(id=private), headers={"Authorization": other.key})
    missing = await client.get(
        path.format(id=MISSING_CONTACT), headers={"Authorization": other.key}
    )

    # then
    assert hidden.status_code == missing.status_code == 200
    assert hidden.content == missing.content
