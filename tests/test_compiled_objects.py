"""Objects completed by compiled plans answer exactly as graphql-core does, errors included."""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql.execution import execution_for
from tests import factories
from tests.conftest import GraphQL, Person
from tests.plan_runs import plan_outcomes as recorded_outcomes


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


def _ready(value: int) -> asyncio.Future[int]:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


@strawberry.type
class Item(Named):
    name: str
    size: int
    colour: Colour
    note: str | None = None

    @strawberry.field
    def doubled(self) -> int:
        return self.size * 2

    @strawberry.field
    def greeting(self, info: strawberry.Info) -> str:
        return f"{info.context['greeting']} {self.name}"

    @strawberry.field
    def later(self) -> int:
        return _ready(self.size)  # type: ignore[return-value]

    @strawberry.field
    async def awaited(self) -> int:
        await asyncio.sleep(0)
        return self.size + 1

    @strawberry.field
    def failing(self) -> int | None:
        raise ValueError(f"no value for {self.name}")

    @strawberry.field
    def required(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field
    def path_key(self, info: strawberry.Info) -> str:
        return str(info.path.key)

    @strawberry.field
    def times(self, factor: int) -> int:
        return self.size * factor

    @strawberry.field
    def children(self) -> list[Item]:
        return [Item(name=f"{self.name}.{n}", size=n, colour=Colour.BLUE) for n in range(2)]

    @strawberry.field
    def friend(self) -> Named | None:
        return Item(name=f"friend of {self.name}", size=0, colour=Colour.RED)


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return [
            Item(name=f"i{n}", size=n, colour=Colour.RED, note=None if n else "x") for n in range(3)
        ]


DOCUMENTS = {
    "plain": "{ items { name size colour note doubled greeting __typename } }",
    "nested with aliases and fragments": """
        query Q($deep: Boolean!, $skipSize: Boolean!) {
          items {
            ...Parts
            big: doubled
            size @skip(if: $skipSize)
            children @include(if: $deep) { name ... on Item { colour children { name } } }
          }
        }
        fragment Parts on Item { name children { size } }
    """,
    "awaitable values": "{ items { name later } }",
    "async resolver": "{ items { name awaited } }",
    "a resolver that raises": "{ items { name failing } }",
    "null on a non-null field": "{ items { name required } }",
    "a resolver reading more of info": "{ items { pathKey } }",
    "a field with arguments": "{ items { times(factor: 3) children { name size } } }",
    "an interface": "{ items { friend { name ... on Item { size } } } }",
}
VARIABLES = {"deep": True, "skipSize": True}


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    # Parsed once, as the service's document cache does: plans are kept by the parsed nodes.
    stock = strawberry.Schema(query=Query, extensions=[ParserCache])
    compiled = strawberry.Schema(query=Query, extensions=[ParserCache])
    compiled.execution_context_class = execution_for(compiled._schema)
    assert stock.execution_context_class is StrawberryGraphQLCoreExecutionContext
    return stock, compiled


async def _answer(schema: strawberry.Schema, document: str) -> tuple[Any, list[Any]]:
    result = await schema.execute(
        document, variable_values=VARIABLES, context_value={"greeting": "hello"}
    )
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


@pytest.fixture
def plan_outcomes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many objects each plan completed, and how many it gave up on."""
    return recorded_outcomes(monkeypatch)


@pytest.mark.parametrize("case", sorted(DOCUMENTS))
async def test_the_answer_and_its_errors_are_graphql_cores(
    case: str, plan_outcomes: Counter[str]
) -> None:
    stock, compiled = _schemas()
    expected = await _answer(stock, DOCUMENTS[case])
    assert await _answer(compiled, DOCUMENTS[case]) == expected
    assert expected[0] is not None or expected[1]


async def test_plans_complete_what_they_can_and_give_up_on_the_rest(
    plan_outcomes: Counter[str],
) -> None:
    _, compiled = _schemas()
    await _answer(compiled, DOCUMENTS["plain"])
    assert plan_outcomes == {"completed": 3, "Item": 3}
    plan_outcomes.clear()
    data, errors = await _answer(compiled, DOCUMENTS["null on a non-null field"])
    # The first object's plan gives up; graphql-core completes all three with their errors.
    assert plan_outcomes == {"gave up": 1}
    assert data == {"items": [None, None, None]} and len(errors) == 3
    plan_outcomes.clear()
    await _answer(compiled, DOCUMENTS["a field with arguments"])
    # No plan for an object with a field taking arguments; its children still have one.
    assert plan_outcomes == {"completed": 6, "Item": 6}


async def test_plans_are_kept_across_requests_unless_directives_vary_them() -> None:
    stock, compiled = _schemas()
    shared = compiled.execution_context_class.shared_plans  # type: ignore[attr-defined]
    await _answer(compiled, DOCUMENTS["plain"])
    kept = dict(shared)
    assert kept
    await _answer(compiled, DOCUMENTS["plain"])
    assert shared == kept  # the second request built none
    document = DOCUMENTS["nested with aliases and fragments"]
    for deep, skip in ((True, True), (False, False), (True, False)):
        variables = {"deep": deep, "skipSize": skip}
        expected = await stock.execute(document, variable_values=variables)
        answer = await compiled.execute(document, variable_values=variables)
        assert answer.data == expected.data and not answer.errors
    assert shared == kept  # a document with directives is planned per request


BENCH_PAGE = """
query Page($first: Int!, $withStage: Boolean!) {
  opportunities(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor startCursor hasPreviousPage }
    edges {
      cursor
      node {
        __typename
        ...Deal
        name: title
        stage @include(if: $withStage) { id title color stageType }
        createBy { id displayName profileUrl avatarSmall }
        accessList { id displayName }
        canEdit canDelete
        contact { id displayName isCompany CONTACT_DEALS }
      }
    }
  }
}
fragment Deal on Opportunity {
  id databaseId title description created bidType bidValue perPeriodValue successProbability
  actualCloseDate expectedCloseDate isPrivate version updatedAt
  members { id displayName firstName lastName companyName }
  bidCurrency { id abbreviation symbol }
  customFields { id fieldId entityId label fieldValue fieldType position mask }
}
"""


async def test_a_page_of_deals_is_answered_by_plans_as_by_graphql_core(
    gql: GraphQL, admin: Person, plan_outcomes: Counter[str]
) -> None:
    field = await factories.custom_field(gql, admin, "Region")
    contact = await factories.contact(gql, admin)
    for index in range(4):
        await factories.opportunity(
            gql,
            admin,
            title=f"Deal {index}",
            description=None if index else "first",
            contactId=contact if index % 2 else None,
            members=[contact],
            isPrivate=index == 3,
            accessList=[str(admin.id)] if index == 3 else None,
            customFields=[{"fieldId": field, "value": f"north {index}"}],
        )
    for contact_deals in ("", "opportunities(first: 2) { totalCount }"):
        document = BENCH_PAGE.replace("CONTACT_DEALS", contact_deals)
        plan_outcomes.clear()
        compiled = await gql(document, admin, first=10, withStage=True)
        assert plan_outcomes["gave up"] == 0
        # The whole page is one plan; a field with arguments (a contact's deals) leaves the
        # objects above it to graphql-core, and those below (its connection) still have plans.
        assert plan_outcomes["Opportunity"] == (0 if contact_deals else 4)
        assert plan_outcomes["Connection"] == (2 if contact_deals else 1)
        assert plan_outcomes["Contact"] == (4 if contact_deals else 6)
        original = gql.schema.execution_context_class
        gql.schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
        try:
            stock = await gql(document, admin, first=10, withStage=True)
        finally:
            gql.schema.execution_context_class = original
        assert compiled == stock
        assert len(compiled["opportunities"]["edges"]) == 4
