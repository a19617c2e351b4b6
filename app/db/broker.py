"""The event broker: committed changes to each subscriber of this process, in bounded buffers.

On SQLite (one process) the write transaction hands its events straight to `deliver`. On
PostgreSQL every worker LISTENs on one dedicated asyncpg connection: a write sends NOTIFYs
inside its transaction, and whichever worker or instance committed it, each listener delivers
them to its own subscribers. A lost listener connection is reopened; its subscribers are then
told to refetch, as they may have missed events meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.domain.events import CHANNEL, EventKind, OpportunityEvent

log = logging.getLogger("crm.events")
REFETCH = OpportunityEvent(kind=EventKind.REFETCH, opportunity_id=0, version=0)
RECONNECT_DELAY_S = (0.1, 0.5, 1.0, 2.0, 5.0)


class SubscriberTooSlow(Exception):
    """A subscriber let its buffer fill: it is closed rather than buffered without bound."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Too slow: {limit} events waited unread, so this subscription was closed. "
            "Refetch what you show and subscribe again."
        )


class TooManySubscriptions(Exception):
    """One owner (an API key) holds as many subscriptions in this process as it may."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Too many subscriptions: one API key may hold {limit} per worker.")


class Feed:
    """One subscriber's buffer: at most `limit` events, then closed."""

    def __init__(self, limit: int, owner: object) -> None:
        self.limit = limit
        self.owner = owner
        self._queue: asyncio.Queue[OpportunityEvent | None] = asyncio.Queue(maxsize=limit + 1)
        self.overflowed = False

    def offer(self, event: OpportunityEvent) -> None:
        """Buffer an event, or close the feed when `limit` events already wait."""
        if self.overflowed:
            return
        if self._queue.qsize() >= self.limit:
            self.overflowed = True
            # Drop what waits: the subscriber is told it is closed, not handed stale events.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(event)

    async def next(self) -> OpportunityEvent:
        """The next event; raises SubscriberTooSlow once the feed overflowed."""
        event = await self._queue.get()
        if event is None:
            raise SubscriberTooSlow(self.limit)
        return event


class Broker:
    """This process's subscribers, and (on PostgreSQL) its one listener connection."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.listens = url.get_backend_name() == "postgresql"
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._feeds: set[Feed] = set()
        self._owned: dict[object, int] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event() if self.listens else None

    @property
    def subscribers(self) -> int:
        """How many feeds are open in this process."""
        return len(self._feeds)

    def deliver(self, events: Iterable[OpportunityEvent]) -> None:
        """Hand committed events to every feed of this process."""
        for event in events:
            for feed in tuple(self._feeds):
                feed.offer(event)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, limit: int, *, owner: object = None, per_owner: int | None = None
    ) -> AsyncIterator[Feed]:
        """A feed for the block's duration; on PostgreSQL, once the listener listens.

        Raises TooManySubscriptions when `owner` already holds `per_owner` feeds.
        """
        held = self._owned.get(owner, 0)
        if per_owner is not None and held >= per_owner:
            raise TooManySubscriptions(per_owner)
        feed = Feed(limit, owner)
        self._feeds.add(feed)
        self._owned[owner] = held + 1
        try:
            if self._listening is not None:
                self._start_listener()
                # An event committed after this returns reaches the feed.
                await asyncio.wait_for(self._listening.wait(), timeout=10)
            yield feed
        finally:
            self._feeds.discard(feed)
            if (left := self._owned.pop(owner, 1) - 1) > 0:
                self._owned[owner] = left

    def _start_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        """Keep one LISTEN connection open; reopen it when lost."""
        assert self._listening is not None
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                conn: Any = await asyncpg.connect(self._dsn, timeout=10)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                delay = RECONNECT_DELAY_S[min(failures, len(RECONNECT_DELAY_S) - 1)]
                failures += 1
                log.warning("event listener cannot connect (%s); retrying in %s s", error, delay)
                await asyncio.sleep(delay)
                continue
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._notified)
                if failures:
                    # Whatever was committed while no one listened is lost to this process.
                    self.deliver([REFETCH])
                failures = 0
                self._listening.set()
                await lost.wait()
                log.warning("event listener connection lost; reconnecting")
            except Exception as error:  # any failure of the connection: open another
                log.warning("event listener failed (%s); reconnecting", error)
            finally:
                self._listening.clear()
                failures += 1
                with contextlib.suppress(Exception):
                    await conn.close(timeout=1)
            await asyncio.sleep(RECONNECT_DELAY_S[0])

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = OpportunityEvent.from_payload(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed event payload: %.200s", payload)
            return
        self.deliver([event])

    async def close(self) -> None:
        """Stop listening (at shutdown)."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
