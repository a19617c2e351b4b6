"""updateOpportunity on a deal's members, custom-field values, access list and notifications."""

from __future__ import annotations

import pytest

from app.db import models
from app.db.engine import Database
from app.domain import opportunities
from tests.conftest import GraphQL, Person
from tests.factories import (
    contact,
    custom_field,
    opportunity,
    opportunity_input,
    private_opportunity,
)
from tests.ids import (
    contact_gid,
)
from tests.updates import (
    row_of,
    stored,
    update,
)


async def test_members_are_kept_when_omitted(gql: GraphQL, db: Database, user: Person) -> None:
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    deal_id = await opportunity(gql, as_=user, contactId=acme, members=[ann])

    payload = await update(gql, user, deal_id, **opportunity_input(responsible=user))

    assert payload["errors"] == []
    assert sorted(r["contact_id"] for r in await stored(db, models.member_t)) == sorted([acme, ann])


@pytest.mark.parametrize("members", [None, []], ids=["null", "empty"])
async def test_members_null_or_empty_clear_them(
    gql: GraphQL, db: Database, user: Person, members: list[int] | None
) -> None:
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    deal_id = await opportunity(gql, as_=user, contactId=acme, members=[ann])

    payload = await update(gql, user, deal_id, members=members)

    # the primary contact stays the primary contact, and is no member any more
    assert payload["errors"] == []
    assert await stored(db, models.member_t) == []
    assert payload["opportunity"]["contact"]["id"] == contact_gid(acme)
    assert payload["opportunity"]["members"] == []


async def test_a_members_list_replaces_them_without_the_primary_contact(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given
    acme = await contact(gql, as_=user)
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    bob = await contact(gql, as_=user, firstName="Bob", lastName="Ray")
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")
    deal_id = await opportunity(gql, as_=user, contactId=acme, members=[ann])

    # when: a new primary contact and members, some unknown or hidden
    payload = await update(
        gql,
        user,
        deal_id,
        **opportunity_input(responsible=user, contactId=ann, members=[bob, 999, hidden, bob]),
    )

    # then: the primary contact is not added (spec 2.3), the unknown and hidden drop out
    assert payload["errors"] == []
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [bob]
    assert payload["opportunity"]["contact"]["id"] == contact_gid(ann)
    assert [m["id"] for m in payload["opportunity"]["members"]] == [contact_gid(bob)]


async def test_a_members_list_of_only_unusable_contacts_clears_them(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(gql, as_=user, contactId=acme)

    # when: the list is non-empty, so it replaces, but nothing in it can be used
    payload = await update(gql, user, deal_id, **opportunity_input(responsible=user, members=[999]))

    # then: as the original's SetMembers with what is left
    assert payload["errors"] == []
    assert await stored(db, models.member_t) == []


# --- custom fields --------------------------------------------------------------------------------


async def test_listed_custom_fields_are_set_or_cleared_and_others_kept(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    # given
    source = await custom_field(gql, as_=admin, label="Source")
    budget = await custom_field(gql, as_=admin, label="Budget")
    region = await custom_field(gql, as_=admin, label="Region")
    birthday = await custom_field(gql, as_=admin, label="Birthday", entityType="CONTACT")
    deal_id = await opportunity(
        gql,
        as_=user,
        customFields=[
            {"fieldId": source, "value": "web"},
            {"fieldId": budget, "value": "10k"},
            {"fieldId": region, "value": "EU"},
        ],
    )

    # when
    payload = await update(
        gql,
        user,
        deal_id,
        **opportunity_input(
            responsible=user,
            customFields=[
                {"fieldId": source, "value": " fair "},
                {"fieldId": budget, "value": ""},
                {"fieldId": birthday, "value": "1990-01-01"},
                {"fieldId": 999, "value": "x"},
            ],
        ),
    )

    # then: replaced, cleared (empty value), kept (not listed); other kinds and unknown skipped
    assert payload["errors"] == []
    rows = await stored(db, models.field_value_t)
    assert sorted((r["field_id"], r["value"]) for r in rows) == sorted(
        [(source, "fair"), (region, "EU")]
    )


# --- access ---------------------------------------------------------------------------------------


async def test_the_creator_changes_access_by_the_rules_of_create(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    # given: a public deal created by `user`, `admin` responsible
    deal_id = await opportunity(gql, as_=user, responsibleId=str(admin.id))

    # when
    payload = await update(
        gql,
        user,
        deal_id,
        **opportunity_input(
            responsible=admin, isPrivate=True, accessList=[str(other.id), str(other.id)]
        ),
    )

    # then: private, creator added, responsible not, nobody notified
    assert payload["opportunity"]["isPrivate"] is True
    holders = {r["employee_id"] for r in await stored(db, models.access_t)}
    assert holders == {other.id, user.id}
    assert await stored(db, models.notification_t) == []


async def test_an_admin_changes_access_and_is_added_as_the_caller(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await update(
        gql,
        admin,
        deal_id,
        **opportunity_input(responsible=user, isPrivate=True, accessList=[str(other.id)]),
    )

    assert payload["errors"] == []
    holders = {r["employee_id"] for r in await stored(db, models.access_t, opportunity_id=deal_id)}
    assert holders == {other.id, admin.id}


async def test_omitting_privacy_keeps_the_deal_private_with_its_list(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    deal_id = await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)])
    access_before = await stored(db, models.access_t)

    payload = await update(gql, user, deal_id, **opportunity_input(responsible=user))

    assert payload["opportunity"]["isPrivate"] is True
    assert await stored(db, models.access_t) == access_before


@pytest.mark.parametrize("is_private", [False, None], ids=["false", "null"])
async def test_is_private_false_or_null_makes_the_creators_deal_public(
    gql: GraphQL, db: Database, user: Person, other: Person, is_private: bool | None
) -> None:
    deal_id = await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)])

    payload = await update(gql, user, deal_id, isPrivate=is_private)

    assert payload["opportunity"]["isPrivate"] is False
    assert payload["opportunity"]["accessList"] == []
    assert await stored(db, models.access_t) == []


