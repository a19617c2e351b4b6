"""setOpportunityStage, set(Opportunity|Opportunities)Access, add/removeOpportunityMember and
setOpportunityCustomField: the original's smaller deal routes, checked in storage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.db import models
from app.db.engine import Database
from app.domain import opportunity_changes
from tests.conftest import GraphQL, Person, count_rows
from tests.factories import contact, custom_field, opportunity, private_opportunity
from tests.updates import codes, row_of, stored

# The records as the stored rows name them: their databaseIds (the global ids are checked in
# tests/test_global_ids.py), aliased as id to read like the rows.
SHOWN = """
  id: databaseId successProbability actualCloseDate isPrivate stage { id: databaseId }
  accessList { id: databaseId } contact { id: databaseId } members { id: databaseId }
  customFields { fieldId: fieldDatabaseId fieldValue }
"""

SET_STAGE = (
    """
mutation SetStage($input: SetOpportunityStageInput!) {
  setOpportunityStage(input: $input) { errors { code field message } opportunity { %s } }
}
"""
    % SHOWN
)

SET_ACCESS = (
    """
mutation SetAccess($input: SetOpportunityAccessInput!) {
  setOpportunityAccess(input: $input) { errors { code field message } opportunity { %s } }
}
"""
    % SHOWN
)

SET_ACCESS_MANY = (
    """
mutation SetAccessMany($input: SetOpportunitiesAccessInput!) {
  setOpportunitiesAccess(input: $input) { errors { code field message } opportunities { %s } }
}
"""
    % SHOWN
)

ADD_MEMBER = (
    """
mutation AddMember($input: AddOpportunityMemberInput!) {
  addOpportunityMember(input: $input) { errors { code field message } opportunity { %s } }
}
"""
    % SHOWN
)

REMOVE_MEMBER = (
    """
mutation RemoveMember($input: RemoveOpportunityMemberInput!) {
  removeOpportunityMember(input: $input) { errors { code field message } opportunity { %s } }
}
"""
    % SHOWN
)

SET_FIELD = (
    """
