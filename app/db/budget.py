"""A time budget per request, kept by the event loop and by the database alike.

`time_budget` cancels whatever the request still awaits at its deadline. A statement already
running does not stop for that: SQLite runs in aiosqlite's thread, so each SQLite connection
carries a `StatementClock` that its progress handler consults, and SQLite interrupts the
statement at the request's deadline; PostgreSQL connections have a `statement_timeout`, and
asyncpg cancels the statement of a cancelled task on the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from app.db.faults import OutOfTime

DEADLINE: ContextVar[float | None] = ContextVar("crm_deadline", default=None)
# SQLite calls the progress handler every this many virtual-machine steps: rarely enough to
# cost nothing on the short statements of a request (each call takes the GIL), often enough
# to stop a runaway statement within milliseconds.
PROGRESS_STEPS = 100_000
CLOCK = "crm_statement_clock"


@asynccontextmanager
async def time_budget(seconds: float) -> AsyncIterator[None]:
    """Everything inside must end within `seconds`; raises OutOfTime when it does not."""
    token = DEADLINE.set(time.monotonic() + seconds)
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise OutOfTime() from None
    finally:
        DEADLINE.reset(token)


class StatementClock:
    """The deadline of the request a SQLite connection serves, read from SQLite's thread.

    A statement run on the event loop's thread (app.db.inline_reads) also has `inline_until`,
    in that thread's CPU time: past it the statement is interrupted and `moved` says so, to be
    run again on the thread. CPU time, not the clock's: a loop thread the system set aside for
    a moment (two cores shared with the load generator and the database) has not spent its
    budget, and a short read taken for long went to the thread for many runs.
    """

    __slots__ = ("deadline", "inline_until", "moved")

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.inline_until: float | None = None
        self.moved = False

    def expired(self) -> int:
        """SQLite's progress handler: non-zero interrupts the running statement."""
        now = time.monotonic()
        deadline = self.deadline
        if deadline is not None and now > deadline:
            return 1
        inline_until = self.inline_until
        if inline_until is not None and time.thread_time() > inline_until:
            self.moved = True
            return 1
        return 0


def install_clock(dbapi_connection: Any, record: Any) -> None:
    """Give a new SQLite connection its clock (a pool `connect` event)."""
    clock = StatementClock()
    record.info[CLOCK] = clock
    dbapi_connection.run_async(
        lambda driver: driver.set_progress_handler(clock.expired, PROGRESS_STEPS)
    )


def arm(info: dict[Any, Any]) -> None:
    """Point a checked-out connection's clock at the current request's deadline."""
    clock = info.get(CLOCK)
    if clock is not None:
        clock.deadline = DEADLINE.get()
