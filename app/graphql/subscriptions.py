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
import time
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select

from app.db.broker import SubscriberTooSlow, TooManySubscriptions
from app.db.models import opportunity_t, stage_t
from app.domain import events, listing
from app.domain.caller import Caller
from app.domain.keys import caller_for
from app.domain.listing import opportunity_conditions
from app.graphql.context import Context, Info
from app.graphql.error_codes import ErrorCode
from app.graphql.filters import OpportunityFilter
from app.graphql.ids import global_id
from app.graphql.loaders import Loaders
from app.graphql.types import Opportunity, Stage

OPPORTUNITY = "opportunity"
# How many deals a subscription remembers having shown (to send their id when they go).
SEEN_MAX = 10_000

OPPORTUNITY_NODE = "Opportunity"


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


async def _current_caller(context: Context) -> Caller:
    """The caller, its key checked again every few seconds: a revoked key ends the stream."""
    live = getattr(context, "live", None)
    if live is None:
        return context.caller
    now = time.monotonic()
    if now - live.checked_at >= context.settings.subscription_recheck_s:
        caller = await caller_for(db=context.db, authorization=live.authorization)
        if caller is None:
            raise GraphQLError(
                "Your API key is no longer valid.", extensions={"code": ErrorCode.UNAUTHENTICATED}
            )
        live.checked_at = now
        if caller != context.caller:
            context.caller = caller
            context.loaders = Loaders(context.db, caller)
    return context.caller


def _global(type_name: str, event: events.OpportunityEvent) -> strawberry.ID | None:
    """The global id of the record an event is about; None for REFETCH (about none)."""
    if event.kind is events.EventKind.REFETCH:
        return None
    return global_id(type_name, event.opportunity_id)


def _event(
    event: events.OpportunityEvent, opportunity: Opportunity | None = None
) -> OpportunityEvent:
    return OpportunityEvent(
        kind=OpportunityEventKind(event.kind.value),
        opportunity_id=_global(OPPORTUNITY_NODE, event),
        version=event.version,
        changed=list(event.changed),
        opportunity=opportunity,
    )


async def shown(
    context: Context, event: events.OpportunityEvent, where: listing.OpportunityFilter, seen: Seen
) -> OpportunityEvent | None:
    """The event as this subscriber may see it, or None when they may hear nothing of it."""
    if event.kind is events.EventKind.REFETCH:
        return _event(event)
    caller = await _current_caller(context)
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


async def _changes(context: Context) -> AsyncGenerator[events.OpportunityEvent, None]:
    """This subscriber's committed changes, within its limits."""
    try:
        subscription = context.db.broker.subscribe(
            context.settings.subscription_buffer,
            owner=context.caller.key_id or context.caller.id,
            per_owner=context.settings.max_subscriptions_per_key,
        )
        feed = await subscription.__aenter__()
    except TooManySubscriptions as refused:
        raise GraphQLError(
            str(refused), extensions={"code": ErrorCode.TOO_MANY_SUBSCRIPTIONS}
        ) from None
    try:
        while True:
            try:
                yield await feed.next()
            except SubscriberTooSlow as too_slow:
                raise GraphQLError(str(too_slow), extensions={"code": ErrorCode.TOO_SLOW}) from None
    finally:
        await subscription.__aexit__(None, None, None)


@strawberry.type(description="A committed change to a stage of the pipeline.")
class StageEvent:
    kind: OpportunityEventKind
    stage_id: strawberry.ID | None = strawberry.field(
        description="The stage's global id; null for REFETCH."
    )
    version: int = strawberry.field(description="The stage's version after the change.")
    changed: list[str] = strawberry.field(description="The names of the values the change set.")
    stage: Stage | None = strawberry.field(description="The stage as stored; null when deleted.")


async def _stage_event(context: Context, event: events.OpportunityEvent) -> StageEvent:
    stage = None
    if event.kind is not events.EventKind.DELETED and event.kind is not events.EventKind.REFETCH:
        await _current_caller(context)
        async with context.db.read() as conn:
            row = (
                (await conn.execute(select(stage_t).where(stage_t.c.id == event.opportunity_id)))
                .mappings()
                .first()
            )
        stage = Stage.from_row(row) if row is not None else None
    return StageEvent(
        kind=OpportunityEventKind(event.kind.value),
        stage_id=_global("Stage", event),
        version=event.version,
        changed=list(event.changed),
        stage=stage,
    )


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
    ) -> AsyncGenerator[OpportunityEvent, None]:
        context = info.context
        where = filter.to_domain() if filter else listing.OpportunityFilter()
        seen = Seen()
        async with contextlib.aclosing(_changes(context)) as changes:
            async for change in changes:
                if change.entity != OPPORTUNITY:
                    continue
                if (event := await shown(context, change, where, seen)) is not None:
                    yield event

    @strawberry.subscription(
        description="Changes to the pipeline's stages (everyone sees every stage), after each "
        "commits: created, edited, recolored, reordered, deleted."
    )
    async def stage_events(self, info: Info) -> AsyncGenerator[StageEvent, None]:
        async with contextlib.aclosing(_changes(info.context)) as changes:
            async for change in changes:
                if change.entity == events.STAGE or change.kind is events.EventKind.REFETCH:
                    yield await _stage_event(info.context, change)
