"""Defining, editing, ordering and deleting custom fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import custom_fields, reads
from app.domain import enums as domain
from app.graphql.context import Info
from app.graphql.enums import CustomFieldEntityType, CustomFieldType, entity_type_name, to_domain
from app.graphql.ids import global_id, key, keys
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types import CustomFieldDefinition

# As the original's CustomFieldDao.GetValidMask reads and normalises it.
MASK = (
    'For TEXT_FIELD {"size": n} (0 becomes 1, at most 150; unreadable: 40), for TEXT_AREA '
    '{"rows": r, "cols": c} (at most 25 and 150; unreadable: 2 and 40), for SELECT_BOX its '
    'options as a JSON array, e.g. ["Web", "Fair"]; CHECK_BOX, HEADING and DATE have none. An '
    "empty mask is INVALID for the first three; null gives the type's defaults."
)


@strawberry.input(description="A new custom field definition.")
class CreateCustomFieldDefinitionInput:
    label: str = strawberry.field(description="The field's label, 1-255 characters.")
    field_type: CustomFieldType = strawberry.field(
        default=CustomFieldType.TEXT_FIELD, description="How the field is edited."
    )
    position: int | None = strawberry.field(
        default=0, description="Order; 0 or null puts it after the last."
    )
    mask: str | None = strawberry.field(
        default=None,
        description=MASK,
    )
    entity_type: CustomFieldEntityType = strawberry.field(
        default=CustomFieldEntityType.OPPORTUNITY,
        description="What the field belongs to.",
    )


@strawberry.input(description="A custom field definition's new values; every field is replaced.")
class UpdateCustomFieldDefinitionInput:
    id: strawberry.ID = strawberry.field(description="The definition's id.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the change was made on (CustomFieldDefinition.version, as read): "
        "when the stored one differs, nothing is written and the answer is a CONFLICT error "
        "carrying the current version, with the definition as stored. Null: no check.",
    )
    label: str = strawberry.field(description="The field's label, 1-255 characters; trimmed.")
    field_type: CustomFieldType = strawberry.field(
        default=CustomFieldType.TEXT_FIELD, description="How the field is edited."
    )
    mask: str | None = strawberry.field(
        default=None,
        description=MASK + " While opportunities have a value for the field, its type stays and "
        "a select box's new options must keep every old one; null keeps the mask.",
    )


@strawberry.input(description="The custom field definition to delete.")
class DeleteCustomFieldDefinitionInput:
    id: strawberry.ID = strawberry.field(description="The definition's id.")


@strawberry.input(description="A new order of custom fields.")
class ReorderCustomFieldDefinitionsInput:
    ids: list[strawberry.ID] = strawberry.field(
        description="Definition ids in their new order, all of opportunities or all of "
        "contacts; each gets its 1-based index as position. Fields left out keep theirs."
    )


@strawberry.type(description="The result of createCustomFieldDefinition.")
class CreateCustomFieldDefinitionPayload:
    custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The created definition; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of updateCustomFieldDefinition.")
class UpdateCustomFieldDefinitionPayload:
    custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The definition as stored; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of deleteCustomFieldDefinition.")
class DeleteCustomFieldDefinitionPayload:
    deleted_custom_field_definition_id: strawberry.ID | None = strawberry.field(
        description="The global id the deleted definition had; null when refused."
    )
    deleted_custom_field_definition: CustomFieldDefinition | None = strawberry.field(
        description="The deleted definition as it was, with the value count it had; null when "
        "refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="The result of reorderCustomFieldDefinitions.")
class ReorderCustomFieldDefinitionsPayload:
    custom_field_definitions: list[CustomFieldDefinition] | None = strawberry.field(
        description="The listed definitions in their new order; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class CustomFieldDefinitionCreation:
    """createCustomFieldDefinition, among the first mutations of the published schema."""

    @strawberry.mutation(
        description="Define a custom field (administrators only).",
        # A create changes no row the loaders cached.
        extensions=[Refusals(fresh_loaders=False)],
    )
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
            field_type=to_domain(domain.CustomFieldType, input_.field_type),
            position=input_.position or 0,
            mask=input_.mask,
            entity_type=entity_type_name(input_.entity_type),
        )
        row = await custom_fields.create_definition(
            db=info.context.db, caller=info.context.caller, new=new
        )
        return CreateCustomFieldDefinitionPayload(
            custom_field_definition=CustomFieldDefinition.from_row(row)
        )


@strawberry.type
class CustomFieldDefinitionMutation:
    """Editing, deleting and ordering custom field definitions."""

    @strawberry.mutation(
        description="Replace a custom field definition's label, type and mask. Open to every "
        "user, not only administrators, as in the original API. CONFLICT, with the definition "
        "as stored, when expectedVersion is not its version.",
        extensions=[Refusals(current=("custom_field_definition", CustomFieldDefinition.from_row))],
    )
    async def update_custom_field_definition(
        self,
        info: Info,
        input_: Annotated[
            UpdateCustomFieldDefinitionInput,
            strawberry.argument(name="input", description="The definition and its new values."),
        ],
    ) -> UpdateCustomFieldDefinitionPayload:
        row = await custom_fields.update_definition(
            db=info.context.db,
            caller=info.context.caller,
            field_id=key(input_.id, "CustomFieldDefinition"),
            label=input_.label,
            field_type=to_domain(domain.CustomFieldType, input_.field_type),
            mask=input_.mask,
            expected_version=input_.expected_version,
        )
        return UpdateCustomFieldDefinitionPayload(
            custom_field_definition=CustomFieldDefinition.from_row(row)
        )

    @strawberry.mutation(
        description="Delete a custom field definition and every value of it (administrators only).",
        extensions=[Refusals()],
    )
    async def delete_custom_field_definition(
        self,
        info: Info,
        input_: Annotated[
            DeleteCustomFieldDefinitionInput,
            strawberry.argument(name="input", description="The definition."),
        ],
    ) -> DeleteCustomFieldDefinitionPayload:
        field_id = key(input_.id, "CustomFieldDefinition")
        # The values go with the definition: count them first (what the caller may see).
        async with info.context.db.read() as conn:
            counts = await reads.field_value_counts(conn, info.context.caller, [field_id])
        deleted = await custom_fields.delete_definition(
            db=info.context.db, caller=info.context.caller, field_id=field_id
        )
        return DeleteCustomFieldDefinitionPayload(
            deleted_custom_field_definition_id=global_id("CustomFieldDefinition", deleted["id"]),
            deleted_custom_field_definition=CustomFieldDefinition.from_row(
                deleted, value_count=counts.get(field_id, 0)
            ),
        )

    @strawberry.mutation(
        description="Put custom fields in a new order (administrators only). Unknown ids are "
        "refused with NOT_FOUND; repeated ids, or fields of opportunities and contacts mixed, "
        "with INVALID.",
        extensions=[Refusals()],
    )
    async def reorder_custom_field_definitions(
        self,
        info: Info,
        input_: Annotated[
            ReorderCustomFieldDefinitionsInput,
            strawberry.argument(name="input", description="The ids in their new order."),
        ],
    ) -> ReorderCustomFieldDefinitionsPayload:
        rows = await custom_fields.reorder_definitions(
            db=info.context.db,
            caller=info.context.caller,
            ids=keys(input_.ids, "CustomFieldDefinition"),
        )
        return ReorderCustomFieldDefinitionsPayload(
            custom_field_definitions=[CustomFieldDefinition.from_row(row) for row in rows]
        )
