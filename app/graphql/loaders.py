"""Per-request loaders: one statement per relation per request depth, whatever the page size."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import GeneratorType
from typing import Any, Generic, TypeAlias, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct, together
from app.db.engine import Database
from app.db.request_view import SharedReader
from app.domain import reads
from app.domain.caller import Caller
from app.graphql import reference_cache
from app.graphql.columns_read import ColumnsWanted
from app.graphql.reference_table import ReferenceTable
from app.graphql.value_loader import ValueLoader

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")
# A value now, or an awaitable of it: what a resolver returns when its data may be loaded.
MaybeAwaitable: TypeAlias = V | Awaitable[V]
# A row as the domain's reads return it.
Row: TypeAlias = Mapping[Any, Any]


# Types seen not to be awaitable, checked without the Awaitable ABC's isinstance (about a
# microsecond, a few hundred times a list page). Whether a value is awaitable is a property of
# its type, generators aside; the set holds the few types loaders answer with.
_PLAIN: set[type] = {dict, list, tuple, type(None)}


def map_when_loaded(value: MaybeAwaitable[V], build: Callable[[V], R]) -> MaybeAwaitable[R]:
    """`build(value)` at once when the value is known, else an awaitable of it.

    A resolver that returns a value (not a coroutine) costs GraphQL no task and no gather:
    relations loaded ahead for a whole page resolve synchronously, the others as before.
    """
    kind = type(value)
    if kind in _PLAIN:
        return build(cast(V, value))
    if isinstance(value, asyncio.Future):
        if value.done():
            return build(value.result())
    elif not isinstance(value, Awaitable):
        if kind is not GeneratorType:  # a generator may be a coroutine by a flag
            _PLAIN.add(kind)
        return build(value)

    async def later() -> R:
        return build(await cast(Awaitable[V], value))

    return later()


def _missing(loader: ValueLoader[K, Any], keys: Iterable[K]) -> list[K]:
    """The keys the loader does not hold yet, each once."""
    holds = loader.holds
    return [key for key in dict.fromkeys(keys) if not holds(key)]


async def preload(loader: ValueLoader[K, Any], keys: Iterable[K]) -> None:
    """Load the keys the loader does not hold yet, in one call of its batch function.

    `load_many` makes a future per key, resolved through the event loop: a callback scheduled
    per key and a gather callback after it, a few hundred loop turns on a list page. Keys
    loaded ahead need none of that: their values are kept as values, which the resolvers'
    `now` returns at once (and `load` as a done future).
    """
    missing = _missing(loader, keys)
    if not missing:
        return
    values = await loader.load_fn(missing)
    for value in values:
        if isinstance(value, BaseException):
            raise value  # as load_many's gather would
    # A key another request path began loading meanwhile keeps its own future (no force).
    loader.prime_many(dict(zip(missing, values, strict=True)))


@dataclass(frozen=True, slots=True)
class Together(Generic[K, V]):
    """How a loader's batch is read as one statement, to be sent with others (`db.together`)."""

    read: Callable[[Sequence[K]], together.Read]
    group: Callable[[Sequence[Row], Sequence[K]], Mapping[K, V]]
    default: Callable[[], Any]


class TogetherLoader(ValueLoader[K, V]):
    """A DataLoader whose batch can also be read in one round trip with other loaders'."""

    together: Together[K, V]


async def preload_together(
    reader: SharedReader, batches: Sequence[tuple[TogetherLoader[Any, Any], Iterable[Any]]]
) -> None:
    """`preload` for each batch, their statements sent in one round trip."""
    pending = [(loader, missing) for loader, keys in batches if (missing := _missing(loader, keys))]
    if len(pending) < 2:
        for loader, missing in pending:
            await preload(loader, missing)
        return
    async with reader.connect() as conn:
        results = await together.fetch_together(
            conn, [loader.together.read(missing) for loader, missing in pending]
        )
    for (loader, missing), rows in zip(pending, results, strict=True):
        prime_read(loader, rows, missing)


def prime_read(loader: TogetherLoader[K, Any], rows: Sequence[Row], keys: Sequence[K]) -> None:
    """Keep for `keys` what the loader's read of them returned (its default for a key with none)."""
    how = loader.together
    found = how.group(rows, keys)
    loader.prime_many({key: found[key] if key in found else how.default() for key in keys})


def reading(
    connect: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
    fetch: Callable[[AsyncConnection], Awaitable[list[Row]]],
) -> Callable[[], Awaitable[list[Row]]]:
    """A read of a whole table on a connection of `connect`."""

    async def read() -> list[Row]:
        async with connect() as conn:
            return await fetch(conn)

    return read


