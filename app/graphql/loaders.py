"""Per-request DataLoaders, one per relation, named by what they load and by which key."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

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


class Loaders:
    """Everything a request may load by key; built fresh for each request."""

    def __init__(self, db: Database, caller: Caller) -> None:
        self.employee_by_id: DataLoader[uuid.UUID, Any] = _loader(db, reads.employees)
        self.currency_by_abbr: DataLoader[str, Any] = _loader(db, reads.currencies)
        self.stage_by_id: DataLoader[int, Any] = _loader(db, reads.stages)
        self.contact_by_id: DataLoader[int, Any] = _loader(
            db, lambda conn, ids: reads.contacts(conn, caller, ids)
        )
        self.opportunity_by_id: DataLoader[int, Any] = _loader(
            db, lambda conn, ids: reads.opportunities(conn, caller, ids)
        )
        self.member_ids_by_opportunity: DataLoader[int, list[int]] = _loader(
            db, reads.member_ids, list
        )
        self.access_ids_by_opportunity: DataLoader[int, list[uuid.UUID]] = _loader(
            db, reads.access_ids, list
        )
        self.access_ids_by_contact: DataLoader[int, list[uuid.UUID]] = _loader(
            db, reads.contact_access_ids, list
        )
        self.custom_fields_by_opportunity: DataLoader[int, list[Any]] = _loader(
            db, reads.custom_field_values, list
        )
