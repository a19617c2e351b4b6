"""A deal's contacts are read with the columns the document asks for, and answer the same."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, parse

from app.db.engine import Database
from app.graphql.columns_read import ColumnsRead
from app.graphql.context import Context
from app.graphql.types.contact import CONTACT_COLUMNS
from tests.conftest import SCHEMA, GraphQL, Person
from tests.factories import contact, opportunity
from tests.statements import counting

NAME = {"id", "is_company", "first_name", "last_name", "company_name"}
CONTACT_FIELDS = SCHEMA._schema.type_map["Contact"].fields  # type: ignore[attr-defined]


def _columns(document: str) -> frozenset[str] | None:
    parsed = parse(document)
    operation, *fragments = parsed.definitions
    return CONTACT_COLUMNS.of(SCHEMA._schema, operation, fragments)


def test_the_columns_of_every_selection_of_contacts_add_up() -> None:
    listing = "{ opportunities(first: 5) { edges { node { members { id displayName } } } } }"
    assert _columns(listing) == NAME
    assert _columns("{ opportunities(first: 5) { totalCount } }") == {"id"}
    spread = """
    query { opportunities(first: 5) { edges { node {
      contact { ...Named  alias: title }  members { ... on Contact { isShared } } } } } }
    fragment Named on Contact { databaseId firstName }
    """
    assert _columns(spread) == {"id", "first_name", "title", "share_type"}
    # A field selected on an interface contacts implement counts too.
    through_node = (
        "query($id: ID!) { node(id: $id) { ... on Node { id } ... on Contact { created } } }"
    )
    assert _columns(through_node) == {"id", "created_at"}


@pytest.mark.parametrize("field", ["canEdit", "accessList { id }", "opportunities { totalCount }"])
def test_a_field_that_reads_more_reads_every_column(field: str) -> None:
    document = (
        "query { contact(id: 1) { id } "
        f"opportunities(first: 1) {{ edges {{ node {{ members {{ {field} }} }} }} }} }}"
    )
    assert _columns(document) is None
    # in a fragment too
    fragment = (
        "query { contacts(first: 1) { edges { node { ...C } } } } "
        f"fragment C on Contact {{ {field} }}"
    )
    assert _columns(fragment) is None


def test_a_context_narrows_its_first_operation_only(db: Database, user: Person) -> None:
    context = Context(db=db, settings=None, caller=user.caller)  # type: ignore[arg-type]
    first_loaders = context.loaders
    context.prepare({"Contact": frozenset(NAME)})
    assert context.loaders is first_loaders and first_loaders.contact_columns == NAME
    assert context.refresh_loaders().contact_columns == NAME  # a write keeps the selection

    context.prepare({"Contact": frozenset({"id"})})  # a second operation on the same context
    assert context.contact_columns is None and context.loaders.contact_columns is None


def _subselection(field: Any) -> str:
    named = get_named_type(field.type)
    return " { __typename }" if isinstance(named, GraphQLObjectType) else ""


@pytest.fixture
async def deals_with_contacts(gql: GraphQL, user: Person, other: Person) -> list[int]:
    acme = await contact(gql, user, companyName="Acme", currencyAbbr="EUR")
    ann = await contact(gql, user, firstName="Ann", lastName="Lee", title="Buyer")
    hidden = await contact(
        gql, other, firstName="Hid", lastName="Den", shareType="NONE", title="Secret"
    )
    shown = await contact(gql, other, companyName="Shared Ltd", shareType="READ")
    return [
        await opportunity(gql, user, title="One", contactId=acme, members=[acme, ann]),
        await opportunity(gql, other, title="Two", contactId=shown, members=[hidden, shown]),
        await opportunity(gql, user, title="Three"),
    ]


@pytest.mark.parametrize("name", sorted(CONTACT_FIELDS))
async def test_every_contact_field_answers_the_same_from_the_columns_it_declares(
    name: str,
    gql: GraphQL,
    user: Person,
    deals_with_contacts: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    field = CONTACT_FIELDS[name]
    paged = "(first: 2)" if "first" in field.args else ""  # within the node budget
    selected = f"{name}{paged}{_subselection(field)}"
    document = f"""
    {{ opportunities(first: 4) {{ edges {{ node {{
        title contact {{ id {selected} }} members {{ id {selected} }} }} }} }} }}
    """
    narrowed = await gql(document, user)

    monkeypatch.setattr(ColumnsRead, "of", lambda *_: None)  # every column, as before
    everything = await gql(document, user)

    assert narrowed == everything
    titles = [edge["node"]["title"] for edge in narrowed["opportunities"]["edges"]]
    assert sorted(titles) == ["One", "Three", "Two"]


async def test_the_contacts_statement_reads_only_the_columns_asked_for(
    db: Database, gql: GraphQL, user: Person, deals_with_contacts: list[int]
) -> None:
    listing = "{ opportunities(first: 10) { edges { node { members { id displayName } } } } }"
    dated = "{ opportunities(first: 10) { edges { node { members { id created } } } } }"

    with counting(db) as narrow:
        await gql(listing, user)
    with counting(db) as wider:
        await gql(dated, user)

    def contacts_statement(statements: list[str]) -> str:
        return next(s for s in statements if "opportunity_member" in s and "_member" in s)

    assert "first_name" in contacts_statement(narrow)
    assert "created_at" not in contacts_statement(narrow)
    assert "title" not in contacts_statement(narrow).split("FROM")[0]
    assert "created_at" in contacts_statement(wider)
