"""The GraphQL operations of PUT opportunity/filter/access and PUT settings/currency:
setOpportunitiesAccess by filter, setDefaultCurrency and defaultCurrency."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import models
from app.db.engine import Database
from app.domain import opportunity_access
from tests.conftest import GraphQL, Person, count_rows
from tests.factories import opportunity

ACCESS = """
mutation Access($input: SetOpportunitiesAccessInput!) {
  setOpportunitiesAccess(input: $input) {
    errors { code field }
    opportunities { databaseId isPrivate }
  }
}
"""
PRIVACY = "query P { opportunities(first: 50) { edges { node { databaseId isPrivate } } } }"
SET_CURRENCY = """
mutation SetCurrency($input: SetDefaultCurrencyInput!) {
  setDefaultCurrency(input: $input) { errors { code field } currency { abbreviation } }
}
"""
HOLDERS = "query H($id: ID!) { opportunity(id: $id) { accessList { databaseId } } }"
DEFAULT_CURRENCY = "query D { defaultCurrency { abbreviation symbol } }"


async def _privacy(gql: GraphQL, who: Person) -> dict[int, bool]:
    edges = (await gql(PRIVACY, who))["opportunities"]["edges"]
    return {edge["node"]["databaseId"]: edge["node"]["isPrivate"] for edge in edges}


async def test_a_filter_changes_the_matching_deals_the_caller_created(
    gql: GraphQL, user: Person, other: Person, admin: Person
) -> None:
    # given: the user's and other's deals at two stages
    mine = [await opportunity(gql, user, title=f"Mine {n}", stageId=1 + n % 2) for n in range(4)]
    theirs = await opportunity(gql, other, title="Theirs", stageId=1)

    # when: the user makes stage 1 private to other
    data = await gql(
        ACCESS,
        user,
        input={"filter": {"stageId": 1}, "isPrivate": True, "accessList": [str(other.id)]},
    )

    # then: only the user's deals at stage 1 changed, with the user on the list
    payload = data["setOpportunitiesAccess"]
    assert payload["errors"] == []
    changed = {d["databaseId"] for d in payload["opportunities"]}
    assert changed == {mine[0], mine[2]}
    for deal in changed:
        found = (await gql(HOLDERS, other, id=deal))["opportunity"]["accessList"]
        assert {h["databaseId"] for h in found} == {str(user.id), str(other.id)}
    privacy = await _privacy(gql, admin)
    assert {i for i, private in privacy.items() if private} == changed
    assert privacy[theirs] is False


async def test_ids_and_filter_together_are_refused(
    gql: GraphQL, db: Database, user: Person
) -> None:
    deal = await opportunity(gql, user)

    data = await gql(ACCESS, user, input={"ids": [deal], "filter": {}, "isPrivate": True})

    assert data["setOpportunitiesAccess"]["errors"] == [{"code": "INVALID", "field": "filter"}]
    assert await count_rows(db, models.OpportunityAccess) == 0


async def test_more_matching_deals_than_a_batch_change_none(
    gql: GraphQL, db: Database, user: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: three deals and a batch of two
    for n in range(3):
        await opportunity(gql, user, title=f"D{n}")
    monkeypatch.setattr(opportunity_access, "MAX_BATCH", 2)

    # when
    data = await gql(ACCESS, user, input={"filter": {}, "isPrivate": False})
    refused = await gql(
        ACCESS, user, input={"filter": {}, "isPrivate": True, "accessList": [str(user.id)]}
    )

    # then
    for payload in (data, refused):
        assert payload["setOpportunitiesAccess"]["errors"] == [
            {"code": "TOO_LONG", "field": "filter"}
        ]
    assert await count_rows(db, models.OpportunityAccess) == 0


async def test_the_default_currency_is_usd_until_an_administrator_sets_it(
    gql: GraphQL, admin: Person, user: Person
) -> None:
    assert (await gql(DEFAULT_CURRENCY, user))["defaultCurrency"]["abbreviation"] == "USD"

    data = await gql(SET_CURRENCY, admin, input={"abbreviation": " eur "})

    assert data["setDefaultCurrency"] == {"errors": [], "currency": {"abbreviation": "EUR"}}
    assert (await gql(DEFAULT_CURRENCY, user))["defaultCurrency"] == {
        "abbreviation": "EUR",
        "symbol": "€",
    }


@pytest.mark.parametrize(
    ("who", "abbreviation", "expected"),
    [
        pytest.param("user", "EUR", [{"code": "FORBIDDEN", "field": None}], id="not-admin"),
        pytest.param("admin", " ", [{"code": "REQUIRED", "field": "abbreviation"}], id="blank"),
        pytest.param(
            "admin", "XYZ", [{"code": "NOT_FOUND", "field": "abbreviation"}], id="unknown"
        ),
    ],
)
async def test_set_default_currency_refusals(
    gql: GraphQL, admin: Person, user: Person, who: str, abbreviation: str, expected: Any
) -> None:
    caller = admin if who == "admin" else user

    data = await gql(SET_CURRENCY, caller, input={"abbreviation": abbreviation})

    assert data["setDefaultCurrency"] == {"errors": expected, "currency": None}
    assert (await gql(DEFAULT_CURRENCY, user))["defaultCurrency"]["abbreviation"] == "USD"
