"""The parse and validation caches keep small documents only: their memory is bounded in bytes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from strawberry.extensions.parser_cache import _get_parse_cache

from app.graphql import document_cache
from app.graphql.document_cache import MAX_CACHED_DOCUMENT_CHARS
from app.graphql.schema import CACHE_SIZE, build_schema
from app.settings import Settings
from tests.conftest import GraphQL, Person

QUERY = "{ currencies { abbreviation } }"


def _padded(document: str, marker: str) -> str:
    """The document after a comment that makes it larger than what the caches keep."""
    return f"# {marker} " + "x" * MAX_CACHED_DOCUMENT_CHARS + "\n" + document


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents validated from now on (the validation cache's misses)."""
    seen: list[str] = []
    real = document_cache.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.loc.source.body if document.loc else "")
        return real(schema, document, rules)

    monkeypatch.setattr(document_cache, "validate_document", counted)
    return seen


def _fresh() -> str:
    """A comment no other test's document has: its text is new to the caches."""
    return f"# {uuid.uuid4()}\n"


def _lookups() -> int:
    """Hits plus misses of the parse cache (shared by every test)."""
    parse = _get_parse_cache(CACHE_SIZE).cache_info()
    return parse.hits + parse.misses


async def test_a_small_document_goes_through_the_caches(
    gql: GraphQL, user: Person, validations: list[str]
) -> None:
    small = QUERY.replace("{ currencies", f"query Small {_fresh()} {{ currencies")
    first = await gql(small, user)
    hits = _get_parse_cache(CACHE_SIZE).cache_info().hits
    assert await gql(small, user) == first
    assert _get_parse_cache(CACHE_SIZE).cache_info().hits == hits + 1
    assert validations == [small]  # validated once, by its text


async def test_an_invalid_small_document_is_refused_alike_each_time(
    gql: GraphQL, user: Person, validations: list[str]
) -> None:
    bad = f"query Bad {_fresh()} {{ currencies {{ noSuchField }} }}"
    answers = [await gql.raw(bad, user) for _ in range(2)]
    assert [[e.message for e in a.errors] for a in answers] == [[answers[0].errors[0].message]] * 2
    assert "noSuchField" in answers[0].errors[0].message and validations == [bad]


async def test_another_schema_validates_the_same_text_again(
    gql: GraphQL, user: Person, validations: list[str]
) -> None:
    text = f"query Twice {_fresh()} {{ currencies {{ abbreviation }} }}"
    await gql(text, user)
    other = GraphQL(gql.db, gql.settings, schema=build_schema(Settings(_env_file=None)))  # type: ignore[call-arg]
    await other(text, user)
    assert validations == [text, text]


async def test_a_large_document_runs_without_touching_the_caches(
    gql: GraphQL, user: Person, validations: list[str]
) -> None:
    expected = await gql(QUERY, user)
    before = _lookups()
    large = _padded(QUERY, "large")
    for _ in range(2):
        assert await gql(large, user) == expected
    assert _lookups() == before
    assert len(expected["currencies"]) > 0
    assert large not in {key[1] for key in document_cache._VALIDATED}
    assert validations.count(large) == 2  # validated on each request, never kept


async def test_a_large_invalid_document_is_still_refused(gql: GraphQL, user: Person) -> None:
    result = await gql.raw(_padded("{ currencies { noSuchField } }", "invalid"), user)
    assert result.errors and "noSuchField" in result.errors[0].message
    syntax = await gql.raw(_padded("{ currencies { ", "broken"), user)
    assert syntax.errors and "Syntax Error" in syntax.errors[0].message
