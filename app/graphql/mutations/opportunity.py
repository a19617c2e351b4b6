"""Creating, replacing and deleting opportunities: the original's POST, PUT and DELETE routes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Annotated, Any

import strawberry

from app.domain import opportunities
from app.domain import opportunity_changes as changes
from app.domain.errors import DomainError, ErrorCode
from app.domain.idempotency import Idempotency
from app.domain.reads import OpportunityContacts
from app.graphql.context import Info
from app.graphql.filters import OpportunityFilter
from app.graphql.ids import key, keys
from app.graphql.mutations.opportunity_values import (
    OPPORTUNITY_ID,
    CreateOpportunityInput,
    UpdateOpportunityInput,
    new_opportunity,
    opportunity_patch,
)
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.prefetch import load_opportunity_relations
from app.graphql.types import Opportunity


@strawberry.input(description="The opportunity to delete.")
class DeleteOpportunityInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)


@strawberry.input(
    description="The opportunities to delete: give exactly one of `ids` and `filter`."
)
class DeleteOpportunitiesInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Their ids; those the caller cannot see or edit are skipped."
    )
    filter: OpportunityFilter | None = strawberry.field(
        default=None,
        description="Every opportunity meeting these conditions that the caller may see and "
        "edit, as the original's DELETE /api/2.0/crm/opportunity/filter; an empty filter "
        "means all of them.",
    )


@strawberry.type(description="The result of createOpportunity.")
class CreateOpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The created deal; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of updateOpportunity.")
class UpdateOpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; on a CONFLICT as stored now, unchanged; null "
        "when otherwise refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of deleteOpportunity.")
class DeleteOpportunityPayload:
    deleted_opportunities: list[Opportunity] = strawberry.field(
        description="The deleted opportunity as it was, alone in the list; empty when refused. "
        "Its members, access list and custom fields went with it, so they show empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of deleteOpportunities.")
class DeleteOpportunitiesPayload:
    deleted_opportunities: list[Opportunity] = strawberry.field(
        description="The deleted opportunities as they were, in the order listed; empty when "
        "refused or none could be deleted. Their members, access lists and custom fields "
        "went with them, so they show empty."
    )
    errors: list[UserError] = errors_field()


def idempotency(info: Info, key: str | None) -> Idempotency | None:
    """The idempotency of a create: its own key, else the request's header."""
    key = key if key is not None else info.context.idempotency_key
    caller = info.context.caller
    if key is None or caller.key_id is None:
        return None
    return Idempotency(
        key=key,
        api_key_id=caller.key_id,
        ttl=timedelta(seconds=info.context.settings.idempotency_ttl_s),
    )


async def deleted_opportunities(info: Info, rows: Sequence[Mapping[Any, Any]]) -> list[Opportunity]:
    """The opportunities as they were; their members, access lists and values went with them.

    As in the original's reply: no custom fields (not even headings), and the primary
    contact, which outlives the opportunity, still shown.
    """
    loaders = info.context.loaders
    contact_ids = [row["contact_id"] for row in rows if row["contact_id"] is not None]
    found = await loaders.contact_by_id.load_many(contact_ids)
    primaries = dict(zip(contact_ids, found, strict=True))
    for row in rows:
        primary = primaries.get(row["contact_id"])
        loaders.contacts_by_opportunity.prime(row["id"], OpportunityContacts(primary=primary))
        loaders.custom_fields_by_opportunity.prime(row["id"], [])
    return [Opportunity.from_row(row) for row in rows]


@strawberry.type
class OpportunityCreation:
    """createOpportunity, the first mutation of the published schema."""

    @strawberry.mutation(
        description="Create an opportunity with the semantics of POST /api/2.0/crm/opportunity.",
        # A create changes no row the loaders cached (only a stage's opportunityCount read
        # earlier in the request stays as read), so its answer is primed on them.
        extensions=[Refusals(fresh_loaders=False)],
    )
    async def create_opportunity(
        self,
        info: Info,
        input_: Annotated[
            CreateOpportunityInput,
            strawberry.argument(name="input", description="The new opportunity."),
        ],
    ) -> CreateOpportunityPayload:
        row = await opportunities.create_opportunity(
            db=info.context.db,
            caller=info.context.caller,
            new=new_opportunity(input_),
            idempotency=idempotency(info, input_.idempotency_key),
        )
        info.context.loaders.opportunity_by_id.prime(row["id"], row)
        await load_opportunity_relations(info, [row], "opportunity")
        return CreateOpportunityPayload(opportunity=Opportunity.from_row(row))


@strawberry.type
class OpportunityMutation:
    """Replacing and deleting stored opportunities."""

    @strawberry.mutation(
        description="Change an opportunity: the values given replace the stored ones, null "
        "clears one, the others are kept (PUT /api/2.0/crm/opportunity/{id} gives them all). "
        "NOT_FOUND when the caller cannot see it; then CONFLICT, with the opportunity as "
        "stored, when expectedVersion is not its version; then createOpportunity's checks; "
        "then FORBIDDEN when the caller may not edit it.",
        extensions=[Refusals(current=("opportunity", Opportunity.from_row))],
    )
    async def update_opportunity(
        self,
        info: Info,
        input_: Annotated[
            UpdateOpportunityInput,
            strawberry.argument(name="input", description="The opportunity and its new values."),
        ],
    ) -> UpdateOpportunityPayload:
        row = await changes.update_opportunity(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            patch=opportunity_patch(input_),
            expected_version=input_.expected_version,
        )
        return UpdateOpportunityPayload(opportunity=Opportunity.from_row(row))

    @strawberry.mutation(
        description="Delete an opportunity with its members, access list and custom-field "
        "values. NOT_FOUND when the caller cannot see it, FORBIDDEN when they may not edit it.",
        extensions=[Refusals()],
    )
    async def delete_opportunity(
        self,
        info: Info,
        input_: Annotated[
            DeleteOpportunityInput,
            strawberry.argument(name="input", description="The opportunity."),
        ],
    ) -> DeleteOpportunityPayload:
        row = await changes.delete_opportunity(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
        )
        return DeleteOpportunityPayload(
            deleted_opportunities=await deleted_opportunities(info, [row])
        )

    @strawberry.mutation(
        description="Delete several opportunities, by ids as the original's batch PUT "
        "/api/2.0/crm/opportunity or by filter as its DELETE /api/2.0/crm/opportunity/filter. "
        "Those the caller cannot see or edit are skipped silently; an empty or missing id list "
        "is refused with REQUIRED, ids and filter together with INVALID.",
        extensions=[Refusals()],
    )
    async def delete_opportunities(
        self,
        info: Info,
        input_: Annotated[
            DeleteOpportunitiesInput,
            strawberry.argument(name="input", description="The opportunities."),
        ],
    ) -> DeleteOpportunitiesPayload:
        if input_.ids is not None and input_.filter is not None:
            raise DomainError.one(
                ErrorCode.INVALID, "filter", "Give either ids or filter, not both."
            )
        if input_.filter is not None:
            rows = await changes.delete_opportunities_where(
                db=info.context.db, caller=info.context.caller, where=input_.filter.to_domain()
            )
        else:
            rows = await changes.delete_opportunities(
                db=info.context.db,
                caller=info.context.caller,
                ids=keys(input_.ids or [], "Opportunity"),
            )
        return DeleteOpportunitiesPayload(
            deleted_opportunities=await deleted_opportunities(info, rows)
        )
