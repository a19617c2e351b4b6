"""createOpportunity: each rule of spec section 2 and design.md section 3, checked in storage."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from app.domain import opportunities
from tests.conftest import GraphQL, Person, count_rows, nothing_written
from tests.factories import contact, custom_field, employee, opportunity_input
from tests.graphql_documents import CREATE_OPPORTUNITY, OPPORTUNITY
from tests.ids import (
    contact_gid,
    employee_gid,
    field_gid,
)

NEED_ASSESSMENT = 4  # seeded stage ids follow spec 5.2


async def create(gql: GraphQL, as_: Person, **input_: Any) -> dict[str, Any]:
    data = await gql(CREATE_OPPORTUNITY, as_, input=input_)
    return data["createOpportunity"]


async def stored(db: Database, table: Any, **where: Any) -> list[dict[str, Any]]:
    async with db.read() as conn:
        stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
        return [dict(r) for r in (await conn.execute(stmt)).mappings()]


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# --- success and defaults -------------------------------------------------------------------


async def test_minimal_create_stores_legacy_defaults(
    gql: GraphQL, db: Database, user: Person
) -> None:
    # given / when
    payload = await create(
        gql, user, **opportunity_input(responsible=user, stageId=NEED_ASSESSMENT)
    )

    # then
    assert payload["errors"] == []
    deal = payload["opportunity"]
    assert deal["title"] == "Pilot"
    assert deal["bidType"] == "FIXED_BID"
    assert deal["description"] is None
    assert deal["actualCloseDate"] is None and deal["expectedCloseDate"] is None
    assert deal["stage"]["title"] == "Need assessment"
    assert deal["createBy"]["id"] == employee_gid(user.id)
    assert deal["responsible"]["displayName"] == "Uma User"
    assert deal["responsible"]["title"] == "Sales manager"
    assert deal["responsible"]["profileUrl"] == (
        f"https://crm.example/Products/People/Profile.aspx?user={user.id}"
    )
    [row] = await stored(db, models.opportunity_t)
    assert row["bid_value"] == Decimal(0)
    assert row["per_period_value"] == 0
    assert row["success_probability"] == 0
    assert row["bid_type"] == 0
    assert row["is_private"] is False
    assert row["created_by"] == user.id and row["updated_by"] == user.id
    assert row["created_at"].tzinfo is not None


async def test_create_returns_what_a_later_read_returns(gql: GraphQL, user: Person) -> None:
    # given
    created = (
        await create(
            gql, user, **opportunity_input(responsible=user, bidValue="1500", description="d")
        )
    )["opportunity"]

    # when
    read = (await gql(OPPORTUNITY, user, id=created["id"]))["opportunity"]

    # then
    assert read == created


# --- step 1: required values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field_name"),
    [
        pytest.param({"title": ""}, "title", id="empty-title"),
        pytest.param(
            {"responsibleId": str(uuid.UUID(int=0))}, "responsibleId", id="nil-responsible"
        ),
        pytest.param({"stageId": 0}, "stageId", id="stage-zero"),
        pytest.param({"stageId": -3}, "stageId", id="stage-negative"),
        pytest.param({"bidCurrencyAbbr": ""}, "bidCurrencyAbbr", id="empty-currency"),
    ],
)
async def test_missing_required_value_is_refused(
    gql: GraphQL, db: Database, user: Person, override: dict[str, Any], field_name: str
) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, **override))

    assert payload["opportunity"] is None
    assert codes(payload) == [("REQUIRED", field_name)]
    assert await nothing_written(db)


async def test_whitespace_title_is_accepted_untrimmed(
    gql: GraphQL, db: Database, user: Person
) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, title="   "))

    assert payload["errors"] == []
    [row] = await stored(db, models.opportunity_t)
    assert row["title"] == "   "


async def test_title_longer_than_255_is_refused(gql: GraphQL, db: Database, user: Person) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, title="x" * 256))
    accepted = await create(gql, user, **opportunity_input(responsible=user, title="x" * 255))

    assert codes(payload) == [("TOO_LONG", "title")]
    assert accepted["errors"] == []
    assert await count_rows(db, models.Opportunity) == 1


async def test_every_refusal_is_listed_in_the_original_order(
    gql: GraphQL, db: Database, user: Person
) -> None:
    payload = await create(
        gql,
        user,
        title="",
        responsibleId=str(uuid.UUID(int=0)),
        stageId=0,
        bidCurrencyAbbr="",
        contactId=4242,
    )

    assert codes(payload) == [
        ("REQUIRED", "title"),
        ("REQUIRED", "responsibleId"),
        ("REQUIRED", "stageId"),
        ("REQUIRED", "bidCurrencyAbbr"),
        ("NOT_FOUND", "contactId"),
    ]
    assert await nothing_written(db)


# --- steps 2-4 and the responsible ------------------------------------------------------------


async def test_unknown_stage_is_refused_with_the_legacy_message(
    gql: GraphQL, db: Database, user: Person
) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, stageId=999))

    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "stageId", "message": "Deal milestone is not found"}
    ]
    assert await nothing_written(db)


async def test_unknown_responsible_is_refused(gql: GraphQL, db: Database, user: Person) -> None:
    payload = await create(
        gql, user, **opportunity_input(responsible=user, responsibleId=str(uuid.uuid4()))
    )

    assert codes(payload) == [("NOT_FOUND", "responsibleId")]
    assert await nothing_written(db)


async def test_currency_is_upper_cased_and_checked(
    gql: GraphQL, db: Database, user: Person
) -> None:
    ok = await create(gql, user, **opportunity_input(responsible=user, bidCurrencyAbbr="eUr"))
    unknown = await create(gql, user, **opportunity_input(responsible=user, bidCurrencyAbbr="xyz"))

    assert ok["opportunity"]["bidCurrency"]["abbreviation"] == "EUR"
    [row] = await stored(db, models.opportunity_t)
    assert row["bid_currency"] == "EUR"
    assert codes(unknown) == [("NOT_FOUND", "bidCurrencyAbbr")]


async def test_unknown_primary_contact_is_refused(gql: GraphQL, db: Database, user: Person) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, contactId=4242))

    assert codes(payload) == [("NOT_FOUND", "contactId")]
    assert await nothing_written(db)


async def test_unreadable_primary_contact_is_forbidden(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    # given: a private contact only `other` may see
    hidden = await contact(gql, as_=other, companyName="Secret Ltd", shareType="NONE")

    # when
    refused = await create(gql, user, **opportunity_input(responsible=user, contactId=hidden))
    by_admin = await create(gql, admin, **opportunity_input(responsible=user, contactId=hidden))

    # then
    assert refused["errors"] == [
        {"code": "FORBIDDEN", "field": "contactId", "message": "Access Denied"}
    ]
    assert by_admin["errors"] == []
    assert await count_rows(db, models.Opportunity) == 1


# --- probability --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param(140, 100, id="above-100"),
        pytest.param(-5, 0, id="negative"),
        pytest.param(55, 55, id="in-range"),
        pytest.param(None, 0, id="omitted-not-from-stage"),
    ],
)
async def test_probability_is_clamped_and_not_taken_from_the_stage(
    gql: GraphQL, db: Database, user: Person, given: int | None, kept: int
) -> None:
    payload = await create(
        gql,
        user,
        **opportunity_input(responsible=user, stageId=NEED_ASSESSMENT, successProbability=given),
    )

    assert payload["opportunity"]["successProbability"] == kept
    [row] = await stored(db, models.opportunity_t)
    assert row["success_probability"] == kept


# --- members ----------------------------------------------------------------------------------


async def test_primary_contact_becomes_a_member(gql: GraphQL, db: Database, user: Person) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")

    payload = await create(gql, user, **opportunity_input(responsible=user, contactId=acme))

    assert [m["id"] for m in payload["opportunity"]["members"]] == [contact_gid(acme)]
    assert payload["opportunity"]["contact"]["id"] == contact_gid(acme)
    assert [r["contact_id"] for r in await stored(db, models.member_t)] == [acme]


async def test_unknown_and_hidden_members_are_dropped_and_duplicates_collapse(
    gql: GraphQL, db: Database, user: Person, other: Person
) -> None:
    acme = await contact(gql, as_=user, companyName="Acme")
    ann = await contact(gql, as_=user, firstName="Ann", lastName="Lee")
    hidden = await contact(gql, as_=other, companyName="Hidden", shareType="NONE")

    payload = await create(
        gql,
        user,
        **opportunity_input(
            responsible=user, contactId=acme, members=[ann, 999, hidden, ann, acme]
        ),
    )

    assert payload["errors"] == []
    assert sorted(r["contact_id"] for r in await stored(db, models.member_t)) == sorted([acme, ann])
    assert {m["displayName"] for m in payload["opportunity"]["members"]} == {"Acme", "Ann Lee"}


# --- custom fields ------------------------------------------------------------------------------


async def test_custom_fields_skip_unknown_and_empty_trim_and_last_wins(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    source = await custom_field(gql, as_=admin, label="Source")
    budget = await custom_field(gql, as_=admin, label="Budget")
    contact_field = await custom_field(gql, as_=admin, label="Birthday", entityType="CONTACT")
    heading = await custom_field(gql, as_=admin, label="Details", fieldType="HEADING")

    payload = await create(
        gql,
        user,
        **opportunity_input(
            responsible=user,
            customFields=[
                {"fieldId": source, "value": "  web  "},
                {"fieldId": budget, "value": ""},
                {"fieldId": budget, "value": "   "},
                {"fieldId": contact_field, "value": "1990-01-01"},
                {"fieldId": 999, "value": "x"},
                {"fieldId": source, "value": " fair "},
            ],
        ),
    )

    assert payload["errors"] == []
    rows = await stored(db, models.field_value_t)
    assert [(r["field_id"], r["value"]) for r in rows] == [(source, "fair")]
    shown = payload["opportunity"]["customFields"]
    assert [(f["fieldId"], f["label"], f["fieldValue"], f["fieldType"]) for f in shown] == [
        (field_gid(source), "Source", "fair", "TEXT_FIELD"),
        (field_gid(heading), "Details", None, "HEADING"),
    ]
    assert shown[0]["entityId"] == payload["opportunity"]["id"]


# --- privacy and notifications -----------------------------------------------------------------


async def test_private_with_a_list_adds_the_creator_but_not_the_responsible(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    payload = await create(
        gql,
        user,
        **opportunity_input(
            responsible=admin, isPrivate=True, accessList=[str(other.id), str(other.id)]
        ),
    )

    deal = payload["opportunity"]
    assert deal["isPrivate"] is True
    holders = {r["employee_id"] for r in await stored(db, models.access_t)}
    assert holders == {other.id, user.id}
    assert {e["id"] for e in deal["accessList"]} == {employee_gid(other.id), employee_gid(user.id)}


@pytest.mark.parametrize(
    ("is_private", "with_list"),
    [
        pytest.param(True, False, id="private-without-list"),
        pytest.param(False, True, id="list-without-private"),
    ],
)
async def test_deal_stays_public_unless_private_with_a_list(
    gql: GraphQL, db: Database, user: Person, other: Person, is_private: bool, with_list: bool
) -> None:
    payload = await create(
        gql,
        user,
        **opportunity_input(
            responsible=user, isPrivate=is_private, accessList=[str(other.id)] if with_list else []
        ),
    )

    assert payload["opportunity"]["isPrivate"] is False
    assert payload["opportunity"]["accessList"] == []
    assert await count_rows(db, models.OpportunityAccess) == 0


async def test_unknown_users_drop_out_of_the_access_list(
    gql: GraphQL, db: Database, user: Person
) -> None:
    payload = await create(
        gql,
        user,
        **opportunity_input(responsible=user, isPrivate=True, accessList=[str(uuid.uuid4())]),
    )

    assert payload["opportunity"]["isPrivate"] is True
    assert [r["employee_id"] for r in await stored(db, models.access_t)] == [user.id]


async def test_notify_records_a_notification_for_the_list_but_the_caller(
    gql: GraphQL, db: Database, user: Person, other: Person, admin: Person
) -> None:
    await create(
        gql,
        user,
        **opportunity_input(
            responsible=user,
            isPrivate=True,
            isNotify=True,
            accessList=[str(other.id), str(admin.id), str(user.id)],
        ),
    )

    rows = await stored(db, models.notification_t)
    assert {r["recipient_id"] for r in rows} == {other.id, admin.id}
    assert {r["kind"] for r in rows} == {opportunities.NOTIFY_ACCESS_GRANTED}
    assert {r["created_by"] for r in rows} == {user.id}


@pytest.mark.parametrize(
    ("is_private", "is_notify"),
    [pytest.param(True, False, id="not-asked"), pytest.param(False, True, id="public-deal")],
)
async def test_no_notification_unless_asked_for_a_private_deal(
    gql: GraphQL, db: Database, user: Person, other: Person, is_private: bool, is_notify: bool
) -> None:
    await create(
        gql,
        user,
        **opportunity_input(
            responsible=user, isPrivate=is_private, isNotify=is_notify, accessList=[str(other.id)]
        ),
    )

    assert await count_rows(db, models.Notification) == 0


# --- canEdit / canDelete (spec 7) ---------------------------------------------------------------


async def test_can_edit_follows_the_original_rules(
    gql: GraphQL, db: Database, user: Person, admin: Person
) -> None:
    # given: a private deal created by `user`, `responsible` in charge, `reader` on the list
    responsible = await employee(db, name="Rita Responsible")
    reader = await employee(db, name="Rob Reader")
    outsider = await employee(db, name="Olga Outsider")
    public = (await create(gql, user, **opportunity_input(responsible=user)))["opportunity"]["id"]
    private = (
        await create(
            gql,
            user,
            **opportunity_input(
                responsible=responsible, isPrivate=True, accessList=[str(reader.id)]
            ),
        )
    )["opportunity"]["id"]
    check = "query($id: ID!) { opportunity(id: $id) { canEdit canDelete } }"

    # then: anyone may edit a public deal
    assert (await gql(check, outsider, id=public))["opportunity"] == {
        "canEdit": True,
        "canDelete": True,
    }
    # and on a private one: admin, creator and the access list read and edit, outsiders see nothing
    for person in (admin, user, reader):
        assert (await gql(check, person, id=private))["opportunity"] == {
            "canEdit": True,
            "canDelete": True,
        }
    assert (await gql(check, outsider, id=private))["opportunity"] is None
    # and the responsible who is not on the list cannot read it (spec 7)
    assert (await gql(check, responsible, id=private))["opportunity"] is None


# --- money and dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        pytest.param("12345678901234.123456789", "12345678901234.123456789", id="23-digits"),
        pytest.param("-0.000000001", "-0.000000001", id="smallest-negative"),
        pytest.param("9" * 41 + ".999999999", "9" * 41 + ".999999999", id="largest"),
        pytest.param("1500", "1500.000000000", id="whole"),
    ],
)
async def test_bid_value_round_trips_exactly(
    gql: GraphQL, db: Database, user: Person, amount: str, shown: str
) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, bidValue=amount))

    assert payload["opportunity"]["bidValue"] == shown
    [row] = await stored(db, models.opportunity_t)
    assert row["bid_value"] == Decimal(amount)


@pytest.mark.parametrize(
    "amount",
    ["0.0000000001", "1e42", "NaN", "Infinity"],
)
async def test_bid_value_that_cannot_be_stored_exactly_is_refused(
    gql: GraphQL, db: Database, user: Person, amount: str
) -> None:
    payload = await create(gql, user, **opportunity_input(responsible=user, bidValue=amount))

    assert codes(payload) == [("INVALID", "bidValue")]
    assert await nothing_written(db)


async def test_dates_keep_their_instant_and_naive_ones_are_utc(gql: GraphQL, user: Person) -> None:
    payload = await create(
        gql,
        user,
        **opportunity_input(
            responsible=user,
            expectedCloseDate="2024-06-30T00:00:00+02:00",
            actualCloseDate="2024-07-01T08:30:00",
        ),
    )

    deal = payload["opportunity"]
    assert deal["expectedCloseDate"] == "2024-06-29T22:00:00+00:00"
    assert deal["actualCloseDate"] == "2024-07-01T08:30:00+00:00"


# --- all or nothing ----------------------------------------------------------------------------


async def test_a_failure_after_the_first_insert_writes_nothing(
    gql: GraphQL, db: Database, user: Person, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: writing custom fields fails after the deal and its members were inserted
    acme = await contact(gql, as_=user)
    source = await custom_field(gql, as_=admin, label="Source")

    async def broken(*_: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(opportunities, "_write_custom_fields", broken)

    # when
    result = await gql.raw(
        CREATE_OPPORTUNITY,
        user,
        input=opportunity_input(
            responsible=user, contactId=acme, customFields=[{"fieldId": source, "value": "w"}]
        ),
    )

    # then: a masked error, and no row anywhere
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Unexpected error."]
    assert await nothing_written(db)
