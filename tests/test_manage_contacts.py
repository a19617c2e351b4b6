"""updateContact and deleteContact: full replacement, the edit rule, and deals left consistent."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import contact, employee, opportunity
from tests.ids import (
    contact_gid,
    employee_gid,
    legacy_id,
)
from tests.updates import codes, stored

UPDATE_CONTACT = """
mutation UpdateContact($input: UpdateContactInput!) {
  updateContact(input: $input) {
    errors { code field message }
    contact { id displayName isCompany firstName lastName companyName title shareType
              isPrivate canEdit accessList { id } currency { abbreviation } createBy { id } }
  }
}
"""

DELETE_CONTACT = """
mutation DeleteContact($input: DeleteContactInput!) {
  deleteContact(input: $input) { errors { code field message } deletedContactId }
}
"""

DEAL_CONTACTS = """
query Deal($id: ID!) { opportunity(id: $id) { contact { id } members { id } } }
"""


async def contact_row(db: Database, contact_id: int) -> dict[str, Any] | None:
    rows = await stored(db, models.contact_t, id=contact_id)
    return rows[0] if rows else None


async def holders(db: Database, contact_id: int) -> set[uuid.UUID]:
    rows = await stored(db, models.contact_access_t, contact_id=contact_id)
    return {row["employee_id"] for row in rows}


# --- updateContact ------------------------------------------------------------------------------


async def test_update_replaces_a_company(gql: GraphQL, db: Database, user: Person) -> None:
    # given
    acme = await contact(gql, as_=user, companyName="Acme", title="Supplier", currencyAbbr="USD")
    before = await contact_row(db, acme)

    # when: title and currency are omitted, so they are cleared
    payload = (await gql(UPDATE_CONTACT, user, input={"id": acme, "companyName": " Acme Corp "}))[
        "updateContact"
    ]

    # then
    assert payload["errors"] == []
    assert payload["contact"]["displayName"] == "Acme Corp"
    assert (payload["contact"]["title"], payload["contact"]["currency"]) == (None, None)
    row = await contact_row(db, acme)
    assert row is not None and before is not None
    assert (row["company_name"], row["title"], row["currency_abbr"], row["is_company"]) == (
        "Acme Corp",
        None,
        None,
        True,
    )
    assert (row["created_at"], row["created_by"]) == (before["created_at"], user.id)
    assert row["updated_by"] == user.id


async def test_update_replaces_a_person(gql: GraphQL, db: Database, user: Person) -> None:
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")

    payload = (
        await gql(
            UPDATE_CONTACT,
            user,
            input={
                "id": ann,
                "firstName": "Anna",
                "lastName": " Lee-Smith",
                "title": "CTO",
                "currencyAbbr": "eur",
                "shareType": "READ",
            },
        )
    )["updateContact"]

    assert payload["errors"] == []
    assert payload["contact"]["displayName"] == "Anna Lee-Smith"
    assert payload["contact"]["currency"] == {"abbreviation": "EUR"}
    row = await contact_row(db, ann)
    assert row is not None
    assert (
        row["first_name"],
        row["last_name"],
        row["company_name"],
        row["title"],
        row["currency_abbr"],
        row["share_type"],
    ) == ("Anna", "Lee-Smith", None, "CTO", "EUR", 2)


@pytest.mark.parametrize(
    ("kind", "input_", "expected"),
    [
        pytest.param(
            "person",
            {"companyName": "Ann Ltd"},
            [("INVALID", "companyName"), ("REQUIRED", "firstName"), ("REQUIRED", "lastName")],
            id="person-to-company",
        ),
        pytest.param(
            "person",
            {"firstName": "Ann", "lastName": "Lee", "companyName": "Ann Ltd"},
            [("INVALID", "companyName")],
            id="person-with-company-name",
        ),
        pytest.param(
            "company",
            {"firstName": "Ann", "lastName": "Lee"},
            [("INVALID", "firstName"), ("REQUIRED", "companyName")],
            id="company-to-person",
        ),
        pytest.param(
            "company",
            {"companyName": "Acme", "lastName": "Lee"},
            [("INVALID", "lastName")],
            id="company-with-a-last-name",
        ),
        pytest.param("person", {"firstName": "Ann"}, [("REQUIRED", "lastName")], id="no-last"),
        pytest.param(
            "person", {}, [("REQUIRED", "firstName"), ("REQUIRED", "lastName")], id="none"
        ),
        pytest.param("company", {"companyName": "  "}, [("REQUIRED", "companyName")], id="blank"),
        pytest.param(
            "company", {"companyName": "x" * 256}, [("TOO_LONG", "companyName")], id="too-long"
        ),
        pytest.param(
            "person",
            {"firstName": "Ann", "lastName": "Lee", "title": "x" * 256},
            [("TOO_LONG", "title")],
            id="long-title",
        ),
        pytest.param(
            "company",
            {"companyName": "Acme", "currencyAbbr": "zzz"},
            [("NOT_FOUND", "currencyAbbr")],
            id="unknown-currency",
        ),
    ],
)
async def test_update_refusals(
    gql: GraphQL,
    db: Database,
    user: Person,
    kind: str,
    input_: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    # given
    made = {"person": {"firstName": "Ann", "lastName": "Lee"}, "company": {"companyName": "Acme"}}
    contact_id = await contact(gql, as_=user, **made[kind])
    before = await contact_row(db, contact_id)

    # when
    payload = (await gql(UPDATE_CONTACT, user, input={"id": contact_id, **input_}))["updateContact"]

    # then
    assert payload["contact"] is None
    assert codes(payload) == expected
    assert await contact_row(db, contact_id) == before


# --- who may edit or delete ---------------------------------------------------------------------


def update_input(contact_id: int) -> dict[str, Any]:
    return {"id": contact_id, "companyName": "Renamed"}


def delete_input(contact_id: int) -> dict[str, Any]:
    return {"id": contact_id}


OPERATIONS = [
    pytest.param(UPDATE_CONTACT, update_input, id="update"),
    pytest.param(DELETE_CONTACT, delete_input, id="delete"),
]


@pytest.mark.parametrize(("document", "input_"), OPERATIONS)
@pytest.mark.parametrize(
    ("share_type", "code"),
    [
        pytest.param("NONE", "NOT_FOUND", id="private-not-on-list"),
        pytest.param("READ", "FORBIDDEN", id="read-only"),
    ],
)
async def test_a_contact_the_caller_may_not_edit_is_refused(
    gql: GraphQL,
    db: Database,
    user: Person,
    other: Person,
    document: str,
    input_: Any,
    share_type: str,
    code: str,
) -> None:
    # given: `other` owns the contact
    acme = await contact(gql, as_=other, companyName="Acme", shareType=share_type)
    before = await contact_row(db, acme)

    # when
    [payload] = (await gql(document, user, input=input_(acme))).values()

    # then
    assert codes(payload) == [(code, "id")]
    assert await contact_row(db, acme) == before


@pytest.mark.parametrize(("document", "input_"), OPERATIONS)
async def test_a_missing_contact_is_not_found(
    gql: GraphQL, user: Person, document: str, input_: Any
) -> None:
    [payload] = (await gql(document, user, input=input_(4242))).values()

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "id", "message": "The contact is not found."}
    ]


@pytest.mark.parametrize(("document", "input_"), OPERATIONS)
@pytest.mark.parametrize(
    ("share_type", "editor"),
    [
        pytest.param("READ_WRITE", "user", id="shared-read-write"),
        pytest.param("READ", "admin", id="admin-on-read-only"),
        pytest.param("NONE", "admin", id="admin-on-private"),
        pytest.param("NONE", "user", id="on-the-access-list"),
    ],
)
async def test_who_may_edit_may_update_and_delete(
    gql: GraphQL,
    db: Database,
    user: Person,
    other: Person,
    admin: Person,
    document: str,
    input_: Any,
    share_type: str,
    editor: str,
) -> None:
    # given: `other` owns the contact; a private one lists `user`
    acme = await contact(
        gql, as_=other, companyName="Acme", shareType=share_type, accessList=[str(user.id)]
    )

    # when
    [payload] = (
        await gql(document, {"user": user, "admin": admin}[editor], input=input_(acme))
    ).values()

    # then
    assert payload["errors"] == []
    row = await contact_row(db, acme)
    if document is DELETE_CONTACT:
        assert row is None
    else:
        assert row is not None and row["company_name"] == "Renamed"


# --- the access list ----------------------------------------------------------------------------


async def test_a_private_contacts_list_is_replaced_keeping_creator_and_caller(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    # given: `user` made a private contact for `other`
    third = await employee(db, name="Thea Third")
    acme = await contact(
        gql, as_=user, companyName="Acme", shareType="NONE", accessList=[str(other.id)]
    )
    assert await holders(db, acme) == {user.id, other.id}

    # when: the admin replaces `other` by `third` (and a user that does not exist)
    payload = (
        await gql(
            UPDATE_CONTACT,
            admin,
            input={
                "id": acme,
                "companyName": "Acme",
                "shareType": "NONE",
                "accessList": [str(third.id), str(uuid.uuid4()), str(third.id)],
            },
        )
    )["updateContact"]

    # then
    assert payload["errors"] == []
    assert await holders(db, acme) == {third.id, user.id, admin.id}
    assert {legacy_id(e["id"]) for e in payload["contact"]["accessList"]} == {
        str(third.id),
        str(user.id),
        str(admin.id),
    }
    hidden = (await gql(UPDATE_CONTACT, other, input=update_input(acme)))["updateContact"]
    assert codes(hidden) == [("NOT_FOUND", "id")]


async def test_sharing_a_private_contact_drops_its_list(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    acme = await contact(
        gql, as_=user, companyName="Acme", shareType="NONE", accessList=[str(other.id)]
    )

    payload = (
        await gql(
            UPDATE_CONTACT,
            user,
            input={
                "id": acme,
                "companyName": "Acme",
                "shareType": "READ",
                "accessList": [str(other.id)],
            },
        )
    )["updateContact"]

    assert (payload["contact"]["isPrivate"], payload["contact"]["accessList"]) == (False, [])
    assert await holders(db, acme) == set()


async def test_making_a_shared_contact_private_keeps_its_creator_and_the_caller(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given: `other` made a shared read-write contact
    acme = await contact(gql, as_=other, companyName="Acme")

    # when: `user` makes it private with an empty list
    payload = (
        await gql(
            UPDATE_CONTACT, user, input={"id": acme, "companyName": "Acme", "shareType": "NONE"}
        )
    )["updateContact"]

    # then
    assert payload["contact"]["isPrivate"] is True
    assert await holders(db, acme) == {other.id, user.id}


# --- deleteContact ------------------------------------------------------------------------------


async def test_deleting_a_contact_unlinks_it_from_deals(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given: Acme is the primary contact (and so a member) of one deal and a member of another
    acme = await contact(gql, as_=user, companyName="Acme")
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    primary = await opportunity(gql, as_=user, contactId=acme, members=[ann])
    member = await opportunity(gql, as_=user, contactId=ann, members=[acme])
    assert len(await stored(db, models.member_t, contact_id=acme)) == 2

    # when
    payload = (await gql(DELETE_CONTACT, user, input={"id": acme}))["deleteContact"]

    # then
    assert payload == {"errors": [], "deletedContactId": contact_gid(acme)}
    assert await contact_row(db, acme) is None
    assert await stored(db, models.member_t, contact_id=acme) == []
    assert len(await stored(db, models.member_t, contact_id=ann)) == 2
    deals = {row["id"]: row["contact_id"] for row in await stored(db, models.opportunity_t)}
    assert deals == {primary: None, member: ann}
    assert (await gql(DEAL_CONTACTS, user, id=primary))["opportunity"] == {
        "contact": None,
        "members": [{"id": contact_gid(ann)}],
    }
    assert (await gql(DEAL_CONTACTS, user, id=member))["opportunity"] == {
        "contact": {"id": contact_gid(ann)},
        "members": [{"id": contact_gid(ann)}],
    }


async def test_deleting_a_private_contact_deletes_its_list(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    acme = await contact(
        gql, as_=user, companyName="Acme", shareType="NONE", accessList=[str(other.id)]
    )

    payload = (await gql(DELETE_CONTACT, user, input={"id": acme}))["deleteContact"]

    assert payload["deletedContactId"] == contact_gid(acme)
    assert await stored(db, models.contact_access_t) == []


async def test_a_refused_delete_leaves_the_deals_alone(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given: a read-only contact of `other`, primary contact of a deal
    acme = await contact(gql, as_=other, companyName="Acme", shareType="READ")
    deal_id = await opportunity(gql, as_=other, contactId=acme)

    # when
    payload = (await gql(DELETE_CONTACT, user, input={"id": acme}))["deleteContact"]

    # then
    assert payload == {
        "errors": [{"code": "FORBIDDEN", "field": "id", "message": "Access Denied"}],
        "deletedContactId": None,
    }
    assert await contact_row(db, acme) is not None
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [acme]
    [row] = await stored(db, models.opportunity_t, id=deal_id)
    assert row["contact_id"] == acme


TWO_UPDATES = """
mutation Twice($first: UpdateContactInput!, $second: UpdateContactInput!) {
  first: updateContact(input: $first) { contact { accessList { id } } }
  second: updateContact(input: $second) { contact { accessList { id } } }
}
"""


async def test_each_update_in_one_request_shows_what_it_stored(
    gql: GraphQL, user: Person, other: Person
) -> None:
    # given
    acme = await contact(gql, as_=user, companyName="Acme", shareType="NONE")
    private = {"id": acme, "companyName": "Acme", "shareType": "NONE"}

    # when: the second update would show the first one's list if loaders outlived a write
    data = await gql(
        TWO_UPDATES, user, first=private, second={**private, "accessList": [str(other.id)]}
    )

    # then
    assert data["first"]["contact"]["accessList"] == [{"id": employee_gid(user.id)}]
    assert {legacy_id(e["id"]) for e in data["second"]["contact"]["accessList"]} == {
        str(user.id),
        str(other.id),
    }