def _loader(
    reader: SharedReader,
    fetch: Callable[[AsyncConnection, Sequence[K]], Awaitable[Mapping[K, V]]],
    default: Callable[[], Any] = lambda: None,
) -> ValueLoader[K, Any]:
    async def load(keys: list[K]) -> list[Any]:
        async with reader.connect() as conn:
            found = await fetch(conn, keys)
        return [found[key] if key in found else default() for key in keys]

    return ValueLoader(load_fn=load)


def _together_loader(
    reader: SharedReader,
    read: Callable[[Sequence[K]], together.Read],
    group: Callable[[Sequence[Row], Sequence[K]], Mapping[K, V]],
    default: Callable[[], Any],
) -> TogetherLoader[K, V]:
    async def load(keys: list[K]) -> list[Any]:
        statement, params = read(keys)
        async with reader.connect() as conn:
            found = group(await direct.fetch(conn, statement, params), keys)
        return [found[key] if key in found else default() for key in keys]

    loader: TogetherLoader[K, V] = TogetherLoader(load_fn=load)
    loader.together = Together(read, group, default)
    return loader


class Loaders:
    """Everything a request may load by key; built fresh for each request."""

    @property
    def contact_columns(self) -> frozenset[str] | None:
        """The contact columns the loaders read (None: every column)."""
        return self._wanted.contact_columns

    @contact_columns.setter
    def contact_columns(self, columns: frozenset[str] | None) -> None:
        self._wanted.contact_columns = columns

    def __init__(
        self, db: Database, caller: Caller, *, fresh: bool = True, stamp: int | None = None
    ) -> None:
        """`fresh`: built as the request starts, when the caller's row read at sign-in holds;
        `stamp`: the reference stamp this request read with its key (`reference_cache`)."""
        reader = db.shared_reader()
        kept = reference_cache.generation(db, stamp) if fresh else None
        if kept is None:
            self.stages: ReferenceTable[int] = ReferenceTable(
                reading(reader.connect, reads.all_stages), "id"
            )
            employees: reference_cache.FetchEmployees = reads.employees
        else:
            self.stages = ReferenceTable(kept.stages, "id", known=kept.stages_if_read())
            employees = kept.employees_through(reads.employees)
        # Currencies are seeded and never change while the service runs: one copy per process.
        self.currencies: ReferenceTable[str] = db.shared.setdefault(
            "currencies",
            ReferenceTable(reading(db.underlying().read, reads.all_currencies), "abbreviation"),
        )
        self.employee_by_id: ValueLoader[uuid.UUID, Mapping[Any, Any] | None] = _loader(
            reader, employees
        )
        if fresh and caller.employee is not None:
            self.employee_by_id.prime(caller.id, caller.employee)
        self.contact_by_id: ValueLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, lambda conn, ids: reads.contacts(conn, caller, ids)
        )
        self.opportunity_by_id: ValueLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, lambda conn, ids: reads.opportunities(conn, caller, ids)
        )
        self.reader = reader
        # The contact columns the request's document reads (app.graphql.columns_read); None
        # reads every column. Set as the operation starts, before any read. Kept apart from
        # self: a read function referring to the loaders would make a cycle.
        wanted = self._wanted = ColumnsWanted()
        self.contacts_by_opportunity: TogetherLoader[int, reads.OpportunityContacts] = (
            _together_loader(
                reader,
                lambda ids: reads.opportunity_contacts_read(caller, ids, wanted.contact_columns),
                lambda rows, _ids: reads.grouped_contacts(rows),
                reads.OpportunityContacts,
            )
        )
        self.access_list_by_opportunity: ValueLoader[int, list[Row]] = _loader(
            reader, reads.access_lists, list
        )
        self.access_list_by_contact: ValueLoader[int, list[Row]] = _loader(
            reader, reads.contact_access_lists, list
        )
        self.custom_fields_by_opportunity: TogetherLoader[int, list[Row]] = _together_loader(
            reader, *reference_cache.custom_field_reads(kept), list
        )
        # Read by a deal's id alone: they can travel with the deal's own row (prefetch).
        self.keyed_by_opportunity: tuple[TogetherLoader[int, Any], ...] = (
            self.contacts_by_opportunity,
            self.custom_fields_by_opportunity,
        )
        self.field_definition_by_id: ValueLoader[int, Mapping[Any, Any] | None] = _loader(
            reader, reads.field_definitions_by_id
        )
        self.opportunity_count_by_stage: ValueLoader[int, int] = _loader(
            reader, lambda conn, ids: reads.opportunity_counts(conn, caller, ids), int
        )
