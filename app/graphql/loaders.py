"""Per-request loaders: one statement per relation per request depth, whatever the page size."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from app.db.engine import Database
from app.domain import reads
from app.domain.caller import Caller

K = TypeVar("K")
V = TypeVar("V")


def _loader(
    db: Database,
    fetch: Callable[[AsyncConnection, Sequence[K]], Awaitable[Mapping[K, V]]],
    default: Callable[[], Any] = lambda: None,
) -> DataLoader[K, Any]:
    async def load(keys: list[K]) -> list[Any]:
        async with db.read() as conn:
            found = await fetch(conn, keys)
        return [found[key] if key in found else default() for key in keys]

    return DataLoader(load_fn=load)


class ReferenceTable(Generic[K]):
    """A small table (stages, currencies) read whole, once per request, on first use."""

    def __init__(
        self,
        db: Database,
        fetch: Callable[[AsyncConnection], Awaitable[list[RowMapping]]],
        key: str,
    ) -> None:
        self._db = db
        self._fetch = fetch
        self._key = key
        self._rows: asyncio.Task[list[RowMapping]] | None = None

    async def _read(self) -> list[RowMapping]:
        async with self._db.read() as conn:
            return await self._fetch(conn)

    async def all(self) -> list[RowMapping]:
        """Every row, in the table's display order."""
        if self._rows is None:
            self._rows = asyncio.ensure_future(self._read())
        return await self._rows

    async def get(self, key: K) -> RowMapping | None:
        """The row with that key, or None."""
        return next((row for row in await self.all() if row[self._key] == key), None)

    def forget(self) -> None:
        """Drop what was read, after a change to the table."""
        self._rows = None


class Loaders:
    """Everything a request may load by key; built fresh for each request."""

    def __init__(self, db: Database, caller: Caller) -> None:
        self.stages: ReferenceTable[int] = ReferenceTable(db, reads.all_stages, "id")
        self.currencies: ReferenceTable[str] = ReferenceTable(
            db, reads.all_currencies, "abbreviation"
        )
        self.employee_by_id: DataLoader[uuid.UUID, Any] = _loader(db, reads.employees)
        self.contact_by_id: DataLoader[int, Any] = _loader(
            db, lambda conn, ids: reads.contacts(conn, caller, ids)
        )
        self.opportunity_by_id: DataLoader[int, Any] = _loader(
            db, lambda conn, ids: reads.opportunities(conn, caller, ids)
        )
        self.contacts_by_opportunity: DataLoader[int, reads.DealContacts] = _loader(
            db, lambda conn, ids: reads.deal_contacts(conn, caller, ids), reads.DealContacts
        )
        self.access_list_by_opportunity: DataLoader[int, list[RowMapping]] = _loader(
            db, reads.access_lists, list
        )
        self.access_list_by_contact: DataLoader[int, list[RowMapping]] = _loader(
            db, reads.contact_access_lists, list
        )
        self.custom_fields_by_opportunity: DataLoader[int, list[Any]] = _loader(
            db, reads.custom_field_values, list
        )
        self.opportunity_count_by_stage: DataLoader[int, int] = _loader(
            db, lambda conn, ids: reads.opportunity_counts(conn, caller, ids), int
        )
