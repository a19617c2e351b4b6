"""The event log: the last committed changes, each with its cursor, for subscribers that resume.

Every write transaction that noted events inserts them here just before it commits; the row id
is the event's cursor. On PostgreSQL the insert first takes one transaction-level advisory lock,
held until commit, so cursors are handed out in commit order across every worker and instance:
a reader that sees cursor n has seen every cursor below it, which is what lets a resuming
subscriber read the log and then take live events with no gap. (SQLite has one writer: its
order is the commit order already.) The log keeps the newest `size` events; each write trims
what fell out of that window.

Every create and change on PostgreSQL waits for that lock, and for the counter rows the
transaction holds, until the holder commits; each round trip the holder makes meanwhile is also
a turn of its worker's event loop, shared with other requests. So there it is two statements:
the lock and the insert, then the trim and the NOTIFY (`record_and_notify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel

from app.db.models import table_of, utcnow
from app.db.types import UTCDateTime
from app.domain.events import CHANNEL, EventKind, OpportunityEvent

# Any constant names the lock; this one spells "crm-evts".
LOCK_KEY = 0x63726D2D65767473
# The lock, then the rows: every row the insert numbers is joined with the locked row, so the
# lock is held before the first id is drawn. The ordinality gives each id back to its event.
_LOCKED_INSERT = text(
    f"WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock({LOCK_KEY})) "  # noqa: S608 - constants
    "INSERT INTO event_log (entity, kind, entity_id, version, changed, was_private, created_at) "
    "SELECT e.entity, e.kind, e.entity_id, e.version, e.changed, e.was_private, :now "
    "FROM locked, unnest(CAST(:entities AS text[]), CAST(:kinds AS text[]), "
    "CAST(:entity_ids AS bigint[]), CAST(:versions AS bigint[]), CAST(:changed AS text[]), "
    "CAST(:private AS boolean[])) WITH ORDINALITY "
    "AS e(entity, kind, entity_id, version, changed, was_private, n) "
    "ORDER BY e.n RETURNING id"
)
# The window's trim (a data-modifying WITH runs whether or not it is read) and the
# transactional NOTIFY, delivered at commit to every listening worker.
_TRIM_AND_NOTIFY = text(
    "WITH trimmed AS (DELETE FROM event_log WHERE id <= :upto) "  # noqa: S608 - a constant
    f"SELECT pg_notify('{CHANNEL}', p) FROM unnest(CAST(:payloads AS text[])) AS p"
)
# SQLite makes only INTEGER PRIMARY KEY the rowid, which is what numbers the rows.
_CURSOR = BigInteger().with_variant(Integer(), "sqlite")


class EventLogEntry(SQLModel, table=True):
    """One committed change, kept while it is among the newest (migration 0014)."""

    __tablename__ = "event_log"

    id: int | None = Field(default=None, primary_key=True, sa_type=_CURSOR)
    entity: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    entity_id: int
    version: int
    changed: str = Field(default="", max_length=4000)
    was_private: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


event_log_t = table_of(EventLogEntry)


async def record_and_notify(
    conn: AsyncConnection, pending: Sequence[OpportunityEvent], size: int
) -> list[OpportunityEvent]:
    """On PostgreSQL: log the events, trim the window and NOTIFY them, in two statements."""
    inserted = await conn.execute(
        _LOCKED_INSERT,
        {
            "now": utcnow(),
            "entities": [event.entity for event in pending],
            "kinds": [event.kind.value for event in pending],
            "entity_ids": [event.opportunity_id for event in pending],
            "versions": [event.version for event in pending],
            "changed": [",".join(event.changed) for event in pending],
            "private": [event.was_private for event in pending],
        },
    )
    # Drawn in the rows' order (ORDER BY, then numbered as inserted); sorted all the same.
    cursors = sorted(int(cursor) for cursor in inserted.scalars())
    logged = [replace(event, cursor=cursor) for event, cursor in zip(pending, cursors, strict=True)]
    await conn.execute(
        _TRIM_AND_NOTIFY,
        {"upto": cursors[-1] - size, "payloads": [event.payload() for event in logged]},
    )
    return logged


async def record(
    conn: AsyncConnection, pending: Sequence[OpportunityEvent], size: int
) -> list[OpportunityEvent]:
    """Log the transaction's events; returns them with their cursors, in order (SQLite)."""
    now = utcnow()
    rows = [
        {
            "entity": event.entity,
            "kind": event.kind.value,
            "entity_id": event.opportunity_id,
            "version": event.version,
            "changed": ",".join(event.changed),
            "was_private": event.was_private,
            "created_at": now,
        }
        for event in pending
    ]
    inserted = await conn.execute(
        insert(event_log_t).returning(event_log_t.c.id, sort_by_parameter_order=True), rows
    )
    cursors = [int(cursor) for cursor in inserted.scalars()]
    # The window: one range delete on the primary key, usually of as many rows as were added.
    await conn.execute(delete(event_log_t).where(event_log_t.c.id <= cursors[-1] - size))
    return [replace(event, cursor=cursor) for event, cursor in zip(pending, cursors, strict=True)]


async def window(conn: AsyncConnection) -> tuple[int, int] | None:
    """The oldest and newest cursors kept, or None when nothing was logged yet."""
    found = await conn.execute(select(func.min(event_log_t.c.id), func.max(event_log_t.c.id)))
    oldest, newest = found.one()
    return None if oldest is None else (int(oldest), int(newest))


def since_query(after: int, entities: Sequence[str], limit: int) -> Any:
    """The logged events of `entities` after cursor `after`, oldest first (a key range)."""
    return (
        select(event_log_t)
        .where(event_log_t.c.id > after, event_log_t.c.entity.in_(entities))
        .order_by(event_log_t.c.id)
        .limit(limit)
    )


async def since(
    conn: AsyncConnection, after: int, entities: Sequence[str], limit: int
) -> list[OpportunityEvent]:
    """The events a subscriber missed after `after`, at most `limit`."""
    found = await conn.execute(since_query(after, entities, limit))
    return [
        OpportunityEvent(
            kind=EventKind(row["kind"]),
            opportunity_id=int(row["entity_id"]),
            version=int(row["version"]),
            changed=tuple(name for name in row["changed"].split(",") if name),
            was_private=bool(row["was_private"]),
            entity=str(row["entity"]),
            cursor=int(row["id"]),
        )
        for row in found.mappings()
    ]
