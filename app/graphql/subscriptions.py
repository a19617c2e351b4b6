"""Subscriptions: committed changes to deals, each shown as its subscriber may see it now.

An event reaches a subscriber only when the deal is visible to them and meets their filter at
delivery time (read by id, with their privacy). When it stops being so (its access list lost
them, it left the filter, it was deleted) they get its id alone, once, if this subscription
showed it to them before; a deleted public deal's id reaches every subscriber, and any
deletion reaches administrators. Anyone else hears nothing: a hidden deal's event is
indistinguishable from no event.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from app.db.models import opportunity_t, stage_t
from app.domain import events, listing
from app.domain.listing import opportunity_conditions
from app.graphql.context import Context, Info
from app.graphql.filters import OpportunityFilter
from app.graphql.live_feed import changes, current_caller
from app.graphql.live_types import (
    CURSOR_HELP,
    CustomFieldEvent,
    OpportunityEventKind,
    StageEvent,
    custom_field_event,
    record_id,
    stage_event,
)
from app.graphql.types import Opportunity

OPPORTUNITY = "opportunity"
AFTER_HELP = (
    "Resume after this cursor: first the events committed since (within the kept window; "
    "older, one REFETCH), then live ones, with no gap and no duplicate."
)
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
# How many deals a subscription remembers having shown (to send their id when they go).
SEEN_MAX = 10_000

OPPORTUNITY_NODE = "Opportunity"


@strawberry.type(description="A committed change to an opportunity.")
class OpportunityEvent:
    kind: OpportunityEventKind
    opportunity_id: strawberry.ID | None = strawberry.field(
        description="The opportunity's global id; null for REFETCH."
    )
    version: int = strawberry.field(
        description="The opportunity's version after the change: a later change has a larger one."
    )
    changed: list[str] = strawberry.field(
        description="The names of the values the change gave (input names; empty on create)."
    )
    cursor: str = strawberry.field(description=CURSOR_HELP)
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as you may see it now; null when deleted, hidden from "
        "you or outside your filter."
    )


class Seen:
    """The deals a subscription has shown, oldest first, at most SEEN_MAX."""

    def __init__(self) -> None:
        self._ids: dict[int, None] = {}

    def add(self, opportunity_id: int) -> None:
        self._ids.pop(opportunity_id, None)
        self._ids[opportunity_id] = None
        if len(self._ids) > SEEN_MAX:
            del self._ids[next(iter(self._ids))]

    def forget(self, opportunity_id: int) -> bool:
        """Whether it was shown; it is not any more."""
        return self._ids.pop(opportunity_id, 0) is None


async def _matching_row(
    context: Context, where: listing.OpportunityFilter, opportunity_id: int
) -> Any:
    """The deal if the caller may see it and it meets `where` now (one primary-key read)."""
    async with context.db.read() as conn:
        conditions = opportunity_conditions(
            context.caller, where, sqlite=conn.dialect.name == "sqlite"
        )
        query = (
            select(opportunity_t)
            .join(stage_t, stage_t.c.id == opportunity_t.c.stage_id)
            .where(opportunity_t.c.id == opportunity_id, *conditions)
        )
        return (await conn.execute(query)).mappings().first()


def _event(
    event: events.OpportunityEvent, opportunity: Opportunity | None = None
) -> OpportunityEvent:
    return OpportunityEvent(
        kind=OpportunityEventKind(event.kind.value),
        opportunity_id=record_id(OPPORTUNITY_NODE, event),
        version=event.version,
        changed=list(event.changed),
        cursor=str(event.cursor),
        opportunity=opportunity,
    )


async def shown(
    context: Context, event: events.OpportunityEvent, where: listing.OpportunityFilter, seen: Seen
) -> OpportunityEvent | None:
    """The event as this subscriber may see it, or None when they may hear nothing of it."""
    if event.kind is events.EventKind.REFETCH:
        return _event(event)
    caller = await current_caller(context)
    if event.kind is events.EventKind.DELETED:
        known = seen.forget(event.opportunity_id)
        return _event(event) if known or caller.is_admin or not event.was_private else None
    row = await _matching_row(context, where, event.opportunity_id)
    if row is None:
        return _event(event) if seen.forget(event.opportunity_id) else None
    seen.add(event.opportunity_id)
    # What the loaders cached for an earlier event may be stale by now.
    context.refresh_loaders()
    return _event(event, Opportunity.from_row(row))


@strawberry.type(description="Live updates, over GraphQL over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="Changes to the opportunities you may see that meet the filter, after "
        "each commits, from GraphQL or the legacy API."
    )
    async def opportunity_events(
        self,
        info: Info,
        filter: Annotated[
            OpportunityFilter | None,
            strawberry.argument(description="Conditions to meet, as the list's."),
        ] = None,
        after: After = None,
    ) -> AsyncGenerator[OpportunityEvent, None]:
        context = info.context
        where = filter.to_domain() if filter else listing.OpportunityFilter()
        seen = Seen()
        async with contextlib.aclosing(changes(context, (OPPORTUNITY,), after)) as committed:
            async for change in committed:
                if (event := await shown(context, change, where, seen)) is not None:
                    yield event

    @strawberry.subscription(
        description="Changes to the pipeline's stages (everyone sees every stage), after each "
        "commits: created, edited, recolored, reordered, deleted."
    )
    async def stage_events(
        self, info: Info, after: After = None
    ) -> AsyncGenerator[StageEvent, None]:
        async with contextlib.aclosing(changes(info.context, (events.STAGE,), after)) as committed:
            async for change in committed:
                yield await stage_event(info.context, change)

    @strawberry.subscription(
        description="Changes to the custom-field definitions (of opportunities and contacts), "
        "after each commits: created, updated, reordered (changed: position), deleted."
    )
    async def custom_field_events(
        self, info: Info, after: After = None
    ) -> AsyncGenerator[CustomFieldEvent, None]:
        entities = (events.CUSTOM_FIELD,)
        async with contextlib.aclosing(changes(info.context, entities, after)) as committed:
            async for change in committed:
                yield await custom_field_event(info.context, change)
