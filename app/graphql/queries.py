"""Queries: one round trip per screen, privacy applied everywhere."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from app.domain import contact_listing, crm_settings, listing, reads
from app.domain.bounds import MAX_BATCH
from app.graphql.connections import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    OFFSET,
    Connection,
    connection,
    page_request,
    refusals_as_graphql_errors,
    selects,
    wants_total,
)
from app.graphql.context import Info
from app.graphql.enums import CustomFieldEntityType, entity_type_name
from app.graphql.filters import (
    ContactFilter,
    ContactOrder,
    OpportunityFilter,
    OpportunityOrder,
    contact_order,
)
from app.graphql.ids import decode_int
from app.graphql.nodes import nodes_by_id
from app.graphql.prefetch import opportunity_with_relations
from app.graphql.types import (
    Contact,
    Currency,
    CustomFieldDefinition,
    Employee,
    Opportunity,
    Stage,
    opportunity_connection,
)

ID_ARGUMENT = "Its global id, or the legacy integer id (databaseId); any other value names nothing."


@strawberry.type(description="Reads.")
class Query:
    @strawberry.field(description="The employee whose API key made this request.")
    async def me(self, info: Info) -> Employee:
        row = await info.context.loaders.employee_by_id.load(info.context.caller.id)
        assert row is not None, "a caller is an employee"
        return Employee.from_row(row)

    @strawberry.field(
        description="The record a global id names; null when the id is malformed, of no Node "
        "type, or names a record that does not exist or is hidden from the caller."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> relay.Node | None:
        return (await nodes_by_id(info, [id]))[0]

    @strawberry.field(
        description=f"The records global ids name, in their order, each as node(id:) answers it; "
        f"at most {MAX_BATCH} ids (TOO_LONG)."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[relay.Node | None]:
        return await nodes_by_id(info, ids)

    @strawberry.field(description="One opportunity; null when it does not exist or is hidden.")
    async def opportunity(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=ID_ARGUMENT)],
    ) -> Opportunity | None:
        opportunity_id = decode_int(id, "Opportunity")
        if opportunity_id is None:
            return None
        row = await opportunity_with_relations(info, opportunity_id)
        return None if row is None else Opportunity.from_row(row)

    @strawberry.field(
        description="Opportunities the caller may see, filtered and ordered, a page at a time."
    )
    async def opportunities(
        self,
        info: Info,
        filter: Annotated[
            OpportunityFilter | None, strawberry.argument(description="Conditions to meet.")
        ] = None,
        order_by: Annotated[
            list[OpportunityOrder] | None,
            strawberry.argument(
                description="Ordering terms; default: stage, then title. Ties end with the id."
            ),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
        offset: Annotated[int | None, strawberry.argument(description=OFFSET)] = None,
    ) -> Connection[Opportunity]:
        return await opportunity_connection(
            info,
            where=filter.to_domain() if filter else listing.OpportunityFilter(),
            order_by=order_by,
            request=page_request(
                info, first=first, after=after, last=last, before=before, offset=offset
            ),
        )

    @strawberry.field(description="One contact; null when it does not exist or is hidden.")
    async def contact(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=ID_ARGUMENT)],
    ) -> Contact | None:
        contact_id = decode_int(id, "Contact")
        row = (
            None
            if contact_id is None
            else await info.context.loaders.contact_by_id.load(contact_id)
        )
        return Contact.from_row(row) if row is not None else None

    @strawberry.field(description="Contacts the caller may see, a page at a time.")
    async def contacts(
        self,
        info: Info,
        filter: Annotated[
            ContactFilter | None, strawberry.argument(description="Conditions to meet.")
        ] = None,
        order_by: Annotated[
            list[ContactOrder] | None,
            strawberry.argument(description="Ordering terms; default: by name. Ties end with id."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
        offset: Annotated[int | None, strawberry.argument(description=OFFSET)] = None,
    ) -> Connection[Contact]:
        with refusals_as_graphql_errors():
            page = await contact_listing.contact_page(
                db=info.context.db,
                caller=info.context.caller,
                where=filter.to_domain() if filter else contact_listing.ContactFilter(),
                order=contact_order(order_by),
                page=page_request(
                    info, first=first, after=after, last=last, before=before, offset=offset
                ),
                with_total=wants_total(info),
            )
        return connection(page, Contact.from_row)

    @strawberry.field(description="Every stage, in pipeline order.")
    async def stages(self, info: Info) -> list[Stage]:
        return [Stage.from_row(row) for row in await info.context.loaders.stages.all()]

    @strawberry.field(description="One stage; null when it does not exist.")
    async def stage(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=ID_ARGUMENT)],
    ) -> Stage | None:
        stage_id = decode_int(id, "Stage")
        row = None if stage_id is None else await info.context.loaders.stages.get(stage_id)
        return Stage.from_row(row) if row is not None else None

    @strawberry.field(description="Every currency, ordered by abbreviation.")
    async def currencies(self, info: Info) -> list[Currency]:
        return [Currency.from_row(row) for row in await info.context.loaders.currencies.all()]

    @strawberry.field(
        description="The currency amounts are summed up in by default (USD until set)."
    )
    async def default_currency(self, info: Info) -> Currency:
        async with info.context.db.read() as conn:
            return Currency.from_row(await crm_settings.default_currency(conn))

    @strawberry.field(description="Custom-field definitions, in display order.")
    async def custom_field_definitions(
        self,
        info: Info,
        entity_type: Annotated[
            CustomFieldEntityType, strawberry.argument(description="Whose fields to list.")
        ] = CustomFieldEntityType.OPPORTUNITY,
    ) -> list[CustomFieldDefinition]:
        counts: dict[int, int] | None = None
        async with info.context.db.read() as conn:
            rows = await reads.field_definitions(conn, entity_type_name(entity_type))
            if rows and selects(info, "valueCount"):
                ids = [row["id"] for row in rows]
                counts = await reads.field_value_counts(conn, info.context.caller, ids)
        return [
            CustomFieldDefinition.from_row(
                row, value_count=None if counts is None else counts.get(row["id"], 0)
            )
            for row in rows
        ]

    @strawberry.field(description="Every employee, by name.")
    async def employees(self, info: Info) -> list[Employee]:
        async with info.context.db.read() as conn:
            rows = await reads.all_employees(conn)
        return [Employee.from_row(row) for row in rows]
