"""One subscription runner for every transport (WebSocket, Server-Sent Events).

It opens the subscriber's feed, replays from the event log what it missed after its cursor
(`after`), then hands over live events: the feed is open before the log is read, so an event
committed meanwhile is in one or both, and the live events the replay already gave are skipped
by cursor (cursors follow commit order, app.db.event_log): no gap, no duplicate. A cursor older
than the log's window gets one REFETCH instead. The caller's key is checked again as it goes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace

from graphql import GraphQLError

from app.db import event_log
from app.db.broker import REFETCH, SubscriberTooSlow, TooManySubscriptions
from app.db.engine import Database
from app.domain import events
from app.domain.caller import Caller
from app.domain.keys import caller_for
from app.graphql.context import Context
from app.graphql.error_codes import ErrorCode
from app.graphql.loaders import Loaders

CURSOR_DIGITS = 19  # a bigint


def parse_cursor(after: str) -> int:
    """The position a client's cursor names; INVALID unless it is one we hand out."""
    if not (after.isascii() and after.isdigit() and len(after) <= CURSOR_DIGITS):
        raise GraphQLError(
            "The cursor is not one an event carried.", extensions={"code": ErrorCode.INVALID}
        )
    return int(after)


async def current_caller(context: Context) -> Caller:
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


async def missed(
    db: Database, after: int, entities: Sequence[str], size: int
) -> tuple[list[events.OpportunityEvent], int]:
    """What was committed after `after` (or one REFETCH), and the newest cursor it accounts for."""
    async with db.read() as conn:
        logged = await event_log.since(conn, after, entities, size)
        # Read after the events (each statement its own snapshot): if the window still reaches
        # back to `after`, none was trimmed before they were read.
        kept = await event_log.window(conn)
    if kept is None:
        return [], after
    oldest, newest = kept
    if oldest > after + 1:
        return [replace(REFETCH, cursor=max([newest, *(e.cursor for e in logged)]))], newest
    # Only what the replay holds is accounted for: the window's newest may be an event committed
    # after the replay's read, which only the live feed delivers (cursors follow commit order).
    return logged, max([after, *(event.cursor for event in logged)])


async def changes(
    context: Context, entities: Sequence[str], after: str | None = None
) -> AsyncGenerator[events.OpportunityEvent, None]:
    """This subscriber's committed changes of `entities` (and REFETCHes), within its limits."""
    start = parse_cursor(after) if after is not None else None
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
    if (release := getattr(context, "release_in_flight", None)) is not None:
        release()  # subscribed over SSE: it waits from now on
    try:
        replayed = 0
        if start is not None:
            await current_caller(context)
            logged, replayed = await missed(
                context.db, start, entities, context.settings.event_log_size
            )
            for event in logged:
                yield event
        while True:
            try:
                event = await feed.next()
            except SubscriberTooSlow as too_slow:
                raise GraphQLError(str(too_slow), extensions={"code": ErrorCode.TOO_SLOW}) from None
            if event.kind is events.EventKind.REFETCH or (
                event.entity in entities and event.cursor > replayed
            ):
                yield event
    finally:
        await subscription.__aexit__(None, None, None)
