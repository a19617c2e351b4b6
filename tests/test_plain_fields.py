"""Plain leaf fields take a short path through execution, with answers and errors unchanged."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql.execution import PlainFieldsExecution, execution_for, plain_leaf_fields
from tests import factories
from tests.conftest import GraphQL, Person

EVERY_FIELD = """
query Every($first: Int!) {
  opportunities(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id title description created bidType bidValue perPeriodValue successProbability
        actualCloseDate expectedCloseDate isPrivate canEdit canDelete
        responsible { id displayName title isAdmin }
        contact { id displayName isCompany }
        members { id displayName }
        bidCurrency { abbreviation title symbol isBasic }
        stage { id title color successProbability stageType sortOrder }
        customFields { id label fieldValue fieldType }
      }
    }
  }
  currencies { abbreviation title symbol cultureName isConvertable isBasic }
}
"""


def test_only_attribute_leaves_are_plain(gql: GraphQL) -> None:
    plain = plain_leaf_fields(gql.schema._schema)
    assert ("Opportunity", "title") in plain
    assert ("Currency", "abbreviation") in plain
    # Resolved by code, arguments or objects: the full path.
    assert ("Opportunity", "stage") not in plain
    assert ("Query", "opportunities") not in plain
    assert not any(name.startswith("__") for name, _ in plain)


async def test_the_answer_is_the_same_as_graphql_cores(gql: GraphQL, admin: Person) -> None:
    assert issubclass(gql.schema.execution_context_class, PlainFieldsExecution)
    field = await factories.custom_field(gql, admin, "Region")
    contact = await factories.contact(gql, admin)
    for index in range(3):
        await factories.opportunity(
            gql,
            admin,
            title=f"Deal {index}",
            description=None if index else "first",
            contactId=contact,
            members=[contact],
            customFields=[{"fieldId": field, "value": f"north {index}"}],
        )
    short = await gql(EVERY_FIELD, admin, first=10)
    original = gql.schema.execution_context_class
    gql.schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        full = await gql(EVERY_FIELD, admin, first=10)
    finally:
        gql.schema.execution_context_class = original
    assert short == full
    assert len(short["opportunities"]["edges"]) == 3


@strawberry.type
class Broken:
    """Values a type cannot answer with."""

    name: str
    count: int
    note: str | None = None


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def broken(self) -> list[Broken | None]:
        return [
            Broken(name=None, count=1),  # type: ignore[arg-type]
            Broken(name="x", count="many"),  # type: ignore[arg-type]
            Broken(name="ok", count=2),
        ]


def _answer(schema: strawberry.Schema) -> tuple[Any, list[Any]]:
    result = schema.execute_sync("{ broken { name count note } }")
    return result.data, sorted((e.message, e.path) for e in result.errors or [])


def test_missing_and_unserializable_values_fail_as_they_always_did() -> None:
    full = strawberry.Schema(query=BrokenQuery)
    short = strawberry.Schema(query=BrokenQuery)
    short.execution_context_class = execution_for(short._schema)
    assert _answer(short) == _answer(full)
    data, errors = _answer(short)
    assert data == {"broken": [None, None, {"name": "ok", "count": 2, "note": None}]}
    assert len(errors) == 2
