"""Management mutations: stages, custom-field definitions, contacts, employees and API keys.

Thin translations between GraphQL inputs and the domain services; expected refusals become
`errors` entries of the payload.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from app.domain import contacts, custom_fields, employees, keys, reads, stages
from app.domain import enums as domain
from app.domain.errors import DomainError
from app.graphql.context import Info
from app.graphql.enums import CustomFieldType, ShareType, StageType, to_domain
from app.graphql.inputs import ERRORS_DESCRIPTION, UserError, user_errors
from app.graphql.types import Contact, CustomFieldDefinition, Employee, Stage


def _changed(info: Info) -> None:
    info.context.refresh_loaders()


# --- stages -------------------------------------------------------------------------------------


@strawberry.input(description="A new stage, added at the end of the pipeline.")
class CreateStageInput:
    title: str = strawberry.field(description="Name of the stage, 1-255 characters; trimmed.")
    color: str = strawberry.field(
        description="Colour used to draw the stage, e.g. #b58fd6; 1-50 characters, required."
    )
    description: str | None = strawberry.field(default=None, description="What the stage means.")
    success_probability: int = strawberry.field(
        default=0, description="Chance of winning at this stage, 0-100 (not clamped)."
    )
    stage_type: StageType = strawberry.field(
        default=StageType.OPEN, description="Whether the stage is open, won or lost."
    )


@strawberry.input(
    description="A stage's new values; every field is replaced, omitted ones take the defaults."
)
class UpdateStageInput:
    id: int = strawberry.field(description="The stage's id.")
    title: str = strawberry.field(description="Name of the stage, 1-255 characters; trimmed.")
    color: str = strawberry.field(
        description="Colour used to draw the stage, e.g. #b58fd6; 1-50 characters, required."
    )
    description: str | None = strawberry.field(default=None, description="What the stage means.")
    success_probability: int = strawberry.field(
        default=0, description="Chance of winning at this stage, 0-100 (not clamped)."
    )
    stage_type: StageType = strawberry.field(
        default=StageType.OPEN, description="Whether the stage is open, won or lost."
    )


@strawberry.input(description="A stage's new colour.")
class SetStageColorInput:
    id: int = strawberry.field(description="The stage's id.")
    color: str = strawberry.field(description="The new colour, e.g. #b58fd6; 1-50 characters.")


@strawberry.input(description="A new order of the pipeline.")
class ReorderStagesInput:
    ids: list[int] = strawberry.field(
        description="Stage ids in their new order; each gets its 0-based index as sort order. "
        "Stages left out keep theirs."
    )


@strawberry.input(description="The stage to delete.")
class DeleteStageInput:
    id: int = strawberry.field(description="The stage's id.")


@strawberry.type(description="The result of createStage.")
class CreateStagePayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of updateStage.")
class UpdateStagePayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of setStageColor.")
class SetStageColorPayload:
    stage: Stage | None = strawberry.field(description="The stage as stored; null when refused.")
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of reorderStages.")
class ReorderStagesPayload:
    stages: list[Stage] | None = strawberry.field(
        description="The listed stages in their new order; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of deleteStage.")
class DeleteStagePayload:
    deleted_stage_id: int | None = strawberry.field(
        description="The id the deleted stage had; null when refused."
    )
    deleted_stage: Stage | None = strawberry.field(
        description="The deleted stage as it was; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


def _stage_fields(data: CreateStageInput | UpdateStageInput) -> stages.StageFields:
    return stages.StageFields(
        title=data.title,
        color=data.color,
        description=data.description,
        success_probability=data.success_probability,
        stage_type=to_domain(domain.StageType, data.stage_type),
    )


# --- custom-field definitions -------------------------------------------------------------------


@strawberry.input(description="A custom field definition's new values; every field is replaced.")
class UpdateCustomFieldDefinitionInput:
    id: int = strawberry.field(description="The definition's id.")
    label: str = strawberry.field(description="The field's label, 1-255 characters; trimmed.")
    field_type: CustomFieldType = strawberry.field(
        default=CustomFieldType.TEXT_FIELD, description="How the field is edited."
    )
    mask: str = strawberry.field(
        default="",
        description="Options or format for the field type; for SELECT_BOX a JSON array of "
        'strings, e.g. ["Web", "Fair"].',
    )


@strawberry.input(description="The custom field definition to delete.")
class DeleteCustomFieldDefinitionInput:
    id: int = strawberry.field(description="The definition's id.")


@strawberry.input(description="A new order of custom fields.")
class ReorderCustomFieldDefinitionsInput:
    ids: list[int] = strawberry.field(
        description="Definition ids in their new order, all of opportunities or all of "
        "contacts; each gets its 1-based index as position. Fields left out keep theirs."
    )


@strawberry.type(description="The result of updateCustomFieldDefinition.")
class UpdateCustomFieldDefinitionPayload:
    custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The definition as stored; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of deleteCustomFieldDefinition.")
class DeleteCustomFieldDefinitionPayload:
    deleted_custom_field_definition_id: int | None = strawberry.field(
        description="The id the deleted definition had; null when refused."
    )
    deleted_custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The deleted definition as it was, with the value count it had; null when "
        "refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of reorderCustomFieldDefinitions.")
class ReorderCustomFieldDefinitionsPayload:
    custom_field_definitions: list[CustomFieldDefinition] | None = strawberry.field(
        description="The listed definitions in their new order; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


# --- contacts -----------------------------------------------------------------------------------


@strawberry.input(
    description="A contact's new values; every field is replaced, as createContact sets them. "
    "A person keeps first and last name, a company its company name."
)
class UpdateContactInput:
    id: int = strawberry.field(description="The contact's id.")
    first_name: str | None = strawberry.field(default=None, description="A person's first name.")
    last_name: str | None = strawberry.field(default=None, description="A person's last name.")
    company_name: str | None = strawberry.field(default=None, description="A company's name.")
    title: str | None = strawberry.field(default=None, description="A person's job title.")
    share_type: ShareType = strawberry.field(
        default=ShareType.READ_WRITE, description="Who may see the contact."
    )
    access_list: list[uuid.UUID] | None = strawberry.field(
        default=None,
        description="Who may see a private contact; replaces the stored list. Its creator and "
        "the caller are always kept; unknown users are dropped.",
    )
    currency_abbr: str | None = strawberry.field(
        default=None, description="The contact's currency, any case."
    )


@strawberry.input(description="The contact to delete.")
class DeleteContactInput:
    id: int = strawberry.field(description="The contact's id.")


@strawberry.type(description="The result of updateContact.")
class UpdateContactPayload:
    contact: Contact | None = strawberry.field(
        description="The contact as stored; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of deleteContact.")
class DeleteContactPayload:
    deleted_contact_id: int | None = strawberry.field(
        description="The id the deleted contact had; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


# --- employees and API keys ---------------------------------------------------------------------


@strawberry.input(description="A new employee.")
class CreateEmployeeInput:
    display_name: str = strawberry.field(description="Name shown for the user, 1-255 characters.")
    title: str | None = strawberry.field(
        default=None, description="Job title, at most 255 characters."
    )
    is_admin: bool = strawberry.field(
        default=False, description="Whether the user administers the CRM."
    )


@strawberry.input(description="Whose new API key to issue.")
class IssueApiKeyInput:
    employee_id: uuid.UUID = strawberry.field(description="The employee the key signs in as.")


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    key_id: int = strawberry.field(description="The key's id, as returned when it was issued.")


@strawberry.type(description="The result of createEmployee.")
class CreateEmployeePayload:
    employee: Employee | None = strawberry.field(description="The new employee; null when refused.")
    api_key: str | None = strawberry.field(
        description="The employee's first API key. Shown this once: only a digest is stored."
    )
    key_id: int | None = strawberry.field(description="The id to revoke that key by.")
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of issueApiKey.")
class IssueApiKeyPayload:
    api_key: str | None = strawberry.field(
        description="The new API key. Shown this once: only a digest is stored."
    )
    key_id: int | None = strawberry.field(description="The id to revoke the key by.")
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload:
    key_id: int | None = strawberry.field(description="The revoked key's id; null when refused.")
    revoked_at: datetime | None = strawberry.field(
        description="Since when the key no longer signs in; null when refused."
    )
    errors: list[UserError] = strawberry.field(description=ERRORS_DESCRIPTION)


# --- the mutations ------------------------------------------------------------------------------


@strawberry.type(description="Changes to stages, custom fields, contacts, employees and keys.")
class ManagementMutation:
    @strawberry.mutation(
        description="Add a stage at the end of the pipeline (administrators only). Refused "
        "with REQUIRED for an empty title or colour, INVALID for a probability outside 0-100."
    )
    async def create_stage(
        self,
        info: Info,
        input_: Annotated[
            CreateStageInput, strawberry.argument(name="input", description="The new stage.")
        ],
    ) -> CreateStagePayload:
        try:
            row = await stages.create_stage(
                db=info.context.db, caller=info.context.caller, fields=_stage_fields(input_)
            )
        except DomainError as refused:
            return CreateStagePayload(stage=None, errors=user_errors(refused))
        _changed(info)
        return CreateStagePayload(stage=Stage.from_row(row), errors=[])

    @strawberry.mutation(
        description="Replace a stage's values (administrators only), with createStage's "
        "checks. A stage any opportunity is at cannot be edited (CONFLICT); its colour can."
    )
    async def update_stage(
        self,
        info: Info,
        input_: Annotated[
            UpdateStageInput,
            strawberry.argument(name="input", description="The stage and its new values."),
        ],
    ) -> UpdateStagePayload:
        try:
            row = await stages.update_stage(
                db=info.context.db,
                caller=info.context.caller,
                stage_id=input_.id,
                fields=_stage_fields(input_),
            )
        except DomainError as refused:
            return UpdateStagePayload(stage=None, errors=user_errors(refused))
        _changed(info)
        return UpdateStagePayload(stage=Stage.from_row(row), errors=[])

    @strawberry.mutation(
        description="Recolour a stage, even one opportunities are at (administrators only)."
    )
    async def set_stage_color(
        self,
        info: Info,
        input_: Annotated[
            SetStageColorInput,
            strawberry.argument(name="input", description="The stage and its new colour."),
        ],
    ) -> SetStageColorPayload:
        try:
            row = await stages.set_stage_color(
                db=info.context.db,
                caller=info.context.caller,
                stage_id=input_.id,
                color=input_.color,
            )
        except DomainError as refused:
            return SetStageColorPayload(stage=None, errors=user_errors(refused))
        _changed(info)
        return SetStageColorPayload(stage=Stage.from_row(row), errors=[])

    @strawberry.mutation(
        description="Put stages in a new order (administrators only). Unknown ids are refused "
        "with NOT_FOUND, repeated ones with INVALID."
    )
    async def reorder_stages(
        self,
        info: Info,
        input_: Annotated[
            ReorderStagesInput,
            strawberry.argument(name="input", description="The stage ids in their new order."),
        ],
    ) -> ReorderStagesPayload:
        try:
            rows = await stages.reorder_stages(
                db=info.context.db, caller=info.context.caller, ids=input_.ids
            )
        except DomainError as refused:
            return ReorderStagesPayload(stages=None, errors=user_errors(refused))
        _changed(info)
        return ReorderStagesPayload(stages=[Stage.from_row(row) for row in rows], errors=[])

    @strawberry.mutation(
        description="Delete a stage (administrators only); one any opportunity is at cannot "
        "be deleted (CONFLICT)."
    )
    async def delete_stage(
        self,
        info: Info,
        input_: Annotated[
            DeleteStageInput, strawberry.argument(name="input", description="The stage.")
        ],
    ) -> DeleteStagePayload:
        try:
            deleted = await stages.delete_stage(
                db=info.context.db, caller=info.context.caller, stage_id=input_.id
            )
        except DomainError as refused:
            return DeleteStagePayload(
                deleted_stage_id=None, deleted_stage=None, errors=user_errors(refused)
            )
        _changed(info)
        return DeleteStagePayload(
            deleted_stage_id=deleted["id"], deleted_stage=Stage.from_row(deleted), errors=[]
        )

    @strawberry.mutation(
        description="Replace a custom field definition's label, type and mask. Open to every "
        "user, not only administrators, as in the original API."
    )
    async def update_custom_field_definition(
        self,
        info: Info,
        input_: Annotated[
            UpdateCustomFieldDefinitionInput,
            strawberry.argument(name="input", description="The definition and its new values."),
        ],
    ) -> UpdateCustomFieldDefinitionPayload:
        try:
            row = await custom_fields.update_definition(
                db=info.context.db,
                caller=info.context.caller,
                field_id=input_.id,
                label=input_.label,
                field_type=to_domain(domain.CustomFieldType, input_.field_type),
                mask=input_.mask,
            )
        except DomainError as refused:
            return UpdateCustomFieldDefinitionPayload(
                custom_field_definition=None, errors=user_errors(refused)
            )
        _changed(info)
        return UpdateCustomFieldDefinitionPayload(
            custom_field_definition=CustomFieldDefinition.from_row(row), errors=[]
        )

    @strawberry.mutation(
        description="Delete a custom field definition and every value of it (administrators only)."
    )
    async def delete_custom_field_definition(
        self,
        info: Info,
        input_: Annotated[
            DeleteCustomFieldDefinitionInput,
            strawberry.argument(name="input", description="The definition."),
        ],
    ) -> DeleteCustomFieldDefinitionPayload:
        # The values go with the definition: count them first (what the caller may see).
        async with info.context.db.read() as conn:
            counts = await reads.field_value_counts(conn, info.context.caller, [input_.id])
        try:
            deleted = await custom_fields.delete_definition(
                db=info.context.db, caller=info.context.caller, field_id=input_.id
            )
        except DomainError as refused:
            return DeleteCustomFieldDefinitionPayload(
                deleted_custom_field_definition_id=None,
                deleted_custom_field_definition=None,
                errors=user_errors(refused),
            )
        _changed(info)
        return DeleteCustomFieldDefinitionPayload(
            deleted_custom_field_definition_id=deleted["id"],
            deleted_custom_field_definition=CustomFieldDefinition.from_row(
                deleted, value_count=counts.get(input_.id, 0)
            ),
            errors=[],
        )

    @strawberry.mutation(
        description="Put custom fields in a new order (administrators only). Unknown ids are "
        "refused with NOT_FOUND; repeated ids, or fields of opportunities and contacts mixed, "
        "with INVALID."
    )
    async def reorder_custom_field_definitions(
        self,
        info: Info,
        input_: Annotated[
            ReorderCustomFieldDefinitionsInput,
            strawberry.argument(name="input", description="The ids in their new order."),
        ],
    ) -> ReorderCustomFieldDefinitionsPayload:
        try:
            rows = await custom_fields.reorder_definitions(
                db=info.context.db, caller=info.context.caller, ids=input_.ids
            )
        except DomainError as refused:
            return ReorderCustomFieldDefinitionsPayload(
                custom_field_definitions=None, errors=user_errors(refused)
            )
        _changed(info)
        return ReorderCustomFieldDefinitionsPayload(
            custom_field_definitions=[CustomFieldDefinition.from_row(row) for row in rows],
            errors=[],
        )

    @strawberry.mutation(
        description="Replace a contact's values, with createContact's checks. Needs the right "
        "to edit it: NOT_FOUND when the caller cannot see it, FORBIDDEN when only read."
    )
    async def update_contact(
        self,
        info: Info,
        input_: Annotated[
            UpdateContactInput,
            strawberry.argument(name="input", description="The contact and its new values."),
        ],
    ) -> UpdateContactPayload:
        new = contacts.NewContact(
            first_name=input_.first_name,
            last_name=input_.last_name,
            company_name=input_.company_name,
            title=input_.title,
            share_type=to_domain(domain.ShareType, input_.share_type),
            access_list=input_.access_list or (),
            currency_abbr=input_.currency_abbr,
        )
        try:
            row = await contacts.update_contact(
                db=info.context.db, caller=info.context.caller, contact_id=input_.id, new=new
            )
        except DomainError as refused:
            return UpdateContactPayload(contact=None, errors=user_errors(refused))
        _changed(info)
        return UpdateContactPayload(contact=Contact.from_row(row), errors=[])

    @strawberry.mutation(
        description="Delete a contact, with updateContact's permission rule. It leaves every "
        "opportunity it took part in; those it was the primary contact of keep none."
    )
    async def delete_contact(
        self,
        info: Info,
        input_: Annotated[
            DeleteContactInput, strawberry.argument(name="input", description="The contact.")
        ],
    ) -> DeleteContactPayload:
        try:
            deleted = await contacts.delete_contact(
                db=info.context.db, caller=info.context.caller, contact_id=input_.id
            )
        except DomainError as refused:
            return DeleteContactPayload(deleted_contact_id=None, errors=user_errors(refused))
        _changed(info)
        return DeleteContactPayload(deleted_contact_id=deleted, errors=[])

    @strawberry.mutation(
        description="Add an employee with a first API key, shown once (administrators only)."
    )
    async def create_employee(
        self,
        info: Info,
        input_: Annotated[
            CreateEmployeeInput,
            strawberry.argument(name="input", description="The new employee."),
        ],
    ) -> CreateEmployeePayload:
        try:
            row, issued = await employees.add_employee(
                db=info.context.db,
                caller=info.context.caller,
                display_name=input_.display_name,
                title=input_.title,
                is_admin=input_.is_admin,
            )
        except DomainError as refused:
            return CreateEmployeePayload(
                employee=None, api_key=None, key_id=None, errors=user_errors(refused)
            )
        _changed(info)
        return CreateEmployeePayload(
            employee=Employee.from_row(row), api_key=issued.key, key_id=issued.id, errors=[]
        )

    @strawberry.mutation(
        description="Issue a new API key, shown once: administrators for anyone, everyone "
        "else for themselves."
    )
    async def issue_api_key(
        self,
        info: Info,
        input_: Annotated[
            IssueApiKeyInput,
            strawberry.argument(name="input", description="Whose key to issue."),
        ],
    ) -> IssueApiKeyPayload:
        try:
            issued = await keys.issue_key(
                db=info.context.db, caller=info.context.caller, employee_id=input_.employee_id
            )
        except DomainError as refused:
            return IssueApiKeyPayload(api_key=None, key_id=None, errors=user_errors(refused))
        return IssueApiKeyPayload(api_key=issued.key, key_id=issued.id, errors=[])

    @strawberry.mutation(
        description="Revoke an API key so it no longer signs in: administrators any key, "
        "everyone else their own. Revoking a revoked key changes nothing."
    )
    async def revoke_api_key(
        self,
        info: Info,
        input_: Annotated[
            RevokeApiKeyInput, strawberry.argument(name="input", description="The key.")
        ],
    ) -> RevokeApiKeyPayload:
        try:
            row = await keys.revoke_key(
                db=info.context.db, caller=info.context.caller, key_id=input_.key_id
            )
        except DomainError as refused:
            return RevokeApiKeyPayload(key_id=None, revoked_at=None, errors=user_errors(refused))
        return RevokeApiKeyPayload(key_id=row["id"], revoked_at=row["revoked_at"], errors=[])