mutation SetField($input: SetOpportunityCustomFieldInput!) {
  setOpportunityCustomField(input: $input) { errors { code field message } opportunity { %s } }
}
"""
    % SHOWN
)

NEGOTIATIONS, WON, LOST = 7, 8, 9  # seeded stage ids follow spec 5.2
DEAL_TABLES = (
    models.opportunity_t,
    models.member_t,
    models.access_t,
    models.field_value_t,
    models.notification_t,
)


async def run(gql: GraphQL, document: str, as_: Person, **input_: Any) -> dict[str, Any]:
    data = await gql(document, as_, input=input_)
    [payload] = data.values()
    return dict(payload)


async def snapshot(db: Database) -> dict[str, list[str]]:
    """Everything stored about deals, to compare before and after a refusal."""
    return {
        t.name: sorted(repr(sorted(r.items())) for r in await stored(db, t)) for t in DEAL_TABLES
    }


async def holders(db: Database, deal_id: int) -> set[Any]:
    return {r["employee_id"] for r in await stored(db, models.access_t, opportunity_id=deal_id)}


SEES_THE_DEAL = [
    pytest.param("creator", True, id="creator"),
    pytest.param("reader", True, id="access-list-member"),
    pytest.param("admin", True, id="admin"),
    pytest.param("responsible", False, id="responsible-not-on-list"),
    pytest.param("outsider", False, id="outsider"),
]
NOT_FOUND = {"code": "NOT_FOUND", "field": "id", "message": "The opportunity is not found."}


def forbid_editing(monkeypatch: pytest.MonkeyPatch) -> None:
    """canEdit says no. By spec 7 everyone who can see a deal may edit it, so this is forced."""
    monkeypatch.setattr(opportunity_changes, "can_edit_opportunity", lambda *_, **__: False)


# --- setOpportunityStage --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage_id", "probability", "closed"),
    [
        pytest.param(NEGOTIATIONS, 90, False, id="open"),
        pytest.param(WON, 100, True, id="won"),
        pytest.param(LOST, 0, True, id="lost"),
    ],
)
async def test_stage_sets_probability_and_close_date(
    gql: GraphQL, db: Database, user: Person, stage_id: int, probability: int, closed: bool
) -> None:
    # given: a deal with its own probability and close date
    deal_id = await opportunity(
        gql, as_=user, successProbability=33, actualCloseDate="2020-01-01T00:00:00Z"
    )
    before = datetime.now(UTC)

    # when
    payload = await run(gql, SET_STAGE, user, id=deal_id, stageId=stage_id)

    # then
    assert payload["errors"] == []
    shown = payload["opportunity"]
    assert (shown["stage"]["id"], shown["successProbability"]) == (stage_id, probability)
    row = await row_of(db, deal_id)
    assert (row["stage_id"], row["success_probability"]) == (stage_id, probability)
    if closed:
        assert before <= row["actual_close_date"] <= datetime.now(UTC)
        assert datetime.fromisoformat(shown["actualCloseDate"]) == row["actual_close_date"]
    else:
        assert row["actual_close_date"] is None
        assert shown["actualCloseDate"] is None
    assert row["updated_by"] == user.id


@pytest.mark.parametrize("stage_id", [999, 0], ids=["unknown", "zero"])
async def test_unknown_stage_is_not_found(
    gql: GraphQL, db: Database, user: Person, stage_id: int
) -> None:
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)

    payload = await run(gql, SET_STAGE, user, id=deal_id, stageId=stage_id)

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "stageId", "message": "Deal milestone is not found"}
    ]
    assert await snapshot(db) == before


@pytest.mark.parametrize(("who", "allowed"), SEES_THE_DEAL)
async def test_stage_of_a_private_deal(
    gql: GraphQL, db: Database, user: Person, admin: Person, who: str, allowed: bool
) -> None:
    cast = await private_opportunity(gql, db, creator=user)
    before = await snapshot(db)

    payload = await run(gql, SET_STAGE, cast.who(who, admin), id=cast.id, stageId=WON)

    if allowed:
        assert payload["errors"] == []
        assert (await row_of(db, cast.id))["stage_id"] == WON
    else:
        assert payload["errors"] == [NOT_FOUND]
        assert await snapshot(db) == before


async def test_stage_of_a_deal_the_caller_may_not_edit_is_not_found(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)
    forbid_editing(monkeypatch)

    payload = await run(gql, SET_STAGE, user, id=deal_id, stageId=WON)

    assert payload["errors"] == [NOT_FOUND]
    assert await snapshot(db) == before


# --- setOpportunityAccess -------------------------------------------------------------------------


async def test_the_creator_makes_a_deal_private_without_notices(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    # given: `admin` is responsible, not on the list
    deal_id = await opportunity(gql, as_=user, responsibleId=str(admin.id))

    # when
    payload = await run(
        gql, SET_ACCESS, user, id=deal_id, isPrivate=True, accessList=[str(other.id)] * 2
    )

    # then: the creator is added, the responsible is not, no one is notified
    assert payload["errors"] == []
    assert payload["opportunity"]["isPrivate"] is True
    assert {e["id"] for e in payload["opportunity"]["accessList"]} == {str(other.id), str(user.id)}
    assert await holders(db, deal_id) == {other.id, user.id}
    assert (await row_of(db, deal_id))["is_private"] is True
    assert await count_rows(db, models.Notification) == 0


async def test_an_admin_replaces_the_list_and_is_added_as_the_caller(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    cast = await private_opportunity(gql, db, creator=user)

    payload = await run(
        gql, SET_ACCESS, admin, id=cast.id, isPrivate=True, accessList=[str(cast.responsible.id)]
    )

    assert payload["errors"] == []
    assert await holders(db, cast.id) == {cast.responsible.id, admin.id}
    assert (await row_of(db, cast.id))["updated_by"] == admin.id


@pytest.mark.parametrize(
    "input_",
    [
        pytest.param({"isPrivate": False, "accessList": ["READER"]}, id="not-private"),
        pytest.param({"isPrivate": True, "accessList": []}, id="private-without-list"),
        pytest.param({}, id="omitted"),
    ],
)
async def test_a_deal_becomes_public_unless_private_with_a_list(
    gql: GraphQL, db: Database, user: Person, input_: dict[str, Any]
) -> None:
    cast = await private_opportunity(gql, db, creator=user)
    if input_.get("accessList") == ["READER"]:
        input_ = {**input_, "accessList": [str(cast.reader.id)]}

    payload = await run(gql, SET_ACCESS, user, id=cast.id, **input_)

    assert payload["errors"] == []
    assert payload["opportunity"]["isPrivate"] is False
    assert payload["opportunity"]["accessList"] == []
    assert await holders(db, cast.id) == set()
    assert (await row_of(db, cast.id))["is_private"] is False


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param("reader", "FORBIDDEN", id="access-list-member"),
        pytest.param("responsible", "NOT_FOUND", id="responsible-not-on-list"),
        pytest.param("outsider", "NOT_FOUND", id="outsider"),
    ],
)
async def test_only_admins_and_the_creator_change_access(
    gql: GraphQL, db: Database, user: Person, admin: Person, who: str, expected: str
) -> None:
    cast = await private_opportunity(gql, db, creator=user)
    before = await snapshot(db)

    payload = await run(gql, SET_ACCESS, cast.who(who, admin), id=cast.id, isPrivate=False)

    assert codes(payload) == [(expected, "id")]
    assert payload["opportunity"] is None
    assert await snapshot(db) == before


async def test_a_public_deal_of_someone_else_is_forbidden(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)

    payload = await run(
        gql, SET_ACCESS, other, id=deal_id, isPrivate=True, accessList=[str(other.id)]
    )

    assert payload["errors"] == [
        {
            "code": "FORBIDDEN",
            "field": "id",
            "message": "Only administrators and the deal's creator can change who may see it.",
        }
    ]
    assert await snapshot(db) == before


# --- setOpportunitiesAccess -----------------------------------------------------------------------


async def test_batch_access_changes_the_callers_deals_and_skips_the_rest(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given: two deals of `user`, a public one of `other`, a private one `user` cannot see
    mine = [
        await opportunity(gql, as_=user),
        await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)]),
    ]
    theirs = await opportunity(gql, as_=other)
    hidden = await opportunity(gql, as_=other, isPrivate=True, accessList=[str(other.id)])
    hidden_before = await holders(db, hidden)

    # when
    payload = await run(
        gql,
        SET_ACCESS_MANY,
        user,
        ids=[mine[1], theirs, hidden, 4242, mine[0]],
        isPrivate=True,
        accessList=[str(other.id)],
    )

    # then: the changed deals, in the order listed; the others untouched
    assert payload["errors"] == []
    assert [d["id"] for d in payload["opportunities"]] == [mine[1], mine[0]]
    assert all(d["isPrivate"] for d in payload["opportunities"])
    for deal_id in mine:
        assert await holders(db, deal_id) == {other.id, user.id}
    assert (await row_of(db, theirs))["is_private"] is False
    assert await holders(db, hidden) == hidden_before
    assert await count_rows(db, models.Notification) == 0


async def test_admin_batch_makes_deals_public(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    ids = [
        await opportunity(gql, as_=u, isPrivate=True, accessList=[str(u.id)]) for u in (user, other)
    ]

    payload = await run(gql, SET_ACCESS_MANY, admin, ids=ids)

    assert [(d["id"], d["isPrivate"]) for d in payload["opportunities"]] == [
        (ids[0], False),
        (ids[1], False),
    ]
    assert await count_rows(db, models.OpportunityAccess) == 0


async def test_batch_access_of_no_ids_changes_nothing(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # when: no ids, as the original's SetAccessToBatchDeal takes them (a no-op)
    payload = await run(gql, SET_ACCESS_MANY, user, ids=[], isPrivate=True)

    # then
    assert codes(payload) == []
    assert payload["opportunities"] == []
    assert await count_rows(db, models.OpportunityAccess) == 0


# --- addOpportunityMember / removeOpportunityMember -----------------------------------------------


async def test_add_member_is_idempotent(gql: GraphQL, db: Database, user: Person) -> None:
    # given
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    deal_id = await opportunity(gql, as_=user, contactId=acme)

    # when
    first = await run(gql, ADD_MEMBER, user, id=deal_id, contactId=ann)
    again = await run(gql, ADD_MEMBER, user, id=deal_id, contactId=ann)

    # then
    assert first["errors"] == [] and again["errors"] == []
    assert [m["id"] for m in again["opportunity"]["members"]] == [acme, ann]
    assert sorted(r["contact_id"] for r in await stored(db, models.member_t)) == [acme, ann]


async def test_remove_member_takes_out_even_the_primary_contact(
    gql: GraphQL, db: Database, user: Person
) -> None:
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    deal_id = await opportunity(gql, as_=user, contactId=acme, members=[ann])

    payload = await run(gql, REMOVE_MEMBER, user, id=deal_id, contactId=acme)

    assert payload["errors"] == []
    assert [m["id"] for m in payload["opportunity"]["members"]] == [ann]
    assert payload["opportunity"]["contact"] == {"id": acme}
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [ann]
    assert (await row_of(db, deal_id))["contact_id"] == acme


async def test_removing_a_contact_that_is_not_a_member_changes_nothing(
    gql: GraphQL, db: Database, user: Person
) -> None:
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    deal_id = await opportunity(gql, as_=user, contactId=acme)

    payload = await run(gql, REMOVE_MEMBER, user, id=deal_id, contactId=ann)

    assert payload["errors"] == []
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [acme]


@pytest.mark.parametrize("document", [ADD_MEMBER, REMOVE_MEMBER], ids=["add", "remove"])
async def test_member_of_an_unknown_or_hidden_contact_is_not_found(
    gql: GraphQL, db: Database, user: Person, other: Person, document: str
) -> None:
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")
    deal_id = await opportunity(gql, as_=other, contactId=hidden)
    before = await snapshot(db)

    refused = [await run(gql, document, user, id=deal_id, contactId=cid) for cid in (hidden, 4242)]

    for payload in refused:
        assert payload["errors"] == [
            {"code": "NOT_FOUND", "field": "contactId", "message": "The contact is not found."}
        ]
    assert await snapshot(db) == before


@pytest.mark.parametrize("document", [ADD_MEMBER, REMOVE_MEMBER], ids=["add", "remove"])
@pytest.mark.parametrize(("who", "allowed"), SEES_THE_DEAL)
async def test_members_of_a_private_deal(
    gql: GraphQL,
    db: Database,
    user: Person,
    admin: Person,
    document: str,
    who: str,
    allowed: bool,
) -> None:
    # given: a private deal whose primary contact is a shared company
    acme = await contact(gql, as_=user)
    cast = await private_opportunity(gql, db, creator=user, contactId=acme)
    if document == ADD_MEMBER:
        await run(gql, REMOVE_MEMBER, user, id=cast.id, contactId=acme)
    before = await snapshot(db)

    # when
    payload = await run(gql, document, cast.who(who, admin), id=cast.id, contactId=acme)

    # then
    if allowed:
        assert payload["errors"] == []
        expected = [acme] if document == ADD_MEMBER else []
        assert [r["contact_id"] for r in await stored(db, models.member_t)] == expected
    else:
        assert payload["errors"] == [NOT_FOUND]
        assert await snapshot(db) == before


@pytest.mark.parametrize("document", [ADD_MEMBER, REMOVE_MEMBER], ids=["add", "remove"])
async def test_members_of_a_deal_the_caller_may_not_edit_are_forbidden(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch, document: str
) -> None:
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)
    forbid_editing(monkeypatch)

    payload = await run(gql, document, user, id=deal_id, contactId=acme)

    assert payload["errors"] == [{"code": "FORBIDDEN", "field": "id", "message": "Access Denied"}]
    assert await snapshot(db) == before


# --- setOpportunityCustomField --------------------------------------------------------------------


async def test_custom_field_is_set_replaced_and_cleared(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    # given
    source = await custom_field(gql, as_=admin, label="Source")
    deal_id = await opportunity(gql, as_=user)

    # when / then: set, trimmed
    payload = await run(gql, SET_FIELD, user, id=deal_id, fieldId=source, value="  web ")
    assert payload["errors"] == []
    assert payload["opportunity"]["customFields"] == [{"fieldId": source, "fieldValue": "web"}]
    # when / then: replaced
    await run(gql, SET_FIELD, user, id=deal_id, fieldId=source, value="fair")
    assert [r["value"] for r in await stored(db, models.field_value_t)] == ["fair"]
    # when / then: an empty value removes it, unlike in a create or update
    payload = await run(gql, SET_FIELD, user, id=deal_id, fieldId=source, value="  ")
    assert payload["opportunity"]["customFields"] == []
    assert await stored(db, models.field_value_t) == []
    # and clearing what is not set is no error
    payload = await run(gql, SET_FIELD, user, id=deal_id, fieldId=source)
    assert payload["errors"] == []


async def test_custom_field_must_be_an_opportunity_field(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    birthday = await custom_field(gql, as_=admin, label="Birthday", entityType="CONTACT")
    deal_id = await opportunity(gql, as_=user)

    refused = [
        await run(gql, SET_FIELD, user, id=deal_id, fieldId=fid, value="x")
        for fid in (birthday, 4242)
    ]

    for payload in refused:
        assert payload["errors"] == [
            {"code": "NOT_FOUND", "field": "fieldId", "message": "The custom field is not found."}
        ]
    assert await stored(db, models.field_value_t) == []


async def test_custom_field_lists_both_refusals(gql: GraphQL, user: Person) -> None:
    payload = await run(gql, SET_FIELD, user, id=4242, fieldId=4242, value="x")

    assert codes(payload) == [("NOT_FOUND", "id"), ("NOT_FOUND", "fieldId")]


@pytest.mark.parametrize(("who", "allowed"), SEES_THE_DEAL)
async def test_custom_field_of_a_private_deal(
    gql: GraphQL, db: Database, user: Person, admin: Person, who: str, allowed: bool
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    cast = await private_opportunity(gql, db, creator=user)
    before = await snapshot(db)

    payload = await run(gql, SET_FIELD, cast.who(who, admin), id=cast.id, fieldId=source, value="x")

    if allowed:
        assert payload["errors"] == []
        assert [r["value"] for r in await stored(db, models.field_value_t)] == ["x"]
    else:
        assert payload["errors"] == [NOT_FOUND]
        assert await snapshot(db) == before


async def test_custom_field_needs_no_right_to_edit(
    gql: GraphQL, db: Database, user: Person, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: as the original, setting one value checks only that the deal can be seen
    source = await custom_field(gql, as_=admin, label="Source")
    deal_id = await opportunity(gql, as_=user)
    forbid_editing(monkeypatch)

    payload = await run(gql, SET_FIELD, user, id=deal_id, fieldId=source, value="x")

    assert payload["errors"] == []
    assert [r["value"] for r in await stored(db, models.field_value_t)] == ["x"]
