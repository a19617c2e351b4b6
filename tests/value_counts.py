"""Custom-field value counts as the service answers them, checked against the query they replace.

The oracle is the count the service ran before migration 0009: every value joined to its deal
under the privacy rule, grouped by field. The counters are read as `reads.field_value_counts`
reads them, and through `valueCount`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.db.counter_tables import field_value_count_t, field_value_private_count_t
from app.db.engine import Database
from app.db.models import custom_field_t, field_value_t, opportunity_t
from app.domain import reads
from app.domain.access import opportunity_visible
from tests.conftest import GraphQL, Person

COUNTS = "{ customFieldDefinitions { databaseId valueCount } }"
DELETE_FIELD = """
mutation DeleteField($id: ID!) {
  deleteCustomFieldDefinition(input: {id: $id}) {
    deletedCustomFieldDefinition { valueCount }
    errors { message }
  }
}
"""


async def counted_in_the_table(db: Database, who: Person) -> dict[int, int]:
    """The query the counters replace: every value of a deal `who` may see, per field."""
    counted = (
        select(field_value_t.c.field_id, func.count())
        .join(opportunity_t, opportunity_t.c.id == field_value_t.c.opportunity_id)
        .where(opportunity_visible(who.caller))
        .group_by(field_value_t.c.field_id)
    )
    async with db.read() as conn:
        return {int(field): int(count) for field, count in await conn.execute(counted)}


async def assert_value_counts_agree(db: Database, gql: GraphQL, *people: Person) -> None:
    """For each person the oracle, the counters and `valueCount` give the same counts."""
    async with db.read() as conn:
        fields = list((await conn.execute(select(custom_field_t.c.id))).scalars())
        # A count is the sum of its rows (on PostgreSQL one row may be below zero, 0017).
        spread = field_value_count_t.c
        listed = field_value_private_count_t.c
        below_zero = [
            select(spread.field_id)
            .group_by(spread.field_id)
            .having((func.sum(spread.total) < 0) | (func.sum(spread.private_total) < 0)),
            select(listed.field_id).where(listed.total < 0),
        ]
        negative = [row for query in below_zero for row in await conn.execute(query)]
    assert negative == []
    for who in people:
        expected = await counted_in_the_table(db, who)
        async with db.read() as conn:
            assert await reads.field_value_counts(conn, who.caller, fields) == expected, who
        listed = (await gql(COUNTS, who))["customFieldDefinitions"]
        assert {f["databaseId"]: f["valueCount"] for f in listed if f["valueCount"]} == expected


async def succeeds(gql: GraphQL, document: str, as_: Person, **variables: Any) -> None:
    """Run a mutation and assert its payload has no errors."""
    data = await gql(document, as_, **variables)
    assert next(iter(data.values()))["errors"] == []


def field_values(*pairs: tuple[int, str]) -> list[dict[str, Any]]:
    """The `customFields` input for (field, value) pairs."""
    return [{"fieldId": field, "value": value} for field, value in pairs]


async def execute(db: Database, *statements: Any) -> None:
    """Run statements in one write transaction, as a change the service does not make."""
    async with db.write() as conn:
        for statement in statements:
            await conn.execute(statement)
