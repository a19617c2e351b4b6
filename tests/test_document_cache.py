"""The parse and validation caches keep small documents only: their memory is bounded in bytes."""

from __future__ import annotations

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from app.graphql.document_cache import MAX_CACHED_DOCUMENT_CHARS
from app.graphql.schema import CACHE_SIZE
from tests.conftest import GraphQL, Person

QUERY = "{ currencies { abbreviation } }"


def _padded(document: str, marker: str) -> str:
    """The document after a comment that makes it larger than what the caches keep."""
    return f"# {marker} " + "x" * MAX_CACHED_DOCUMENT_CHARS + "\n" + document


def _lookups() -> tuple[int, int]:
    """Hits plus misses of the parse and of the validation cache (shared by every test)."""
    parse = _get_parse_cache(CACHE_SIZE).cache_info()
    validate = _get_validate_cache(CACHE_SIZE).cache_info()
    return parse.hits + parse.misses, validate.hits + validate.misses


async def test_a_small_document_goes_through_the_caches(gql: GraphQL, user: Person) -> None:
    small = QUERY.replace("{ currencies", "query Small { currencies")
    await gql(small, user)
    hits = _get_parse_cache(CACHE_SIZE).cache_info().hits
    before = _lookups()
    await gql(small, user)
    assert _lookups() == (before[0] + 1, before[1] + 1)
    assert _get_parse_cache(CACHE_SIZE).cache_info().hits == hits + 1


async def test_a_large_document_runs_without_touching_the_caches(
    gql: GraphQL, user: Person
) -> None:
    expected = await gql(QUERY, user)
    before = _lookups()
    for _ in range(2):
        assert await gql(_padded(QUERY, "large"), user) == expected
    assert _lookups() == before
    assert len(expected["currencies"]) > 0


async def test_a_large_invalid_document_is_still_refused(gql: GraphQL, user: Person) -> None:
    result = await gql.raw(_padded("{ currencies { noSuchField } }", "invalid"), user)
    assert result.errors and "noSuchField" in result.errors[0].message
    syntax = await gql.raw(_padded("{ currencies { ", "broken"), user)
    assert syntax.errors and "Syntax Error" in syntax.errors[0].message
