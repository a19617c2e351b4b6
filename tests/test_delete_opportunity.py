"""deleteOpportunity and deleteOpportunities: the original's DELETE and batch PUT, in storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain import opportunity_changes
from app.domain.errors import DomainError, ErrorCode
from app.domain.idempotency import Idempotency
from app.domain.opportunities import NewOpportunity, create_opportunity
from tests.conftest import GraphQL, Person, count_rows
from tests.factories import contact, custom_field, employee, opportunity
from tests.graphql_documents import OPPORTUNITY
from tests.ids import (
    contact_gid,
    opportunity_gid,
)

DELETED_FIELDS = """
  id title isPrivate bidValue successProbability
  contact { id } members { id } accessList { id } customFields { id fieldValue }
"""

DELETE_OPPORTUNITY = (
    """
mutation Delete($input: DeleteOpportunityInput!) {
  deleteOpportunity(input: $input) {
    errors { code field message }
    deletedOpportunities { %s }
  }
}
"""
    % DELETED_FIELDS
)

DELETE_OPPORTUNITIES = (
    """
mutation DeleteMany($input: DeleteOpportunitiesInput!) {
  deleteOpportunities(input: $input) {
    errors { code field message }
    deletedOpportunities { %s }
  }
}
"""
    % DELETED_FIELDS
)

EVERY_DEAL_TABLE = (
    models.Opportunity,
    models.OpportunityMember,
    models.OpportunityAccess,
    models.OpportunityCustomField,
    models.Notification,
)


async def delete_one(gql: GraphQL, as_: Person, deal_id: int) -> dict[str, Any]:
    return (await gql(DELETE_OPPORTUNITY, as_, input={"id": deal_id}))["deleteOpportunity"]


async def delete_many(gql: GraphQL, as_: Person, ids: list[int]) -> dict[str, Any]:
    return (await gql(DELETE_OPPORTUNITIES, as_, input={"ids": ids}))["deleteOpportunities"]


async def stored_ids(db: Database) -> list[int]:
    async with db.read() as conn:
        result = await conn.execute(select(models.opportunity_t.c.id).order_by("id"))
        return list(result.scalars())


async def counts(db: Database) -> list[int]:
    return [await count_rows(db, model) for model in EVERY_DEAL_TABLE]


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# --- deleteOpportunity ----------------------------------------------------------------------------


async def test_delete_takes_every_part_of_the_deal_and_returns_it_as_it_was(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    # given: a private deal with members, access list, a value and a queued notice
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    source = await custom_field(gql, as_=admin, label="Source")
    await custom_field(gql, as_=admin, label="Details", fieldType="HEADING")
    deal_id = await opportunity(
        gql,
        as_=user,
        bidValue="1500",
        successProbability=20,
        contactId=acme,
        members=[ann],
        customFields=[{"fieldId": source, "value": "web"}],
        isPrivate=True,
        isNotify=True,
        accessList=[str(other.id)],
    )
    kept = await opportunity(gql, as_=user, contactId=acme)
    assert all(n > 0 for n in await counts(db))

    # when
    payload = await delete_one(gql, user, deal_id)

    # then: the deal as it was; its parts are gone, so they show empty, the contact stays
    assert payload["errors"] == []
    assert payload["deletedOpportunities"] == [
        {
            "id": opportunity_gid(deal_id),
            "title": "Pilot",
            "isPrivate": True,
            "bidValue": "1500.000000000",
            "successProbability": 20,
            "contact": {"id": contact_gid(acme)},
            "members": [],
            "accessList": [],
            "customFields": [],
        }
    ]
    # and only the other deal and its member remain; the contacts are untouched
    assert await stored_ids(db) == [kept]
    assert await counts(db) == [1, 1, 0, 0, 0]
    assert await count_rows(db, models.Contact) == 2
    assert (await gql(OPPORTUNITY, user, id=deal_id))["opportunity"] is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        pytest.param("creator", True, id="creator"),
        pytest.param("reader", True, id="access-list-member"),
        pytest.param("admin", True, id="admin"),
        pytest.param("responsible", False, id="responsible-not-on-list"),
        pytest.param("outsider", False, id="outsider"),
    ],
)
async def test_a_private_deal_is_deleted_only_by_those_who_see_it(
    gql: GraphQL, db: Database, user: Person, admin: Person, who: str, allowed: bool
) -> None:
    # given
    people = {
        "creator": user,
        "admin": admin,
        "responsible": await employee(db, name="Rita Responsible"),
        "reader": await employee(db, name="Rob Reader"),
        "outsider": await employee(db, name="Olga Outsider"),
    }
    deal_id = await opportunity(
        gql,
        as_=user,
        responsibleId=str(people["responsible"].id),
        isPrivate=True,
        accessList=[str(people["reader"].id)],
    )
    before = await counts(db)

    # when
    payload = await delete_one(gql, people[who], deal_id)

    # then
    if allowed:
        assert payload["errors"] == []
        assert [d["id"] for d in payload["deletedOpportunities"]] == [opportunity_gid(deal_id)]
        assert await stored_ids(db) == []
    else:
        assert payload["errors"] == [
            {"code": "NOT_FOUND", "field": "id", "message": "The opportunity is not found."}
        ]
        assert payload["deletedOpportunities"] == []
        assert await counts(db) == before


async def test_anyone_may_delete_a_public_deal(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await delete_one(gql, other, deal_id)

    assert payload["errors"] == []
    assert await stored_ids(db) == []


async def test_unknown_deal_is_not_found(gql: GraphQL, user: Person) -> None:
    payload = await delete_one(gql, user, 4242)

    assert codes(payload) == [("NOT_FOUND", "id")]


async def test_cannot_delete_is_forbidden(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: canDelete (= canEdit) forced to no; by spec 7 everyone who sees a deal may edit it
    deal_id = await opportunity(gql, as_=user)
    monkeypatch.setattr(opportunity_changes, "can_edit_opportunity", lambda *_, **__: False)

    # when
    payload = await delete_one(gql, user, deal_id)

    # then
    assert payload["errors"] == [{"code": "FORBIDDEN", "field": "id", "message": "Access Denied"}]
    assert await stored_ids(db) == [deal_id]


async def test_a_create_key_outlives_its_deleted_deal_and_is_not_replayed(
    db: Database, user: Person
) -> None:
    # given: a deal created under an idempotency key
    assert user.caller.key_id is not None
    key = Idempotency(key="k-1", api_key_id=user.caller.key_id, ttl=timedelta(hours=1))
    new = NewOpportunity(title="Pilot", responsible_id=user.id, stage_id=1, bid_currency_abbr="EUR")
    created = await create_opportunity(db=db, caller=user.caller, new=new, idempotency=key)

    # when
    await opportunity_changes.delete_opportunity(
        db=db, caller=user.caller, opportunity_id=created["id"]
    )

    # then: the key stays (FK ON DELETE SET NULL), and a retry does not bring the deal back
    async with db.read() as conn:
        [record] = (await conn.execute(select(models.idempotency_t))).mappings().all()
    assert record["opportunity_id"] is None
    with pytest.raises(DomainError) as refused:
        await create_opportunity(db=db, caller=user.caller, new=new, idempotency=key)
    assert [e.code for e in refused.value.errors] == [ErrorCode.CONFLICT]
    assert await count_rows(db, models.Opportunity) == 0


# --- deleteOpportunities --------------------------------------------------------------------------


async def test_batch_deletes_what_it_may_and_skips_the_rest_silently(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given: two public deals, one private deal `user` cannot see, and an unknown id
    first = await opportunity(gql, as_=user, title="First")
    second = await opportunity(gql, as_=other, title="Second")
    hidden = await opportunity(
        gql, as_=other, title="Hidden", isPrivate=True, accessList=[str(other.id)]
    )

    # when: listed out of order, with a repeat
    payload = await delete_many(gql, user, [second, 4242, hidden, first, second])

    # then: the deleted deals, in the order listed
    assert payload["errors"] == []
    assert [d["title"] for d in payload["deletedOpportunities"]] == ["Second", "First"]
    assert await stored_ids(db) == [hidden]


async def test_batch_with_nothing_deletable_deletes_nothing(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    hidden = await opportunity(gql, as_=other, isPrivate=True, accessList=[str(other.id)])

    payload = await delete_many(gql, user, [hidden, 4242])

    assert payload == {"errors": [], "deletedOpportunities": []}
    assert await stored_ids(db) == [hidden]


async def test_batch_skips_deals_the_caller_may_not_edit(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal_id = await opportunity(gql, as_=user)
    monkeypatch.setattr(opportunity_changes, "can_edit_opportunity", lambda *_, **__: False)

    payload = await delete_many(gql, user, [deal_id])

    assert payload == {"errors": [], "deletedOpportunities": []}
    assert await stored_ids(db) == [deal_id]


async def test_batch_needs_ids(gql: GraphQL, db: Database, user: Person) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await delete_many(gql, user, [])

    assert codes(payload) == [("REQUIRED", "ids")]
    assert payload["deletedOpportunities"] == []
    assert await stored_ids(db) == [deal_id]


async def test_admin_batch_deletes_private_deals_with_their_parts(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    acme = await contact(gql, as_=other)
    ids = [
        await opportunity(gql, as_=other, contactId=acme, isPrivate=True, accessList=[str(user.id)])
        for _ in range(3)
    ]

    payload = await delete_many(gql, admin, ids)

    assert [d["id"] for d in payload["deletedOpportunities"]] == [opportunity_gid(i) for i in ids]
    assert await counts(db) == [0, 0, 0, 0, 0]
