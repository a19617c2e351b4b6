"""Per-request loaders: one statement per relation per request depth, whatever the page size."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeAlias, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from app.db.engine import Database, SharedReader
from app.domain import reads
from app.domain.caller import Caller

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")
# A value now, or an awaitable of it: what a resolver returns when its data may be loaded.
MaybeAwaitable: TypeAlias = V | Awaitable[V]
# A row as the domain's reads return it.
Row: TypeAlias = Mapping[Any, Any]


def map_when_loaded(value: MaybeAwaitable[V], build: Callable[[V], R]) -> MaybeAwaitable[R]:
    """`build(value)` at once when the value is known, else an awaitable of it.

    A resolver that returns a value (not a coroutine) costs GraphQL no task and no gather:
    relations loaded ahead for a whole page resolve synchronously, the others as before.
    """
    if isinstance(value, asyncio.Future):
        if value.done():
            return build(value.result())
    elif not isinstance(value, Awaitable):
        return build(value)

    async def later() -> R:
        return build(await cast(Awaitable[V], value))

    return later()


async def preload(loader: DataLoader[K, Any], keys: Iterable[K]) -> None:
    """Load the keys the loader does not hold yet, in one call of its batch function.

    `load_many` makes a future per key, resolved through the event loop: a callback scheduled
    per key and a gather callback after it, a few hundred loop turns on a list page. Keys
    loaded ahead need none of that: their values go into the cache as done futures, which the
    resolvers' `load` returns as it would any cached value.
    """
    cache = loader.cache_map
    missing = []
    for key in dict.fromkeys(keys):
        known = cache.get(key)
        if known is None or known.cancelled():
            missing.append(key)
    if not missing:
        return
    values = await loader.load_fn(missing)
    for value in values:
        if isinstance(value, BaseException):
            raise value  # as load_many's gather would
    # A key another request path began loading meanwhile keeps its own future (no force).
    loader.prime_many(dict(zip(missing, values, strict=True)))


def _loader(
    reader: SharedReader,
    fetch: Callable[[AsyncConnection, Sequence[K]], Awaitable[Mapping[K, V]]],
    default: Callable[[], Any] = lambda: None,
) -> DataLoader[K, Any]:
    async def load(keys: list[K]) -> list[Any]:
        async with reader.connect() as conn:
            found = await fetch(conn, keys)
        return [found[key] if key in found else default() for key in keys]

    return DataLoader(load_fn=load)


class ReferenceTable(Generic[K]):
    """A small table (stages, currencies) read whole, once, on first use."""

    def __init__(
        self,
        connect: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
        fetch: Callable[[AsyncConnection], Awaitable[list[Row]]],
        key: str,
    ) -> None:
        self._connect = connect
        self._fetch = fetch
        self._key = key
        self._read_task: asyncio.Task[tuple[list[Row], dict[Any, Row]]] | None = None

    async def _read(self) -> tuple[list[Row], dict[Any, Row]]:
        async with self._connect() as conn:
            rows = await self._fetch(conn)
        return rows, {row[self._key]: row for row in rows}

    async def _loaded(self) -> tuple[list[Row], dict[Any, Row]]:
        task = self._read_task
        if task is None or (task.done() and task.exception() is not None):
            # Concurrent first users share one read; a failed read is tried again next time.
            task = self._read_task = asyncio.ensure_future(self._read())
        return await task

    async def all(self) -> list[Row]:
        """Every row, in the table's display order."""
        return (await self._loaded())[0]

    async def get(self, key: K) -> Row | None:
        """The row with that key, or None."""
        return (await self._loaded())[1].get(key)

    def lookup(self, key: K) -> MaybeAwaitable[Row | None]:
        """The row with that key (or None) at once when the table is read, else `get`."""
        task = self._read_task
        if task is not None and task.done() and task.exception() is None:
            return task.result()[1].get(key)
        # A future, not a coroutine: a caller may drop it unawaited (a compiled plan giving up)
        # without a warning, and the read it started is the one every later lookup shares.
        return asyncio.ensure_future(self.get(key))

    async def load_many(self, keys: Iterable[K]) -> None:
        """Read the table now, so that `lookup` of these (or any) keys answers at once."""
        await self._loaded()

    def forget(self) -> None:
        """Drop what was read, after a change to the table."""
        self._read_task = None


class Loaders:
    """Everything a request may load by key; built fresh for each request."""

    def __init__(self, db: Database, caller: Caller, *, fresh: bool = True) -> None:
        """`fresh`: built as the request starts, when the caller's row read at sign-in holds."""
        reader = db.shared_reader()
        self.stages: ReferenceTable[int] = ReferenceTable(reader.connect, reads.all_stages, "id")
        # Currencies are seeded and never change while the service runs: one copy per process.
        self.currencies: ReferenceTable[str] = db.shared.setdefault(
            "currencies", ReferenceTable(db.read, reads.all_currencies, "abbreviation")
        )
        self.employee_by_id: DataLoader[uuid.UUID, Mapping[Any, Any] | None] = _loader(
            reader, reads.employees
        )
        if fresh and caller.employee is not None:
            self.employee_by_id.prime(caller.id, caller.employee)
        self.contact_by_id: DataLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, lambda conn, ids: reads.contacts(conn, caller, ids)
        )
        self.opportunity_by_id: DataLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, lambda conn, ids: reads.opportunities(conn, caller, ids)
        )
        self.contacts_by_opportunity: DataLoader[int, reads.OpportunityContacts] = _loader(
            reader,
            lambda conn, ids: reads.opportunity_contacts(conn, caller, ids),
            reads.OpportunityContacts,
        )
        self.access_list_by_opportunity: DataLoader[int, list[Row]] = _loader(
            reader, reads.access_lists, list
        )
        self.access_list_by_contact: DataLoader[int, list[Row]] = _loader(
            reader, reads.contact_access_lists, list
        )
        self.custom_fields_by_opportunity: DataLoader[int, list[Row]] = _loader(
            reader, reads.custom_field_values, list
        )
        self.field_definition_by_id: DataLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, reads.field_definitions_by_id
        )
        self.opportunity_count_by_stage: DataLoader[int, int] = _loader(
            reader, lambda conn, ids: reads.opportunity_counts(conn, caller, ids), int
        )
