"""Edits to one part of stored opportunities: the original's stage, member and custom-field
routes (who may see them: opportunity_access)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import opportunity_changes as changes
from app.domain import reads
from app.graphql.context import Info
from app.graphql.ids import key
from app.graphql.mutations.opportunity_values import OPPORTUNITY_ID
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import Contact, CustomField, Opportunity


@strawberry.input(description="An opportunity and the stage to move it to.")
class SetOpportunityStageInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    stage_id: strawberry.ID = strawberry.field(description="The stage's id.")


@strawberry.input(description="An opportunity and the contact to add to its members.")
class AddOpportunityMemberInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    contact_id: strawberry.ID = strawberry.field(description="The contact's id.")


@strawberry.input(description="An opportunity and the contact to remove from its members.")
class RemoveOpportunityMemberInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    contact_id: strawberry.ID = strawberry.field(description="The contact's id.")


@strawberry.input(description="One custom-field value of an opportunity.")
class SetOpportunityCustomFieldInput:
    id: strawberry.ID = strawberry.field(description=OPPORTUNITY_ID)
    field_id: strawberry.ID = strawberry.field(
        description="Id of an opportunity custom field definition."
    )
    value: str | None = strawberry.field(
        default=None,
        description="The value, trimmed; not checked against the field type. Empty or omitted "
        "removes the stored value.",
    )


@strawberry.type(description="The result of setOpportunityStage.")
class SetOpportunityStagePayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as stored; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of addOpportunityMember.")
class AddOpportunityMemberPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its members; null when refused."
    )
    contact: Contact | None = strawberry.field(
        description="The contact that was added; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of removeOpportunityMember.")
class RemoveOpportunityMemberPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its members; null when refused."
    )
    contact: Contact | None = strawberry.field(
        description="The contact that was removed; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of setOpportunityCustomField.")
class SetOpportunityCustomFieldPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity with its custom fields; null when refused."
    )
    custom_field: CustomField | None = strawberry.field(
        description="The field as now stored on the opportunity: its definition and value "
        "(null when the value was removed); null when refused."
    )
    errors: list[UserError] = errors_field()


async def contact(info: Info, contact_id: int) -> Contact | None:
    """A contact as the caller may see it, or None."""
    row = await info.context.loaders.contact_by_id.load(contact_id)
    return Contact.from_row(row) if row is not None else None


async def stored_field(info: Info, opportunity_id: int, field_id: int) -> CustomField | None:
    """One custom field of an opportunity as stored: its definition and value (None when unset)."""
    async with info.context.db.read() as conn:
        definitions = await reads.field_definitions(conn, "opportunity")
    definition = next((d for d in definitions if d["id"] == field_id), None)
    if definition is None:  # deleted in the meantime
        return None
    values = await info.context.loaders.custom_fields_by_opportunity.load(opportunity_id)
    value = next((v["value"] for v in values if v["id"] == field_id), None)
    return CustomField.from_row({**definition, "opportunity_id": opportunity_id, "value": value})


@strawberry.type
class OpportunityEditMutation:
    """Stage, members and custom-field values of stored opportunities."""

    @strawberry.mutation(
        description="Move an opportunity to a stage: it takes the stage's success probability, "
        "and the actual close date becomes now for a closed stage, null for an open one. "
        "NOT_FOUND when the caller cannot see or edit the opportunity, or the stage is unknown.",
        extensions=[Refusals()],
    )
    async def set_opportunity_stage(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityStageInput,
            strawberry.argument(name="input", description="The opportunity and the stage."),
        ],
    ) -> SetOpportunityStagePayload:
        row = await changes.set_stage(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            stage_id=key(input_.stage_id, "Stage"),
        )
        return SetOpportunityStagePayload(opportunity=Opportunity.from_row(row))

    @strawberry.mutation(
        description="Add a contact to an opportunity's members; adding it again changes "
        "nothing. NOT_FOUND when the caller cannot see the opportunity or the contact, "
        "FORBIDDEN when they may not edit the opportunity.",
        extensions=[Refusals()],
    )
    async def add_opportunity_member(
        self,
        info: Info,
        input_: Annotated[
            AddOpportunityMemberInput,
            strawberry.argument(name="input", description="The opportunity and the contact."),
        ],
    ) -> AddOpportunityMemberPayload:
        contact_id = key(input_.contact_id, "Contact")
        row = await changes.add_member(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            contact_id=contact_id,
        )
        return AddOpportunityMemberPayload(
            opportunity=Opportunity.from_row(row), contact=await contact(info, contact_id)
        )

    @strawberry.mutation(
        description="Remove a contact from an opportunity's members, the primary contact too "
        "(it stays the primary contact). Refused as addOpportunityMember.",
        extensions=[Refusals()],
    )
    async def remove_opportunity_member(
        self,
        info: Info,
        input_: Annotated[
            RemoveOpportunityMemberInput,
            strawberry.argument(name="input", description="The opportunity and the contact."),
        ],
    ) -> RemoveOpportunityMemberPayload:
        contact_id = key(input_.contact_id, "Contact")
        row = await changes.remove_member(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            contact_id=contact_id,
        )
        return RemoveOpportunityMemberPayload(
            opportunity=Opportunity.from_row(row), contact=await contact(info, contact_id)
        )

    @strawberry.mutation(
        description="Set or, with an empty value, remove one custom-field value of an "
        "opportunity. Anyone who can see the opportunity may, as in the original. NOT_FOUND "
        "when the caller cannot see it or the field is not an opportunity field.",
        extensions=[Refusals()],
    )
    async def set_opportunity_custom_field(
        self,
        info: Info,
        input_: Annotated[
            SetOpportunityCustomFieldInput,
            strawberry.argument(name="input", description="The opportunity, field and value."),
        ],
    ) -> SetOpportunityCustomFieldPayload:
        row = await changes.set_custom_field(
            db=info.context.db,
            caller=info.context.caller,
            opportunity_id=key(input_.id, "Opportunity"),
            field_id=key(input_.field_id, "CustomFieldDefinition"),
            value=input_.value,
        )
        return SetOpportunityCustomFieldPayload(
            opportunity=Opportunity.from_row(row),
            custom_field=await stored_field(
                info, row["id"], key(input_.field_id, "CustomFieldDefinition")
            ),
        )
