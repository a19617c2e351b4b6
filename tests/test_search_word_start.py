"""Search read by an index (FTS5 on SQLite, trigrams on PostgreSQL) keeps word-start semantics.

Words with punctuation, words found in the description, a description that is absent, and the
index following creates, updates and deletes.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.factories import opportunity_via_domain
from tests.ids import (
    database_id,
)

SEARCH = """
query Search($search: String!) {
  opportunities(filter: {search: $search}, orderBy: [{field: ID}], first: 100) {
    totalCount
    edges { node { id } }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { message } }
}
"""
DELETE = """
mutation Delete($id: ID!) { deleteOpportunity(input: {id: $id}) { errors { message } } }
"""


async def found(gql: GraphQL, as_: Person, search: str) -> list[int]:
    data = (await gql(SEARCH, as_, search=search))["opportunities"]
    listed = [database_id(edge["node"]["id"]) for edge in data["edges"]]
    assert data["totalCount"] == len(listed)
    return listed


@pytest.fixture
async def deals(db: Database, user: Person) -> dict[str, int]:
    """Deals whose titles and descriptions hold punctuation, digits and other scripts."""
    made = {}
    for name, title, description in [
        ("irish", "O'Brien renewal", None),
        ("hyphen", "Cross-sell pilot", "follow-up (phase two)"),
        ("percent", "Discount 100% off", "tail_end -- done"),
        ("glued", "Alpha,beta", "x.y.z"),
        ("cyrillic", "Поставка оборудования", "Ёлка"),
        ("described", "Plain", "mentions quokka here"),
    ]:
        made[name] = await opportunity_via_domain(
            db, as_=user, title=title, description=description
        )
    return made


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("o'bri", ["irish"], id="apostrophe-inside-a-word"),
        pytest.param("brien", [], id="after-an-apostrophe-is-not-a-word-start"),
        pytest.param("cross-s", ["hyphen"], id="hyphen-inside-a-word"),
        pytest.param("sell", [], id="after-a-hyphen-is-not-a-word-start"),
        pytest.param("(phase", ["hyphen"], id="leading-parenthesis"),
        pytest.param("phase", [], id="after-a-parenthesis-is-not-a-word-start"),
        pytest.param("100%", ["percent"], id="percent-sign-literal"),
        pytest.param("--", ["percent"], id="punctuation-only-word"),
        pytest.param("%", [], id="percent-mid-word-is-not-a-word-start"),
        pytest.param("tail_e", ["percent"], id="underscore-literal"),
        pytest.param("tail%", [], id="percent-is-no-wildcard"),
        pytest.param("beta", [], id="after-a-comma-is-not-a-word-start"),
        pytest.param("alpha,b", ["glued"], id="comma-inside-a-word"),
        pytest.param("x.y", ["glued"], id="dots-inside-a-word"),
        pytest.param("Пост", ["cyrillic"], id="cyrillic-word-start"),
        pytest.param("ставка", [], id="cyrillic-not-mid-word"),
        pytest.param("Ёлк", ["cyrillic"], id="cyrillic-in-the-description"),
        pytest.param("quok", ["described"], id="description-word-start"),
        pytest.param("plain quokka", ["described"], id="words-from-title-and-description"),
        pytest.param("plain pilot", [], id="every-word-must-match"),
        pytest.param('"renewal"', [], id="quotes-are-literal"),
        pytest.param("renewal*", [], id="asterisk-is-literal"),
        pytest.param("ren OR pil", [], id="fts-operators-are-words"),
    ],
)
async def test_word_start_search(
    gql: GraphQL, user: Person, deals: dict[str, int], search: str, expected: list[str]
) -> None:
    assert await found(gql, user, search) == sorted(deals[name] for name in expected)


async def test_the_index_follows_updates_and_deletes(
    db: Database, gql: GraphQL, user: Person, deals: dict[str, int]
) -> None:
    # given
    deal = deals["described"]
    changed: dict[str, Any] = {
        "id": deal,
        "title": "Renamed zeppelin",
        "responsibleId": str(user.id),
        "stageId": 1,
        "bidCurrencyAbbr": "EUR",
        "description": None,  # an update is a patch: null clears, omitted would keep it
    }

    # when: the title changes and the description is cleared
    result = await gql(UPDATE, user, input=changed)

    # then
    assert result["updateOpportunity"]["errors"] == []
    assert await found(gql, user, "zeppelin") == [deal]
    assert await found(gql, user, "quokka") == []
    assert await found(gql, user, "plain") == []

    # when
    result = await gql(DELETE, user, id=deal)

    # then
    assert result["deleteOpportunity"]["errors"] == []
    assert await found(gql, user, "zeppelin") == []


async def test_a_new_deal_is_found_at_once(db: Database, gql: GraphQL, user: Person) -> None:
    made = await opportunity_via_domain(db, as_=user, title="Fresh xylophone", description="z")

    assert await found(gql, user, "xylo") == [made]
