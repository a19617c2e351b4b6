"""Events leave a write only once it commits; a subscriber's buffer never grows past its bound."""

from __future__ import annotations

import asyncio

import pytest

from app.db.broker import Feed, SubscriberTooSlow
from app.db.engine import Database
from app.domain.contacts import delete_contact
from app.domain.errors import DomainError
from app.domain.events import EventKind, OpportunityEvent
from app.domain.opportunity_changes import set_stage, update_opportunity
from app.domain.opportunity_parts import touch
from app.domain.opportunity_patch import OpportunityPatch
from tests.conftest import GraphQL
from tests.factories import Person, contact, opportunity_via_domain

WAIT_S = 10.0


async def next_or_none(feed: Feed, within: float) -> OpportunityEvent | None:
    """The feed's next event, or None when none comes within `within` seconds."""
    try:
        return await asyncio.wait_for(feed.next(), within)
    except TimeoutError:
        return None


async def test_a_committed_change_is_published_and_a_refused_one_is_not(
    db: Database, admin: Person
) -> None:
    opportunity_id = await opportunity_via_domain(db, admin, title="Pilot")
    async with db.broker.subscribe(16) as feed:
        with pytest.raises(DomainError):
            # Refused after the transaction began (no such stage): rolled back, not published.
            await set_stage(db=db, caller=admin.caller, opportunity_id=opportunity_id, stage_id=999)
        patch = OpportunityPatch({"title": "Pilot 2", "description": "d"})
        await update_opportunity(
            db=db, caller=admin.caller, opportunity_id=opportunity_id, patch=patch
        )
        event = await next_or_none(feed, WAIT_S)
        assert event is not None
        assert (event.kind, event.opportunity_id, event.changed) == (
            EventKind.UPDATED,
            opportunity_id,
            ("description", "title"),
        )
        assert event.version == 2
        assert await next_or_none(feed, 0.3) is None


async def test_a_write_that_fails_inside_its_transaction_publishes_nothing(
    db: Database, admin: Person
) -> None:
    opportunity_id = await opportunity_via_domain(db, admin, title="Pilot")
    async with db.broker.subscribe(16) as feed:
        with pytest.raises(RuntimeError):  # noqa: PT012 - the failure is inside the transaction
            async with db.write() as conn:
                # Noted on the connection, as the services note their changes...
                await touch(conn, admin.caller, opportunity_id, stage_id=2)
                raise RuntimeError("...then rolled back before the commit")
        assert await next_or_none(feed, 0.5) is None


async def test_a_full_buffer_closes_the_feed_and_drops_what_waited() -> None:
    feed = Feed(4, owner=None)
    for version in range(1, 1000):
        feed.offer(OpportunityEvent(kind=EventKind.UPDATED, opportunity_id=1, version=version))
    assert feed.overflowed
    assert feed._queue.qsize() == 1  # only the close marker is held
    with pytest.raises(SubscriberTooSlow):
        await feed.next()


async def test_deleting_a_contact_publishes_a_change_of_its_deals(
    db: Database, gql: GraphQL, admin: Person
) -> None:
    contact_id = await contact(gql, admin)
    opportunity_id = await opportunity_via_domain(db, admin, contact_id=contact_id)
    async with db.broker.subscribe(16) as feed:
        await delete_contact(db=db, caller=admin.caller, contact_id=contact_id)
        event = await next_or_none(feed, WAIT_S)
    assert event is not None
    assert (event.kind, event.opportunity_id, event.changed, event.version) == (
        EventKind.UPDATED,
        opportunity_id,
        ("contactId", "members"),
        2,
    )
