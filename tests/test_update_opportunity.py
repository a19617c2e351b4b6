"""updateOpportunity: a patch of the values given, with the checks of the original's PUT."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from app.db import models
from app.db.engine import Database
from app.domain import opportunity_changes
from tests.conftest import GraphQL, Person
from tests.factories import (
    contact,
    opportunity,
    opportunity_input,
    private_opportunity,
)
from tests.graphql_documents import OPPORTUNITY
from tests.ids import (
    employee_gid,
)
from tests.updates import (
    EVERY_VALUE,
    PROPOSAL,
    codes,
    row_of,
    snapshot,
    stored,
    update,
)


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
    assert shown["responsible"]["id"] == employee_gid(other.id)
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
