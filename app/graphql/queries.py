"""Queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import reads
from app.graphql.context import Info
from app.graphql.enums import CustomFieldEntityType, entity_type_name
from app.graphql.types import (
    Currency,
    CustomFieldDefinition,
    Employee,
    Opportunity,
    Stage,
)


@strawberry.type(description="Reads.")
class Query:
    @strawberry.field(description="The employee whose API key made this request.")
    async def me(self, info: Info) -> Employee:
        row = await info.context.loaders.employee_by_id.load(info.context.caller.id)
        return Employee.from_row(row)

    @strawberry.field(description="One opportunity; null when it does not exist or is hidden.")
    async def opportunity(
        self,
        info: Info,
        id: Annotated[int, strawberry.argument(description="The opportunity's id.")],
    ) -> Opportunity | None:
        row = await info.context.loaders.opportunity_by_id.load(id)
        return Opportunity.from_row(row) if row is not None else None

    @strawberry.field(description="Every stage, in pipeline order.")
    async def stages(self, info: Info) -> list[Stage]:
        async with info.context.db.read() as conn:
            rows = await reads.all_stages(conn)
        return [Stage.from_row(row) for row in rows]

    @strawberry.field(description="Every currency, ordered by abbreviation.")
    async def currencies(self, info: Info) -> list[Currency]:
        async with info.context.db.read() as conn:
            rows = await reads.all_currencies(conn)
        return [Currency.from_row(row) for row in rows]

    @strawberry.field(description="Custom-field definitions, in display order.")
    async def custom_field_definitions(
        self,
        info: Info,
        entity_type: Annotated[
            CustomFieldEntityType,
            strawberry.argument(description="Whose fields to list."),
        ] = CustomFieldEntityType.OPPORTUNITY,
    ) -> list[CustomFieldDefinition]:
        async with info.context.db.read() as conn:
            rows = await reads.field_definitions(conn, entity_type_name(entity_type))
        return [CustomFieldDefinition.from_row(row) for row in rows]
