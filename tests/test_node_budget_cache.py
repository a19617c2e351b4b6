"""The node budget measures a document again only when the page sizes or list lengths change."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from app.domain.paging import MAX_PAGE
from app.graphql import node_budget
from app.graphql.cost import worst_case_nodes
from app.graphql.node_budget import MeasureCache
from tests.conftest import SCHEMA

GRAPHQL_SCHEMA = SCHEMA._schema
PAGE = """
query Page($first: Int, $ids: [ID!]!, $id: ID!) {
  opportunities(first: $first) { edges { node { id members { id } } } }
  nodes(ids: $ids) { id }
  opportunity(id: $id) { id }
}
"""


@pytest.fixture
def measures(monkeypatch: pytest.MonkeyPatch) -> tuple[MeasureCache, list[dict[str, Any]]]:
    walked: list[dict[str, Any]] = []
    measure = node_budget.measured

    def counted(*args: Any) -> Any:
        walked.append(dict(args[3]))
        return measure(*args)

    monkeypatch.setattr(node_budget, "measured", counted)
    return MeasureCache(), walked


def test_the_same_shapes_are_answered_without_walking_the_document_again(
    measures: tuple[MeasureCache, list[dict[str, Any]]],
) -> None:
    cache, walked = measures
    document = parse(PAGE)

    def nodes(**variables: Any) -> int:
        found = cache.nodes(GRAPHQL_SCHEMA, document, None, variables, MAX_PAGE)
        assert found == worst_case_nodes(GRAPHQL_SCHEMA, document, None, variables)
        return found

    first = nodes(first=10, ids=["a", "b"], id="x")
    # Another deal, other ids of the same count: the measure did not read what differs.
    assert nodes(first=10, ids=["c", "d"], id="y") == first
    assert len(walked) == 1
    assert nodes(first=20, ids=["a", "b"], id="x") > first  # a larger page
    assert nodes(first=10, ids=["a", "b", "c"], id="x") > first  # more ids
    assert nodes(ids=["a", "b"], id="x") != first  # no size: the default page
    assert len(walked) == 4


def test_another_document_with_the_same_text_is_measured_for_itself(
    measures: tuple[MeasureCache, list[dict[str, Any]]],
) -> None:
    cache, walked = measures
    for _ in range(2):
        cache.nodes(GRAPHQL_SCHEMA, parse(PAGE), None, {"first": 5, "ids": [], "id": "x"}, 100)
    assert len(walked) == 2
