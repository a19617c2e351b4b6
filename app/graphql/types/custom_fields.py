"""Custom fields: their definitions and the values an opportunity carries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter

import strawberry
from strawberry import relay

from app.domain import reads
from app.graphql.context import Info
from app.graphql.enums import CustomFieldEntityType, CustomFieldType
from app.graphql.ids import GLOBAL_ID, custom_field_id, global_id
from app.graphql.loaders import Row
from app.graphql.types.row_backed import member, row_backed


@strawberry.type(description="The value of one custom field on one opportunity.")
class CustomField:
    id: strawberry.ID = strawberry.field(
        description="The value's opaque id, built from the deal's and the field's: each deal's "
        "value of a field is its own object (fieldId names the definition)."
    )
    field_id: strawberry.ID = strawberry.field(
        description="The global id of the field's definition (a CustomFieldDefinition)."
    )
    field_database_id: int = strawberry.field(
        description="The id the legacy REST routes use for the field's definition."
    )
    entity_id: strawberry.ID = strawberry.field(
        description="The global id of the opportunity the value belongs to."
    )
    entity_database_id: int = strawberry.field(
        description="The id the legacy REST routes use for the opportunity."
    )
    label: str = strawberry.field(description="The field's label.")
    field_value: str | None = strawberry.field(description="The value; null for headings.")
    field_type: CustomFieldType = strawberry.field(description="How the field is edited.")
    position: int = strawberry.field(description="Order among the fields.")
    mask: str = strawberry.field(description="Options or format, depending on the field type.")

    @classmethod
    def from_row(cls, row: Row) -> CustomField:
        return _build_custom_field(row)


_build_custom_field = row_backed(
    CustomField,
    {
        "id": lambda row: custom_field_id(row["opportunity_id"], row["id"]),
        "field_id": lambda row: global_id("CustomFieldDefinition", row["id"]),
        "field_database_id": itemgetter("id"),
        "entity_id": lambda row: global_id("Opportunity", row["opportunity_id"]),
        "entity_database_id": itemgetter("opportunity_id"),
        "label": itemgetter("label"),
        "field_value": itemgetter("value"),
        "field_type": member(CustomFieldType, "field_type"),
        "position": itemgetter("position"),
        "mask": itemgetter("mask"),
    },
)


def custom_field_list(rows: Sequence[Row]) -> list[CustomField]:
    """Custom-field values of rows, in their order."""
    return [CustomField.from_row(row) for row in rows]


@strawberry.type(description="A custom field that opportunities (or contacts) can carry.")
class CustomFieldDefinition(relay.Node):
    # The database id; GraphQL's `id` is the global id built from it (Node).
    id: relay.NodeID[int]
    # Built with the object: a plain field answers faster than relay.Node's resolver.
    _id: strawberry.ID = strawberry.field(name="id", description=GLOBAL_ID)

    @strawberry.field(description="The id the legacy REST routes use for the definition.")
    def database_id(self) -> int:
        return self.id

    entity_type: CustomFieldEntityType = strawberry.field(description="What the field belongs to.")
    label: str = strawberry.field(description="The field's label.")
    field_type: CustomFieldType = strawberry.field(description="How the field is edited.")
    position: int = strawberry.field(description="Order among the fields.")
    mask: str = strawberry.field(description="Options or format, depending on the field type.")
    version: int = strawberry.field(
        description="Grows by one with every change to the definition, its position included; send "
        "it as expectedVersion to have a change refused (CONFLICT) if someone else wrote in "
        "between."
    )
    updated_at: datetime = strawberry.field(description="When the definition last changed.")
    known_value_count: strawberry.Private[int | None]

    @strawberry.field(
        description="How many opportunities the caller may see have a value for this field."
    )
    async def value_count(self, info: Info) -> int:
        if self.known_value_count is not None:
            return self.known_value_count
        async with info.context.db.read() as conn:
            counts = await reads.field_value_counts(conn, info.context.caller, [self.id])
        return counts.get(self.id, 0)

    @classmethod
    def from_row(cls, row: Row, *, value_count: int | None = None) -> CustomFieldDefinition:
        return cls(
            id=row["id"],
            _id=global_id("CustomFieldDefinition", row["id"]),
            entity_type=CustomFieldEntityType(row["entity_type"]),
            label=row["label"],
            field_type=CustomFieldType(row["field_type"]),
            position=row["position"],
            mask=row["mask"],
            version=row["version"],
            updated_at=row["updated_at"],
            known_value_count=value_count,
        )
