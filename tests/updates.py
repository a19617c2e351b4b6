"""What the updateOpportunity tests share: the document, a call, and reads of what is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import models
from app.db.engine import Database
from tests.conftest import GraphQL, Person
from tests.graphql_documents import OPPORTUNITY_FIELDS

UPDATE_OPPORTUNITY = (
    """
mutation Update($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    errors { code field message }
    opportunity { %s }
  }
}
"""
    % OPPORTUNITY_FIELDS
)

INITIAL_CONTACT, NEED_ASSESSMENT, PROPOSAL = 1, 4, 6  # seeded stage ids follow spec 5.2
CHILD_TABLES = (models.member_t, models.access_t, models.field_value_t, models.notification_t)


async def update(gql: GraphQL, as_: Person, deal_id: int, **input_: Any) -> dict[str, Any]:
    data = await gql(UPDATE_OPPORTUNITY, as_, input={"id": deal_id, **input_})
    return data["updateOpportunity"]


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def stored(db: Database, table: Any, **where: Any) -> list[dict[str, Any]]:
    async with db.read() as conn:
        stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
        return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def row_of(db: Database, deal_id: int) -> dict[str, Any]:
    [row] = await stored(db, models.opportunity_t, id=deal_id)
    return row


async def snapshot(db: Database) -> dict[str, list[str]]:
    """Everything stored about deals, to compare before and after a refusal."""
    tables = (models.opportunity_t, *CHILD_TABLES)
    return {t.name: sorted(repr(sorted(r.items())) for r in await stored(db, t)) for t in tables}


# --- a patch -------------------------------------------------------------------------------------

EVERY_VALUE: dict[str, Any] = {
    "description": "long",
    "bidType": "PER_MONTH",
    "bidValue": "1500",
    "perPeriodValue": 12,
    "successProbability": 40,
    "actualCloseDate": "2024-07-01T00:00:00Z",
    "expectedCloseDate": "2024-06-30T00:00:00Z",
}
