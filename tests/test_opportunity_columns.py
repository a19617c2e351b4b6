"""A page of deals is read with the columns the document asks for, and answers the same."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, parse

from app.db.engine import Database
from app.graphql.columns_read import ColumnsRead
from app.graphql.types.opportunity import OPPORTUNITY_COLUMNS
from tests.conftest import SCHEMA, GraphQL, Person
from tests.factories import contact, custom_field, opportunity
from tests.statements import counting

DEAL_FIELDS = SCHEMA._schema.type_map["Opportunity"].fields  # type: ignore[attr-defined]


def _columns(document: str) -> frozenset[str] | None:
    operation, *fragments = parse(document).definitions
    return OPPORTUNITY_COLUMNS.of(SCHEMA._schema, operation, fragments)


def _subselection(field: Any) -> str:
    named = get_named_type(field.type)
    return " { __typename }" if isinstance(named, GraphQLObjectType) else ""


def test_every_deal_field_declares_its_columns() -> None:
    # A new field without a declaration would read every column: correct, but unnoticed.
    assert set(DEAL_FIELDS) == set(OPPORTUNITY_COLUMNS.reads)
    listing = "{ opportunities(first: 5) { edges { node { title canEdit stage { id } } } } }"
    assert _columns(listing) == {
        "id", "title", "is_private", "responsible_id", "created_by", "stage_id"
    }  # fmt: skip


@pytest.fixture
async def deals(gql: GraphQL, admin: Person, user: Person, other: Person) -> list[int]:
    """A deal with every column set and a contact, a private one the user may see, a bare one."""
    acme = await contact(gql, user, companyName="Acme")
    field = await custom_field(gql, admin, "Source")
    return [
        await opportunity(
            gql, admin, title="Full", description="All set", responsibleId=str(user.id),
            contactId=acme, members=[acme], bidType="PER_MONTH", bidValue="120.50",
            perPeriodValue=12, successProbability=40, expectedCloseDate="2027-01-31T00:00:00Z",
            customFields=[{"fieldId": field, "value": "web"}],
        ),
        await opportunity(
            gql, other, title="Private", isPrivate=True, accessList=[str(user.id)], stageId=3
        ),
        await opportunity(gql, user, title="Bare", bidCurrencyAbbr="USD"),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(DEAL_FIELDS))
async def test_every_deal_field_answers_the_same_from_the_columns_it_declares(
    name: str, gql: GraphQL, user: Person, deals: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    selected = f"{name}{_subselection(DEAL_FIELDS[name])}"
    document = f"""{{
      opportunities(first: 5) {{ edges {{ node {{ {selected} }} }} }}
      contacts(first: 5) {{ edges {{ node {{
        opportunities(first: 5) {{ edges {{ node {{ {selected} }} }} }} }} }} }}
    }}"""
    narrowed = await gql(document, user)

    monkeypatch.setattr(ColumnsRead, "of", lambda *_: None)  # every column, as before
    everything = await gql(document, user)

    assert narrowed == everything
    assert len(narrowed["opportunities"]["edges"]) == 3


async def test_the_page_statement_reads_only_the_columns_asked_for(
    db: Database, gql: GraphQL, user: Person, deals: list[int]
) -> None:
    titles = "{ opportunities(first: 10) { edges { node { title } } } }"
    dated = "{ opportunities(first: 10) { edges { node { title created description } } } }"

    with counting(db) as narrow:
        first = await gql(titles, user)
    with counting(db) as wider:
        second = await gql(dated, user)  # the same list and arguments, more columns

    def page_statement(statements: list[str]) -> str:
        return next(s for s in statements if "FROM opportunity" in s and "title" in s)

    assert "description" not in page_statement(narrow)
    assert "created_at" not in page_statement(narrow)
    assert "created_at" in page_statement(wider) and "description" in page_statement(wider)
    assert [e["node"]["title"] for e in first["opportunities"]["edges"]] == [
        e["node"]["title"] for e in second["opportunities"]["edges"]
    ]
    assert {e["node"]["description"] for e in second["opportunities"]["edges"]} == {
        "All set",
        None,
    }
