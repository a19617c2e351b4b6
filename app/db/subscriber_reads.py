"""A subscription's reads: a few at a time per worker, queued here instead of at the pool.

One committed change means one read per subscriber that may hear it, all at once. A burst of
changes to a hundred subscribers would otherwise queue a hundred checkouts on the pool, and
those that wait past its timeout would end their subscriptions as busy while requests starve.
Here they take turns (half the pool), without a timeout: a subscriber that falls too far
behind is closed by its bounded buffer instead (TOO_SLOW).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.request_view import RequestDatabase


class SubscriberDatabase(RequestDatabase):
    """One subscription's view of a database: its reads take turns with other subscriptions'."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._turns = db.subscriber_reads

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The subscription's shared reader connection, once it is this read's turn."""
        return self._taking_turns()

    @asynccontextmanager
    async def _taking_turns(self) -> AsyncIterator[AsyncConnection]:
        async with self._turns, self._shared_reader.connect() as conn:
            yield conn
