"""Mutations: thin translations between GraphQL inputs and the domain services."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from app.domain import contacts, custom_fields, opportunities
from app.domain.enums import BidType, CustomFieldType, ShareType
from app.domain.errors import DomainError
from app.domain.idempotency import Idempotency
from app.graphql.context import Info
from app.graphql.enums import entity_type_name, to_domain
from app.graphql.inputs import (
    CreateContactInput,
    CreateContactPayload,
    CreateCustomFieldDefinitionInput,
    CreateCustomFieldDefinitionPayload,
    CreateOpportunityInput,
    CreateOpportunityPayload,
    as_utc,
    user_errors,
)
from app.graphql.prefetch import load_deal_relations
from app.graphql.types import Contact, CustomFieldDefinition, Opportunity


def new_opportunity(data: CreateOpportunityInput) -> opportunities.NewOpportunity:
    """The domain form of a createOpportunity input."""
    return opportunities.NewOpportunity(
        title=data.title,
        description=data.description,
        responsible_id=data.responsible_id,
        stage_id=data.stage_id,
        bid_currency_abbr=data.bid_currency_abbr,
        bid_type=to_domain(BidType, data.bid_type),
        bid_value=data.bid_value,
        per_period_value=data.per_period_value,
        success_probability=data.success_probability,
        contact_id=data.contact_id,
        members=data.members or (),
        actual_close_date=as_utc(data.actual_close_date),
        expected_close_date=as_utc(data.expected_close_date),
        custom_fields=[(f.field_id, f.value) for f in data.custom_fields or ()],
        is_private=data.is_private,
        access_list=data.access_list or (),
        is_notify=data.is_notify,
    )


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


@strawberry.type(description="Changes.")
class Mutation:
    @strawberry.mutation(
        description="Create an opportunity with the semantics of POST /api/2.0/crm/opportunity."
    )
    async def create_opportunity(
        self,
        info: Info,
        input_: Annotated[
            CreateOpportunityInput,
            strawberry.argument(name="input", description="The new opportunity."),
        ],
    ) -> CreateOpportunityPayload:
        try:
            row = await opportunities.create_opportunity(
                db=info.context.db,
                caller=info.context.caller,
                new=new_opportunity(input_),
                idempotency=idempotency(info, input_.idempotency_key),
            )
        except DomainError as refused:
            return CreateOpportunityPayload(opportunity=None, errors=user_errors(refused))
        info.context.loaders.opportunity_by_id.prime(row["id"], row)
        await load_deal_relations(info, [row], "opportunity")
        return CreateOpportunityPayload(opportunity=Opportunity.from_row(row), errors=[])

    @strawberry.mutation(description="Create a contact: a person or a company.")
    async def create_contact(
        self,
        info: Info,
        input_: Annotated[
            CreateContactInput,
            strawberry.argument(name="input", description="The new contact."),
        ],
    ) -> CreateContactPayload:
        new = contacts.NewContact(
            first_name=input_.first_name,
            last_name=input_.last_name,
            company_name=input_.company_name,
            title=input_.title,
            share_type=to_domain(ShareType, input_.share_type),
            access_list=input_.access_list or (),
            currency_abbr=input_.currency_abbr,
        )
        try:
            row = await contacts.create_contact(
                db=info.context.db, caller=info.context.caller, new=new
            )
        except DomainError as refused:
            return CreateContactPayload(contact=None, errors=user_errors(refused))
        return CreateContactPayload(contact=Contact.from_row(row), errors=[])

    @strawberry.mutation(description="Define a custom field (administrators only).")
    async def create_custom_field_definition(
        self,
        info: Info,
        input_: Annotated[
            CreateCustomFieldDefinitionInput,
            strawberry.argument(name="input", description="The new definition."),
        ],
    ) -> CreateCustomFieldDefinitionPayload:
        new = custom_fields.NewCustomFieldDefinition(
            label=input_.label,
            field_type=to_domain(CustomFieldType, input_.field_type),
            position=input_.position,
            mask=input_.mask,
            entity_type=entity_type_name(input_.entity_type),
        )
        try:
            row = await custom_fields.create_definition(
                db=info.context.db, caller=info.context.caller, new=new
            )
        except DomainError as refused:
            return CreateCustomFieldDefinitionPayload(
                custom_field_definition=None, errors=user_errors(refused)
            )
        return CreateCustomFieldDefinitionPayload(
            custom_field_definition=CustomFieldDefinition.from_row(row), errors=[]
        )
