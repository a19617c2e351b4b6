"""Stages, employees and custom-field definitions kept per worker while the stamp holds.

Triggers bump the reference stamp on any change to these tables (migrations 0015, 0016), and the key
check reads it with the key, so a request knows at no extra round trip whether the worker's copy
is current. A request that brings a newer stamp starts a new generation; one that brings an
older stamp (it read the key before a change another request has already seen) reads for
itself, as does any request whose caller was not read with its stamp (a password or a
subscription's connection, checked earlier).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.together import Read
from app.domain import field_value_reads, reads

Row = Mapping[Any, Any]
# Bounded: a portal's employees, and more than a worker is likely to meet between two changes.
MAX_EMPLOYEES = 4096
_KEY = "reference-generation"


Tables = tuple[list[Row], dict[Any, Row]]
FetchEmployees = Callable[
    [AsyncConnection, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Row]]
]
ReadValues = Callable[[Sequence[int]], Read]
GroupValues = Callable[[Sequence[Row], Sequence[int]], Mapping[int, list[Row]]]


class Generation:
    """The stages, the employees and the deals' field definitions read so far, as of one stamp."""

    __slots__ = ("_db", "_stages", "employees", "field_definitions", "stamp")

    def __init__(self, db: Database, stamp: int) -> None:
        self._db = db
        self.stamp = stamp
        self._stages: asyncio.Future[Tables] | None = None
        self.employees: dict[uuid.UUID, Row | None] = {}
        # The deals' custom-field definitions in display order, once a request has read them.
        self.field_definitions: list[Row] | None = None

    async def stages(self) -> list[Row]:
        """Every stage in pipeline order, read once for the generation."""
        read = self._stages
        if read is None or (read.done() and (read.cancelled() or read.exception() is not None)):
            read = self._stages = asyncio.ensure_future(self._read_stages())
        # Shielded: a request that runs out of time does not cancel the read others await.
        return (await asyncio.shield(read))[0]

    def stages_if_read(self) -> asyncio.Future[Tables] | None:
        """The stages with their index, as the done read every request of the stamp shares."""
        read = self._stages
        if read is None or not read.done() or read.cancelled() or read.exception() is not None:
            return None
        return read

    async def _read_stages(self) -> Tables:
        async with self._db.read() as conn:
            rows = await reads.all_stages(conn)
        return rows, {row["id"]: row for row in rows}

    def employees_through(self, fetch: FetchEmployees) -> FetchEmployees:
        """`fetch`, answering from the generation's employees and keeping what it reads."""

        async def through(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
            kept = self.employees
            answer = {key: row for key in ids if (row := kept.get(key)) is not None}
            missing = [key for key in ids if key not in kept]
            if missing:
                found = await fetch(conn, missing)
                if len(kept) + len(missing) > MAX_EMPLOYEES:
                    kept.clear()
                kept.update({key: found.get(key) for key in missing[:MAX_EMPLOYEES]})
                answer.update(found)
            return answer

        return through


def generation(db: Database, stamp: int | None) -> Generation | None:
    """The worker's generation for `stamp`, started if `stamp` is newer; None if it is older."""
    if stamp is None:
        return None
    current: Generation | None = db.shared.get(_KEY)
    if current is None or stamp > current.stamp:
        # Its reads take a connection of their own, not the one of the request that began it.
        current = db.shared[_KEY] = Generation(db.underlying(), stamp)
    return current if current.stamp == stamp else None


def custom_field_reads(kept: Generation | None) -> tuple[ReadValues, GroupValues]:
    """How a request reads its deals' custom fields (a statement, and rows into fields).

    Once the worker knows the definitions of the request's stamp, a page reads the stored
    values alone, by the primary key's index; until then the values come with every
    definition, which the generation then keeps. Without a generation (no stamp, or loaders
    started afresh after a write) each read brings its own definitions.
    """
    known = None if kept is None else kept.field_definitions
    if known is not None:
        definitions = known

        def with_known(rows: Sequence[Row], ids: Sequence[int]) -> Mapping[int, list[Row]]:
            return field_value_reads.fields_by_deal(definitions, rows, ids)

        return field_value_reads.stored_values_read, with_known

    def with_read(rows: Sequence[Row], ids: Sequence[int]) -> Mapping[int, list[Row]]:
        definitions = field_value_reads.definitions_in(rows)
        if kept is not None:
            kept.field_definitions = definitions
        stored = [row for row in rows if row["opportunity_id"] is not None]
        return field_value_reads.fields_by_deal(definitions, stored, ids)

    return field_value_reads.custom_field_values_read, with_read
