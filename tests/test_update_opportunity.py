"""updateOpportunity: a patch of the values given, with the checks of the original's PUT."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain import opportunities, opportunity_changes
from tests.conftest import GraphQL, Person
from tests.factories import (
    contact,
    custom_field,
    opportunity,
    opportunity_input,
    private_opportunity,
)
from tests.graphql_documents import OPPORTUNITY, OPPORTUNITY_FIELDS

UPDATE_OPPORTUNITY = (
    """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    errors { code field message }
    opportunity { %s }
  }
}
"""
    % OPPORTUNITY_FIELDS
)

INITIAL_CONTACT, NEED_ASSESSMENT, PROPOSAL = 1, 4, 6  # seeded stage ids follow spec 5.2
CHILD_TABLES = (models.member_t, models.access_t, models.field_value_t, models.notification_t)


async def update(gql: GraphQL, as_: Person, deal_id: int, **input_: Any) -> dict[str, Any]:
    data = await gql(UPDATE_OPPORTUNITY, as_, input={"id": deal_id, **input_})
    return data["updateOpportunity"]


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def stored(db: Database, table: Any, **where: Any) -> list[dict[str, Any]]:
    async with db.read() as conn:
        stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
        return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def row_of(db: Database, deal_id: int) -> dict[str, Any]:
    [row] = await stored(db, models.opportunity_t, id=deal_id)
    return row


async def snapshot(db: Database) -> dict[str, list[str]]:
    """Everything stored about deals, to compare before and after a refusal."""
    tables = (models.opportunity_t, *CHILD_TABLES)
    return {t.name: sorted(repr(sorted(r.items())) for r in await stored(db, t)) for t in tables}


# --- a patch -------------------------------------------------------------------------------------

EVERY_VALUE: dict[str, Any] = {
    "description": "long",
    "bidType": "PER_MONTH",
    "bidValue": "1500",
    "perPeriodValue": 12,
    "successProbability": 40,
    "actualCloseDate": "2024-07-01T00:00:00Z",
    "expectedCloseDate": "2024-06-30T00:00:00Z",
}


async def test_omitted_values_are_kept(gql: GraphQL, db: Database, user: Person) -> None:
    # given: a deal with every optional value set
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(gql, as_=user, contactId=acme, **EVERY_VALUE)
    before = await row_of(db, deal_id)

    # when: only the title is sent
    payload = await update(gql, user, deal_id, title="Pilot 2")

    # then: the title changed, nothing else did but the audit columns
    assert payload["errors"] == []
    row = await row_of(db, deal_id)
    changed = {k for k in row if row[k] != before[k]}
    assert changed == {"title", "updated_at", "version"}
    assert (row["title"], row["version"]) == ("Pilot 2", before["version"] + 1)
    assert row["updated_at"] > before["updated_at"]
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [acme]


@pytest.mark.parametrize(
    ("field", "column", "cleared"),
    [
        pytest.param("description", "description", None, id="description"),
        pytest.param("bidType", "bid_type", 0, id="bidType"),
        pytest.param("bidValue", "bid_value", Decimal(0), id="bidValue"),
        pytest.param("perPeriodValue", "per_period_value", 0, id="perPeriodValue"),
        pytest.param("successProbability", "success_probability", 0, id="successProbability"),
        pytest.param("contactId", "contact_id", None, id="contactId"),
        pytest.param("actualCloseDate", "actual_close_date", None, id="actualCloseDate"),
        pytest.param("expectedCloseDate", "expected_close_date", None, id="expectedCloseDate"),
    ],
)
async def test_null_clears_one_value_to_the_creates_default(
    gql: GraphQL, db: Database, user: Person, field: str, column: str, cleared: Any
) -> None:
    # given
    acme = await contact(gql, as_=user)
    deal_id = await opportunity(gql, as_=user, contactId=acme, **EVERY_VALUE)
    before = await row_of(db, deal_id)

    # when
    payload = await update(gql, user, deal_id, **{field: None})

    # then: that column only
    assert payload["errors"] == []
    row = await row_of(db, deal_id)
    assert row[column] == cleared != before[column]
    assert {k for k in row if row[k] != before[k]} == {column, "updated_at", "version"}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        pytest.param("title", "A title is required.", id="title"),
        pytest.param("responsibleId", "A responsible user is required.", id="responsibleId"),
        pytest.param("stageId", "A stage is required.", id="stageId"),
        pytest.param("bidCurrencyAbbr", "A currency is required.", id="bidCurrencyAbbr"),
    ],
)
async def test_a_required_value_cannot_be_cleared(
    gql: GraphQL, db: Database, user: Person, field: str, message: str
) -> None:
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)

    payload = await update(gql, user, deal_id, **{field: None})

    assert payload == {
        "errors": [{"code": "REQUIRED", "field": field, "message": message}],
        "opportunity": None,
    }
    assert await snapshot(db) == before


async def test_every_value_is_replaced_and_normalised_as_on_create(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    # given
    deal_id = await opportunity(gql, as_=user)

    # when: another user edits the public deal
    payload = await update(
        gql,
        other,
        deal_id,
        title="   ",
        responsibleId=str(other.id),
        stageId=PROPOSAL,
        bidCurrencyAbbr="usd",
        description="d",
        bidType="PER_DAY",
        bidValue="12.5",
        perPeriodValue=3,
        successProbability=140,
        expectedCloseDate="2024-06-30T00:00:00+02:00",
    )

    # then
    assert payload["errors"] == []
    shown = payload["opportunity"]
    assert shown["bidCurrency"]["abbreviation"] == "USD"
    assert shown["successProbability"] == 100
    assert shown["stage"]["title"] == "Proposal"
    assert shown["responsible"]["id"] == str(other.id)
    assert shown["expectedCloseDate"] == "2024-06-29T22:00:00+00:00"
    row = await row_of(db, deal_id)
    assert (row["title"], row["bid_currency"], row["bid_type"], row["bid_value"]) == (
        "   ",
        "USD",
        2,
        Decimal("12.5"),
    )
    assert (row["per_period_value"], row["stage_id"], row["responsible_id"]) == (3, 6, other.id)
    assert (row["created_by"], row["updated_by"]) == (user.id, other.id)


async def test_update_returns_what_a_later_read_returns(gql: GraphQL, user: Person) -> None:
    deal_id = await opportunity(gql, as_=user)

    updated = (
        await update(
            gql, user, deal_id, **opportunity_input(responsible=user, bidValue="7", description="x")
        )
    )["opportunity"]

    assert (await gql(OPPORTUNITY, user, id=deal_id))["opportunity"] == updated


# --- order of the checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param({"title": ""}, [("REQUIRED", "title")], id="empty-title"),
        pytest.param({"title": "x" * 256}, [("TOO_LONG", "title")], id="long-title"),
        pytest.param(
            {"responsibleId": str(uuid.UUID(int=0))},
            [("REQUIRED", "responsibleId")],
            id="nil-responsible",
        ),
        pytest.param(
            {"responsibleId": str(uuid.uuid4())},
            [("NOT_FOUND", "responsibleId")],
            id="unknown-responsible",
        ),
        pytest.param({"stageId": 0}, [("REQUIRED", "stageId")], id="no-stage"),
        pytest.param({"stageId": 999}, [("NOT_FOUND", "stageId")], id="unknown-stage"),
        pytest.param({"bidCurrencyAbbr": ""}, [("REQUIRED", "bidCurrencyAbbr")], id="no-currency"),
        pytest.param(
            {"bidCurrencyAbbr": "xyz"}, [("NOT_FOUND", "bidCurrencyAbbr")], id="unknown-currency"
        ),
        pytest.param({"bidValue": "NaN"}, [("INVALID", "bidValue")], id="bad-money"),
        pytest.param({"contactId": 4242}, [("NOT_FOUND", "contactId")], id="unknown-contact"),
        pytest.param(
            {"title": "", "stageId": 0},
            [("REQUIRED", "title"), ("REQUIRED", "stageId")],
            id="all-listed",
        ),
    ],
)
async def test_the_creates_checks_refuse_and_nothing_changes(
    gql: GraphQL,
    db: Database,
    user: Person,
    override: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    # given
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)

    # when
    payload = await update(gql, user, deal_id, **opportunity_input(responsible=user, **override))

    # then
    assert payload["opportunity"] is None
    assert codes(payload) == expected
    assert await snapshot(db) == before


async def test_unknown_stage_keeps_the_legacy_message(gql: GraphQL, user: Person) -> None:
    deal_id = await opportunity(gql, as_=user)

    payload = await update(gql, user, deal_id, **opportunity_input(responsible=user, stageId=999))

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "stageId", "message": "Deal milestone is not found"}
    ]


async def test_unreadable_primary_contact_is_forbidden(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    hidden = await contact(gql, as_=other, companyName="Secret", shareType="NONE")
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)

    payload = await update(
        gql, user, deal_id, **opportunity_input(responsible=user, contactId=hidden)
    )

    assert payload["errors"] == [
        {"code": "FORBIDDEN", "field": "contactId", "message": "Access Denied"}
    ]
    assert await snapshot(db) == before


async def test_an_invisible_deal_is_not_found_before_the_input_is_checked(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given
    cast = await private_opportunity(gql, db, creator=user)
    before = await snapshot(db)

    # when: the input is invalid too
    payload = await update(
        gql, cast.outsider, cast.id, **opportunity_input(responsible=user, title="")
    )

    # then: only the deal is reported, so nothing is revealed about it
    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "id", "message": "The opportunity is not found."}
    ]
    assert await snapshot(db) == before


async def test_unknown_id_is_not_found(gql: GraphQL, user: Person) -> None:
    payload = await update(gql, user, 4242, **opportunity_input(responsible=user))

    assert codes(payload) == [("NOT_FOUND", "id")]


async def test_cannot_edit_is_forbidden_after_the_input_checks(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: canEdit says no (the rules of spec 7 grant it to everyone who can see a deal, so
    # the check is forced here to show its place in the order)
    deal_id = await opportunity(gql, as_=user)
    before = await snapshot(db)
    monkeypatch.setattr(opportunity_changes, "can_edit_opportunity", lambda *_, **__: False)

    # when
    invalid = await update(gql, user, deal_id, **opportunity_input(responsible=user, title=""))
    valid = await update(gql, user, deal_id, **opportunity_input(responsible=user, title="Changed"))

    # then
    assert codes(invalid) == [("REQUIRED", "title")]
    assert valid["errors"] == [{"code": "FORBIDDEN", "field": "id", "message": "Access Denied"}]
    assert await snapshot(db) == before


# --- who may update -------------------------------------------------------------------------------


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
async def test_a_private_deal_is_updated_by_those_who_see_it(
    gql: GraphQL, db: Database, user: Person, admin: Person, who: str, allowed: bool
) -> None:
    # given
    cast = await private_opportunity(gql, db, creator=user)
    caller = admin if who == "admin" else getattr(cast, who)
    before = await snapshot(db)

    # when: the access part is sent unchanged
    payload = await update(
        gql,
        caller,
        cast.id,
        **opportunity_input(
            responsible=cast.responsible,
            title="Renamed",
            isPrivate=True,
            accessList=[str(cast.reader.id)],
        ),
    )

    # then
    if allowed:
        assert payload["errors"] == []
        assert (await row_of(db, cast.id))["title"] == "Renamed"
        assert (await row_of(db, cast.id))["updated_by"] == caller.id
    else:
        assert codes(payload) == [("NOT_FOUND", "id")]
        assert await snapshot(db) == before


# --- members --------------------------------------------------------------------------------------


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
    assert payload["opportunity"]["contact"]["id"] == acme
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
    assert payload["opportunity"]["contact"]["id"] == ann
    assert [m["id"] for m in payload["opportunity"]["members"]] == [bob]


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
