"""Mutations that change stored opportunities: the original's PUT, DELETE, stage, access,
member and custom-field routes.

Thin translations between GraphQL inputs and app/domain/opportunity_changes.py; expected
refusals become `errors` entries of the payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from app.domain import opportunity_changes as changes
from app.domain import reads
from app.domain.enums import BidType as DomainBidType
from app.domain.errors import DomainError, ErrorCode
from app.domain.opportunities import NewOpportunity
from app.domain.reads import DealContacts
from app.graphql.context import Info
from app.graphql.enums import BidType, to_domain
from app.graphql.filters import OpportunityFilter
from app.graphql.inputs import (
    ERRORS_DESCRIPTION,
    CustomFieldValueInput,
    UserError,
    as_utc,
    user_errors,
)
from app.graphql.loaders import Loaders
from app.graphql.types import Contact, CustomField, Opportunity

Row = Mapping[Any, Any]
ERRORS = ERRORS_DESCRIPTION
DEAL_ID = "The opportunity's id."
IS_PRIVATE = "Make the deal private; needs a non-empty access list, else the deal is public."
ACCESS_LIST = "Who may see a private deal; the caller is always added, unknown users dropped."


def _fresh_loaders(info: Info) -> Loaders:
    return info.context.refresh_loaders()


def _changed(info: Info, row: Row) -> Opportunity:
    _fresh_loaders(info)
    return Opportunity.from_row(row)


async def _deleted(info: Info, rows: Sequence[Row]) -> list[Opportunity]:
    """The deals as they were; their members, access lists and values went with them.

    As in the original's reply: no custom fields (not even headings), and the primary
    contact, which outlives the deal, still shown.
    """
    loaders = _fresh_loaders(info)
    contact_ids = [row["contact_id"] for row in rows if row["contact_id"] is not None]
    found = await loaders.contact_by_id.load_many(contact_ids)
    primaries = dict(zip(contact_ids, found, strict=True))
    for row in rows:
        primary = primaries.get(row["contact_id"])
        loaders.contacts_by_opportunity.prime(row["id"], DealContacts(primary=primary))
        loaders.custom_fields_by_opportunity.prime(row["id"], [])
    return [Opportunity.from_row(row) for row in rows]


async def _contact(info: Info, contact_id: int) -> Contact | None:
    row = await info.context.loaders.contact_by_id.load(contact_id)
    return Contact.from_row(row) if row is not None else None


async def _stored_field(info: Info, deal_id: int, field_id: int) -> CustomField | None:
    """One custom field of a deal as stored: its definition and value (None when unset)."""
    async with info.context.db.read() as conn:
        definitions = await reads.field_definitions(conn, "opportunity")
    definition = next((d for d in definitions if d["id"] == field_id), None)
    if definition is None:  # deleted in the meantime
        return None
    values = await info.context.loaders.custom_fields_by_opportunity.load(deal_id)
    value = next((v["value"] for v in values if v["id"] == field_id), None)
    return CustomField.from_row({**definition, "opportunity_id": deal_id, "value": value})


# --- inputs -------------------------------------------------------------------------------------


@strawberry.input(
    description="An opportunity's new values, as the original's PUT: every value is replaced "
    "and omitted ones take the defaults createOpportunity gives them."
)
class UpdateOpportunityInput:
    id: int = strawberry.field(description=DEAL_ID)
    title: str = strawberry.field(description="Short name, 1-255 characters.")
    responsible_id: uuid.UUID = strawberry.field(description="The responsible employee.")
    stage_id: int = strawberry.field(description="The stage the deal is at.")
    bid_currency_abbr: str = strawberry.field(
        description="Currency abbreviation, any case (e.g. eur)."
    )
    description: str | None = strawberry.field(
        default=None, description="Longer text; cleared when omitted."
    )
    bid_type: BidType = strawberry.field(
        default=BidType.FIXED_BID, description="How the bid value is meant."
    )
    bid_value: Decimal | None = strawberry.field(
        default=None, description="Amount, exact, at most 9 fraction digits; 0 when omitted."
    )
    per_period_value: int | None = strawberry.field(
        default=None, description="Number of periods for a per-period bid; 0 when omitted."
    )
    success_probability: int | None = strawberry.field(
        default=None,
        description="Chance of winning, clamped to 0-100; 0 when omitted (not the stage's).",
    )
    contact_id: int | None = strawberry.field(
        default=None,
        description="Primary contact; none when omitted. Unlike on create, it does not "
        "become a member.",
    )
    members: list[int] | None = strawberry.field(
        default=None,
        description="Replaces the members when non-empty (unknown or hidden contacts are "
        "skipped); omitted or empty keeps them.",
    )
    actual_close_date: datetime | None = strawberry.field(
        default=None, description="When the deal closed; UTC unless an offset is given."
    )
    expected_close_date: datetime | None = strawberry.field(
        default=None, description="When the deal should close; UTC unless an offset is given."
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=None,
        description="Custom-field values to set; unknown fields and empty values are skipped, "
        "so values cannot be cleared here (setOpportunityCustomField can). Others are kept.",
    )
    is_private: bool = strawberry.field(
        default=False,
        description=IS_PRIVATE + " Applied only for an administrator or the deal's creator; "
        "ignored for anyone else.",
    )
    access_list: list[uuid.UUID] | None = strawberry.field(default=None, description=ACCESS_LIST)
    is_notify: bool = strawberry.field(
        default=False,
        description="Notify the access list (but the caller) of their access, when it is set.",
    )


@strawberry.input(description="The opportunity to delete.")
class DeleteOpportunityInput:
    id: int = strawberry.field(description=DEAL_ID)


@strawberry.input(
    description="The opportunities to delete: give exactly one of `ids` and `filter`."
)
class DeleteOpportunitiesInput:
    ids: list[int] | None = strawberry.field(
        default=None, description="Their ids; those the caller cannot see or edit are skipped."
    )
    filter: OpportunityFilter | None = strawberry.field(
        default=None,
        description="Every opportunity meeting these conditions that the caller may see and "
        "edit, as the original's DELETE /api/2.0/crm/opportunity/filter; an empty filter "
        "means all of them.",
    )


@strawberry.input(description="An opportunity and the stage to move it to.")
class SetOpportunityStageInput:
    id: int = strawberry.field(description=DEAL_ID)
    stage_id: int = strawberry.field(description="The stage's id.")


@strawberry.input(description="Who may see an opportunity.")
class SetOpportunityAccessInput:
    id: int = strawberry.field(description=DEAL_ID)
    is_private: bool = strawberry.field(default=False, description=IS_PRIVATE)
    access_list: list[uuid.UUID] | None = strawberry.field(default=None, description=ACCESS_LIST)


@strawberry.input(description="Who may see several opportunities.")
class SetOpportunitiesAccessInput:
    ids: list[int] = strawberry.field(
        description="Their ids; those the caller cannot see, or did not create (unless an "
        "administrator), are skipped."
    )
    is_private: bool = strawberry.field(default=False, description=IS_PRIVATE)
    access_list: list[uuid.UUID] | None = strawberry.field(default=None, description=ACCESS_LIST)


@strawberry.input(description="An opportunity and the contact to add to its members.")
class AddOpportunityMemberInput:
    id: int = strawberry.field(description=DEAL_ID)
    contact_id: int = strawberry.field(description="The contact's id.")


@strawberry.input(description="An opportunity and the contact to remove from its members.")
class RemoveOpportunityMemberInput:
    id: int = strawberry.field(description=DEAL_ID)
    contact_id: int = strawberry.field(description="The contact's id.")


@strawberry.input(description="One custom-field value of an opportunity.")
class SetOpportunityCustomFieldInput:
    id: int = strawberry.field(description=DEAL_ID)
    field_id: int = strawberry.field(description="Id of an opportunity custom field definition.")
    value: str | None = strawberry.field(
        default=None,
        description="The value, trimmed; not checked against the field type. Empty or omitted "
        "removes the stored value.",
    )


# --- payloads -----------------------------------------------------------------------------------


@strawberry.type(description="The result of updateOpportunity.")
class UpdateOpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of deleteOpportunity.")
class DeleteOpportunityPayload:
    deleted_opportunities: list[Opportunity] = strawberry.field(
        description="The deleted opportunity as it was, alone in the list; empty when refused. "
        "Its members, access list and custom fields went with it, so they show empty."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of deleteOpportunities.")
class DeleteOpportunitiesPayload:
    deleted_opportunities: list[Opportunity] = strawberry.field(
        description="The deleted opportunities as they were, in the order listed; empty when "
        "refused or none could be deleted. Their members, access lists and custom fields "
        "went with them, so they show empty."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setOpportunityStage.")
class SetOpportunityStagePayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setOpportunityAccess.")
class SetOpportunityAccessPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setOpportunitiesAccess.")
class SetOpportunitiesAccessPayload:
    opportunities: list[Opportunity] = strawberry.field(
        description="The changed opportunities, in the order listed; empty when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of addOpportunityMember.")
class AddOpportunityMemberPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its members; null when refused."
    )
    contact: Contact | None = strawberry.field(
        description="The contact that was added; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of removeOpportunityMember.")
class RemoveOpportunityMemberPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its members; null when refused."
    )
    contact: Contact | None = strawberry.field(
        description="The contact that was removed; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setOpportunityCustomField.")
class SetOpportunityCustomFieldPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its custom fields; null when refused."
    )
    custom_field: CustomField | None = strawberry.field(
        description="The field as now stored on the opportunity: its definition and value "
        "(null when the value was removed); null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


def _new_opportunity(data: UpdateOpportunityInput) -> NewOpportunity:
    return NewOpportunity(
        title=data.title,
        description=data.description,
        responsible_id=data.responsible_id,
        stage_id=data.stage_id,
        bid_currency_abbr=data.bid_currency_abbr,
        bid_type=to_domain(DomainBidType, data.bid_type),
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


# --- the mutations ------------------------------------------------------------------------------


@strawberry.type(description="Changes to stored opportunities.")
class OpportunityMutation:
    @strawberry.mutation(
        description="Replace an opportunity with the semantics of PUT "
        "/api/2.0/crm/opportunity/{id}. NOT_FOUND when the caller cannot see it; then "
        "createOpportunity's checks; then FORBIDDEN when the caller may not edit it."
    )
    async def update_opportunity(
        self,
        info: Info,
        input_: Annotated[
            UpdateOpportunityInput,
            strawberry.argument(name="input", description="The opportunity and its new values."),
        ],
    ) -> UpdateOpportunityPayload:
        try:
            row = await changes.update_opportunity(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                new=_new_opportunity(input_),
            )
        except DomainError as refused:
            return UpdateOpportunityPayload(opportunity=None, errors=user_errors(refused))
        return UpdateOpportunityPayload(opportunity=_changed(info, row), errors=[])

    @strawberry.mutation(
        description="Delete an opportunity with its members, access list and custom-field "
        "values. NOT_FOUND when the caller cannot see it, FORBIDDEN when they may not edit it."
    )
    async def delete_opportunity(
        self,
        info: Info,
        input_: Annotated[
            DeleteOpportunityInput,
            strawberry.argument(name="input", description="The opportunity."),
        ],
    ) -> DeleteOpportunityPayload:
        try:
            row = await changes.delete_opportunity(
                db=info.context.db, caller=info.context.caller, opportunity_id=input_.id
            )
        except DomainError as refused:
            return DeleteOpportunityPayload(deleted_opportunities=[], errors=user_errors(refused))
        return DeleteOpportunityPayload(
            deleted_opportunities=await _deleted(info, [row]), errors=[]
        )

    @strawberry.mutation(
        description="Delete several opportunities, by ids as the original's batch PUT "
        "/api/2.0/crm/opportunity or by filter as its DELETE /api/2.0/crm/opportunity/filter. "
        "Those the caller cannot see or edit are skipped silently; an empty or missing id list "
        "is refused with REQUIRED, ids and filter together with INVALID."
    )
    async def delete_opportunities(
        self,
        info: Info,
        input_: Annotated[
            DeleteOpportunitiesInput,
            strawberry.argument(name="input", description="The opportunities."),
        ],
    ) -> DeleteOpportunitiesPayload:
        try:
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
                    db=info.context.db, caller=info.context.caller, ids=input_.ids or []
                )
        except DomainError as refused:
            return DeleteOpportunitiesPayload(deleted_opportunities=[], errors=user_errors(refused))
        return DeleteOpportunitiesPayload(
            deleted_opportunities=await _deleted(info, rows), errors=[]
        )

    @strawberry.mutation(
        description="Move an opportunity to a stage: it takes the stage's success probability, "
        "and the actual close date becomes now for a closed stage, null for an open one. "
        "NOT_FOUND when the caller cannot see or edit the opportunity, or the stage is unknown."
    )
    async def set_opportunity_stage(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityStageInput,
            strawberry.argument(name="input", description="The opportunity and the stage."),
        ],
    ) -> SetOpportunityStagePayload:
        try:
            row = await changes.set_stage(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                stage_id=input_.stage_id,
            )
        except DomainError as refused:
            return SetOpportunityStagePayload(opportunity=None, errors=user_errors(refused))
        return SetOpportunityStagePayload(opportunity=_changed(info, row), errors=[])

    @strawberry.mutation(
        description="Make an opportunity private to an access list, or public; no one is "
        "notified. Only administrators and its creator may (FORBIDDEN); NOT_FOUND when the "
        "caller cannot see it."
    )
    async def set_opportunity_access(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityAccessInput,
            strawberry.argument(name="input", description="The opportunity and who may see it."),
        ],
    ) -> SetOpportunityAccessPayload:
        try:
            row = await changes.set_access(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                is_private=input_.is_private,
                access_list=input_.access_list or (),
            )
        except DomainError as refused:
            return SetOpportunityAccessPayload(opportunity=None, errors=user_errors(refused))
        return SetOpportunityAccessPayload(opportunity=_changed(info, row), errors=[])

    @strawberry.mutation(
        description="setOpportunityAccess for several opportunities; those the caller cannot "
        "see, or may not change, are skipped silently. An empty list is refused with REQUIRED."
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
        try:
            rows = await changes.set_access_many(
                db=info.context.db,
                caller=info.context.caller,
                ids=input_.ids,
                is_private=input_.is_private,
                access_list=input_.access_list or (),
            )
        except DomainError as refused:
            return SetOpportunitiesAccessPayload(opportunities=[], errors=user_errors(refused))
        _fresh_loaders(info)
        return SetOpportunitiesAccessPayload(
            opportunities=[Opportunity.from_row(row) for row in rows], errors=[]
        )

    @strawberry.mutation(
        description="Add a contact to an opportunity's members; adding it again changes "
        "nothing. NOT_FOUND when the caller cannot see the opportunity or the contact, "
        "FORBIDDEN when they may not edit the opportunity."
    )
    async def add_opportunity_member(
        self,
        info: Info,
        input_: Annotated[
            AddOpportunityMemberInput,
            strawberry.argument(name="input", description="The opportunity and the contact."),
        ],
    ) -> AddOpportunityMemberPayload:
        try:
            row = await changes.add_member(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                contact_id=input_.contact_id,
            )
        except DomainError as refused:
            return AddOpportunityMemberPayload(
                opportunity=None, contact=None, errors=user_errors(refused)
            )
        opportunity = _changed(info, row)
        return AddOpportunityMemberPayload(
            opportunity=opportunity, contact=await _contact(info, input_.contact_id), errors=[]
        )

    @strawberry.mutation(
        description="Remove a contact from an opportunity's members, the primary contact too "
        "(it stays the primary contact). Refused as addOpportunityMember."
    )
    async def remove_opportunity_member(
        self,
        info: Info,
        input_: Annotated[
            RemoveOpportunityMemberInput,
            strawberry.argument(name="input", description="The opportunity and the contact."),
        ],
    ) -> RemoveOpportunityMemberPayload:
        try:
            row = await changes.remove_member(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                contact_id=input_.contact_id,
            )
        except DomainError as refused:
            return RemoveOpportunityMemberPayload(
                opportunity=None, contact=None, errors=user_errors(refused)
            )
        opportunity = _changed(info, row)
        return RemoveOpportunityMemberPayload(
            opportunity=opportunity, contact=await _contact(info, input_.contact_id), errors=[]
        )

    @strawberry.mutation(
        description="Set or, with an empty value, remove one custom-field value of an "
        "opportunity. Anyone who can see the opportunity may, as in the original. NOT_FOUND "
        "when the caller cannot see it or the field is not an opportunity field."
    )
    async def set_opportunity_custom_field(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityCustomFieldInput,
            strawberry.argument(name="input", description="The opportunity, field and value."),
        ],
    ) -> SetOpportunityCustomFieldPayload:
        try:
            row = await changes.set_custom_field(
                db=info.context.db,
                caller=info.context.caller,
                opportunity_id=input_.id,
                field_id=input_.field_id,
                value=input_.value,
            )
        except DomainError as refused:
            return SetOpportunityCustomFieldPayload(
                opportunity=None, custom_field=None, errors=user_errors(refused)
            )
        opportunity = _changed(info, row)
        return SetOpportunityCustomFieldPayload(
            opportunity=opportunity,
            custom_field=await _stored_field(info, input_.id, input_.field_id),
            errors=[],
        )
