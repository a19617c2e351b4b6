"""What one document may ask for: depth, aliases and the node budget, measured in linear time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import strawberry
from graphql import parse

from app.domain.bounds import MAX_ACCESS_LIST, MAX_BATCH, MAX_MEMBERS, MAX_STAGES
from app.domain.paging import DEFAULT_PAGE
from app.graphql.cost import uncapped_lists, worst_case_nodes
from app.graphql.limits import Fragments, aliases, depth
from tests.conftest import SCHEMA, Person
from tests.ids import (
    employee_gid,
)

GQL = "application/graphql-response+json"
GRAPHQL_SCHEMA = SCHEMA._schema


def doubling(fragments: int, on: str = "Query", body: str = "me { id }") -> str:
    """Each fragment spreads the next one twice: 2**fragments expansions of the last."""
    chain = "".join(
        f"fragment F{i} on {on} {{ {body} ...F{i + 1} ...F{i + 1} }}\n" for i in range(fragments)
    )
    return f"query {{ ...F0 }}\n{chain}fragment F{fragments} on {on} {{ {body} }}"


def nodes(document: str, **variables: Any) -> int:
    return worst_case_nodes(GRAPHQL_SCHEMA, parse(document), None, variables)


async def post(client: httpx.AsyncClient, person: Person, query: str, **variables: Any) -> Any:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": person.key, "Accept": GQL},
    )


# --- linear measures ---------------------------------------------------------------------------


def test_fragments_spread_twice_are_measured_once_each() -> None:
    # given: sixty fragments each spreading the next twice (2**60 expansions if walked naively)
    document = parse(doubling(60, body="a: me { id }"))
    fragments = Fragments(document)
    operation = document.definitions[0]

    # when
    counted = aliases(fragments, operation.selection_set)  # type: ignore[attr-defined]
    deepest = depth(fragments, operation.selection_set)  # type: ignore[attr-defined]

    # then: the alias under the last fragment counts once per expansion; depth stays 1
    assert counted == 2**61 - 1
    assert deepest == 1


def test_worst_case_multiplies_page_sizes_and_list_caps() -> None:
    # when
    board = nodes("{ stages { id } opportunities(first: 50) { edges { node { id } } } }")
    nested = nodes(
        "query($n: Int) { opportunities(first: $n) { totalCount edges { node {"
        " members { id accessList { id } } stage { id } } } } }",
        n=10,
    )
    defaulted = nodes("{ opportunities { edges { node { id } } } }")
    too_big_a_page = nodes(
        "query($n: Int) { opportunities(first: $n) { edges { cursor } } }", n=10**9
    )

    # then
    assert board == MAX_STAGES + 50
    assert nested == 10 * (1 + MAX_MEMBERS * (1 + MAX_ACCESS_LIST))
    assert defaulted == DEFAULT_PAGE
    assert too_big_a_page == 100  # the resolver refuses more; the budget counts what could run


def test_batch_payloads_count_the_ids_the_input_names() -> None:
    # given: deleted deals with their members, by three ids, by a variable, and by a filter
    selection = "deleteOpportunities(input: %s) { deletedOpportunities { members { id } } }"

    # when
    by_ids = nodes("mutation { %s }" % (selection % "{ids: [1, 2, 3]}"))
    by_variable = nodes(
        "mutation($input: DeleteOpportunitiesInput!) { %s }" % (selection % "$input"),
        input={"ids": [1, 2]},
    )
    by_filter = nodes("mutation { %s }" % (selection % "{filter: {}}"))

    # then
    per_deal = 1 + MAX_MEMBERS
    assert (by_ids, by_variable) == (3 * per_deal, 2 * per_deal)
    assert by_filter == MAX_BATCH * per_deal


def test_fragments_and_inline_fragments_count_where_they_are_spread() -> None:
    # given
    document = """
    query { a: opportunities(first: 3) { edges { node { ...Deal } } }
            b: opportunities(first: 2) { edges { node { ... on Opportunity { ...Deal } } } } }
    fragment Deal on Opportunity { members { id } }
    """

    # when / then
    assert nodes(document) == 3 * (1 + MAX_MEMBERS) + 2 * (1 + MAX_MEMBERS)


def test_every_list_field_of_the_schema_has_a_cap() -> None:
    # given: a schema with a list nobody capped
    @strawberry.type
    class Query:
        numbers: list[int] = strawberry.field(default_factory=list)

    # when / then
    assert list(uncapped_lists(GRAPHQL_SCHEMA)) == []
    assert list(uncapped_lists(strawberry.Schema(Query)._schema)) == ["Query.numbers"]


# --- over HTTP, in the development profile ------------------------------------------------------


async def test_a_doubling_fragment_document_is_refused_by_depth_or_answered(
    client: httpx.AsyncClient, user: Person
) -> None:
    # when: thirty fragments, the attack that hung the production profile's depth limiter
    response = await post(client, user, doubling(30))

    # then: it executes (each field once), as graphql-core merges the spreads
    assert response.status_code == 200
    assert response.json()["data"]["me"]["id"] == employee_gid(user.id)


async def test_nested_pages_over_the_node_budget_are_refused_before_running(
    client: httpx.AsyncClient, user: Person
) -> None:
    # given: ten aliased contacts, each a page of deals whose members list their deals again
    fields = " ".join(
        f"c{i}: contact(id: {i}) {{ opportunities(first: 100) {{ edges {{ node {{"
        " members { opportunities(first: 100) { edges { node { id } } } } } } } }"
        for i in range(10)
    )

    # when
    response = await post(client, user, "{ " + fields + " }")

    # then
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["nodes"] == 10 * 100 * (1 + MAX_MEMBERS * (1 + 100))
    assert "data" not in response.json()


async def test_page_sizes_from_variables_count(client: httpx.AsyncClient, user: Person) -> None:
    # given
    query = (
        "query($n: Int) { opportunities(first: $n) { edges { node {"
        " members { accessList { id } } } } } }"
    )

    # when
    small = await post(client, user, query, n=4)
    large = await post(client, user, query, n=5)

    # then: 4 * (1 + 100 * 101) fits the default budget of 50,000; 5 pages do not
    assert small.status_code == 200, small.text
    assert large.status_code == 400
    assert large.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param("{ " + "me { id } " * 700 + "}", None, id="tokens"),
        pytest.param(
            "{ opportunities { edges { node { "
            + "contact { opportunities { edges { node { " * 3
            + "id"
            + " } } } }" * 3
            + " } } } }",
            "QUERY_TOO_COMPLEX",
            id="depth",
        ),
        pytest.param(
            "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(31)) + " }",
            "QUERY_TOO_COMPLEX",
            id="aliases",
        ),
        pytest.param(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            None,
            id="introspection-depth",
        ),
    ],
)
async def test_the_development_profile_bounds_documents_too(
    client: httpx.AsyncClient, user: Person, document: str, code: str | None
) -> None:
    # when
    response = await post(client, user, document)

    # then
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    if code is not None:
        assert error["extensions"]["code"] == code


async def test_graphiqls_introspection_query_fits(client: httpx.AsyncClient, user: Person) -> None:
    # given: the query GraphiQL sends when it opens
    from graphql import get_introspection_query

    # when
    response = await post(client, user, get_introspection_query(descriptions=True))

    # then
    assert response.status_code == 200, response.text[:300]
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"o": [{"field": "TITLE"}] * 1001}, "more than 1000 items", id="a-list-past-a-batch"
        ),
        pytest.param(
            {"o": [{"field": "TITLE", "direction": "ASC", "x": [1] * 900}] * 30},
            "more than 20000 values",
            id="too-many-values",
        ),
    ],
)
async def test_variables_too_big_for_any_input_are_refused_before_coercion(
    client: httpx.AsyncClient, user: Person, variables: dict[str, Any], message: str
) -> None:
    # when
    response = await post(
        client,
        user,
        "query($o: [OpportunityOrder!]) { opportunities(orderBy: $o) { totalCount } }",
        **variables,
    )

    # then
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]