async def test_a_new_list_alone_keeps_the_deal_private(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    deal_id = await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)])

    payload = await update(gql, user, deal_id, accessList=[str(admin.id)])

    assert payload["opportunity"]["isPrivate"] is True
    holders = {r["employee_id"] for r in await stored(db, models.access_t)}
    assert holders == {admin.id, user.id}


async def test_privacy_alone_keeps_the_stored_list(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    deal_id = await opportunity(gql, as_=user, isPrivate=True, accessList=[str(other.id)])

    payload = await update(gql, user, deal_id, isPrivate=True, title="Renamed")

    assert payload["errors"] == []
    assert payload["opportunity"]["isPrivate"] is True
    holders = {r["employee_id"] for r in await stored(db, models.access_t)}
    assert holders == {other.id, user.id}


async def test_access_is_left_as_is_for_an_editor_who_is_not_the_creator(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    cast = await private_opportunity(gql, db, creator=user)
    access_before = await stored(db, models.access_t)

    # when: a reader on the list asks for a public deal
    payload = await update(
        gql,
        cast.reader,
        cast.id,
        **opportunity_input(responsible=user, title="Renamed", isPrivate=False),
    )

    # then: the rest is changed, the access silently kept
    assert payload["errors"] == []
    assert payload["opportunity"]["isPrivate"] is True
    assert (await row_of(db, cast.id))["title"] == "Renamed"
    assert await stored(db, models.access_t) == access_before


async def test_a_public_deal_stays_public_when_a_non_creator_asks_for_privacy(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await update(
        gql,
        other,
        deal_id,
        **opportunity_input(responsible=user, isPrivate=True, accessList=[str(other.id)]),
    )

    assert payload["errors"] == []
    assert payload["opportunity"]["isPrivate"] is False
    assert await stored(db, models.access_t) == []


@pytest.mark.parametrize("is_notify", [True, False], ids=["notify", "quiet"])
async def test_notification_only_when_asked(
    gql: GraphQL, db: Database, user: Person, other: Person, is_notify: bool
) -> None:
    deal_id = await opportunity(gql, as_=user)

    await update(
        gql,
        user,
        deal_id,
        **opportunity_input(
            responsible=user,
            isPrivate=True,
            isNotify=is_notify,
            accessList=[str(other.id), str(user.id)],
        ),
    )

    rows = await stored(db, models.notification_t)
    assert [(r["recipient_id"], r["kind"]) for r in rows] == (
        [(other.id, opportunities.NOTIFY_ACCESS_GRANTED)] if is_notify else []
    )
