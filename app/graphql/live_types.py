"""The event types of the board's other subscriptions: stages and custom-field definitions."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Table, select

from app.db.models import custom_field_t, stage_t
from app.domain import events
from app.graphql.context import Context
from app.graphql.ids import global_id
from app.graphql.live_feed import current_caller
from app.graphql.types import CustomFieldDefinition, Stage

CURSOR_HELP = (
    "Where the event stands among all committed changes: subscribe again with `after` set to "
    "the last one you received to get what you missed."
)


@strawberry.enum(description="What happened to an opportunity.")
class OpportunityEventKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    STAGE_CHANGED = "stage_changed"
    ACCESS_CHANGED = "access_changed"
    DELETED = "deleted"
    REFETCH = strawberry.enum_value(
        "refetch", description="Events may have been missed: refetch what you show."
    )


def record_id(type_name: str, event: events.OpportunityEvent) -> strawberry.ID | None:
    """The global id of the record an event is about; None for REFETCH (about none)."""
    if event.kind is events.EventKind.REFETCH:
        return None
    return global_id(type_name, event.opportunity_id)


async def _stored(context: Context, table: Table, event: events.OpportunityEvent) -> Any:
    """The record an event is about as stored now; None once deleted (or for REFETCH)."""
    if event.kind is events.EventKind.DELETED or event.kind is events.EventKind.REFETCH:
        return None
    await current_caller(context)  # a revoked key ends the stream before it reads
    async with context.db.read() as conn:
        found = await conn.execute(select(table).where(table.c.id == event.opportunity_id))
        return found.mappings().first()


@strawberry.type(description="A committed change to a stage of the pipeline.")
class StageEvent:
    kind: OpportunityEventKind
    stage_id: strawberry.ID | None = strawberry.field(
        description="The stage's global id; null for REFETCH."
    )
    version: int = strawberry.field(description="The stage's version after the change.")
    changed: list[str] = strawberry.field(description="The names of the values the change set.")
    cursor: str = strawberry.field(description=CURSOR_HELP)
    stage: Stage | None = strawberry.field(description="The stage as stored; null when deleted.")


async def stage_event(context: Context, event: events.OpportunityEvent) -> StageEvent:
    row = await _stored(context, stage_t, event)
    stage = Stage.from_row(row) if row is not None else None
    return StageEvent(
        kind=OpportunityEventKind(event.kind.value),
        stage_id=record_id("Stage", event),
        version=event.version,
        changed=list(event.changed),
        cursor=str(event.cursor),
        stage=stage,
    )


@strawberry.type(description="A committed change to a custom-field definition.")
class CustomFieldEvent:
    kind: OpportunityEventKind
    field_id: strawberry.ID | None = strawberry.field(
        description="The definition's global id; null for REFETCH."
    )
    version: int = strawberry.field(description="The definition's version after the change.")
    changed: list[str] = strawberry.field(description="The names of the values the change set.")
    cursor: str = strawberry.field(description=CURSOR_HELP)
    field: CustomFieldDefinition | None = strawberry.field(
        description="The definition as stored now; null when deleted."
    )


async def custom_field_event(context: Context, event: events.OpportunityEvent) -> CustomFieldEvent:
    """The event with the definition as stored when it is delivered."""
    row = await _stored(context, custom_field_t, event)
    field = CustomFieldDefinition.from_row(row) if row is not None else None
    return CustomFieldEvent(
        kind=OpportunityEventKind(event.kind.value),
        field_id=record_id("CustomFieldDefinition", event),
        version=event.version,
        changed=list(event.changed),
        cursor=str(event.cursor),
        field=field,
    )
