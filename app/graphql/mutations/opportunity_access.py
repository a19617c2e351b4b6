"""Who may see stored opportunities: the original's access routes, by id, ids or filter."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import opportunity_access as access
from app.domain.errors import DomainError, ErrorCode
from app.graphql.context import Info
from app.graphql.filters import OpportunityFilter
from app.graphql.ids import employee_keys, key, keys
from app.graphql.mutations.opportunity_values import ACCESS_LIST, IS_PRIVATE, OPPORTUNITY_ID
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import Opportunity

# Null stands for the default: GraphiQL takes a non-null input with a false default as missing.
IS_PRIVATE_OR_NULL = IS_PRIVATE + " Null: false."


@strawberry.input(description="Who may see an opportunity.")
class SetOpportunityAccessInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    is_private: bool | None = strawberry.field(default=False, description=IS_PRIVATE_OR_NULL)
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=None, description=ACCESS_LIST
    )


@strawberry.input(
    description="Who may see several opportunities: give them by `ids` or by `filter`, not both."
)
class SetOpportunitiesAccessInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Their ids; those the caller cannot see, or did not create (unless an "
        "administrator), are skipped. None or an empty list changes nothing.",
    )
    filter: OpportunityFilter | None = strawberry.field(
        default=None,
        description="Every opportunity meeting these conditions that the caller may see and "
        "created (unless an administrator), as the original's PUT "
        "/api/2.0/crm/opportunity/filter/access; an empty filter means all of them, more "
        "than 1000 matching is refused with TOO_LONG.",
    )
    is_private: bool | None = strawberry.field(default=False, description=IS_PRIVATE_OR_NULL)
    access_list: list[strawberry.ID] | None = strawberry.field(
        default=None, description=ACCESS_LIST
    )


@strawberry.type(description="The result of setOpportunityAccess.")
class SetOpportunityAccessPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of setOpportunitiesAccess.")
class SetOpportunitiesAccessPayload:
    opportunities: list[Opportunity] = strawberry.field(
        description="The changed opportunities, in the order listed; empty when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class OpportunityAccessMutation:
    """Who may see stored opportunities."""

    @strawberry.mutation(
        description="Make an opportunity private to an access list, or public; no one is "
        "notified. Only administrators and its creator may (FORBIDDEN); NOT_FOUND when the "
        "caller cannot see it.",
        extensions=[Refusals()],
    )
    async def set_opportunity_access(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityAccessInput,
            strawberry.argument(name="input", description="The opportunity and who may see it."),
        ],
    ) -> SetOpportunityAccessPayload:
        row = await access.set_access(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            is_private=bool(input_.is_private),
            access_list=employee_keys(input_.access_list or ()),
        )
        return SetOpportunityAccessPayload(opportunity=Opportunity.from_row(row))

    @strawberry.mutation(
        description="setOpportunityAccess for several opportunities, by ids as the original's "
        "PUT /api/2.0/crm/opportunity/access or by filter as its PUT "
        "/api/2.0/crm/opportunity/filter/access; those the caller cannot see, or may not "
        "change, are skipped silently. No ids change nothing; ids and filter together are "
        "refused with INVALID.",
        extensions=[Refusals()],
    )
    async def set_opportunities_access(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunitiesAccessInput,
            strawberry.argument(
                name="input", description="The opportunities and who may see them."
            ),
        ],
    ) -> SetOpportunitiesAccessPayload:
        if input_.ids is not None and input_.filter is not None:
            raise DomainError.one(
                ErrorCode.INVALID, "filter", "Give either ids or filter, not both."
            )
        is_private = bool(input_.is_private)
        access_list = employee_keys(input_.access_list or ())
        if input_.filter is not None:
            rows = await access.set_access_where(
                db=info.context.db,
                caller=info.context.caller,
                where=input_.filter.to_domain(),
                is_private=is_private,
                access_list=access_list,
            )
        else:
            rows = await access.set_access_many(
                db=info.context.db,
                caller=info.context.caller,
                ids=keys(input_.ids or [], "Opportunity"),
                is_private=is_private,
                access_list=access_list,
            )
        return SetOpportunitiesAccessPayload(
            opportunities=[Opportunity.from_row(row) for row in rows]
        )
