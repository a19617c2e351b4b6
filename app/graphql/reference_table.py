"""Small tables read whole: each request's stages, the process's currencies."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

K = TypeVar("K")
R = TypeVar("R")
Row: TypeAlias = Mapping[Any, Any]
_NOT_BUILT = object()


class ReferenceTable(Generic[K]):
    """A small table (stages, currencies) read whole, once, on first use; the objects built
    from its rows built once too."""

    def __init__(
        self,
        read: Callable[[], Awaitable[list[Row]]],
        key: str,
        *,
        known: asyncio.Future[tuple[list[Row], dict[Any, Row]]] | None = None,
    ) -> None:
        """`known`: the table already read (a worker's copy that still holds)."""
        self._read_rows = read
        self._key = key
        self._read_task: asyncio.Future[tuple[list[Row], dict[Any, Row]]] | None = known
        # (build, key) -> build(row) for the rows of the read in _read_task.
        self._built: dict[tuple[Callable[[Row], Any], Any], Any] = {}

    async def _read(self) -> tuple[list[Row], dict[Any, Row]]:
        rows = await self._read_rows()
        return rows, {row[self._key]: row for row in rows}

    async def _loaded(self) -> tuple[list[Row], dict[Any, Row]]:
        task = self._read_task
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            # Concurrent first users share one read; a failed read is tried again next time.
            task = self._read_task = asyncio.ensure_future(self._read())
            self._built = {}
        return await task

    async def all(self) -> list[Row]:
        """Every row, in the table's display order."""
        return (await self._loaded())[0]

    async def get(self, key: K) -> Row | None:
        """The row with that key, or None."""
        return (await self._loaded())[1].get(key)

    def lookup(self, key: K) -> Row | Awaitable[Row | None] | None:
        """The row with that key (or None) at once when the table is read, else `get`."""
        task = self._read_task
        if task is not None and task.done() and not task.cancelled() and not task.exception():
            return task.result()[1].get(key)
        # A future, not a coroutine: a caller may drop it unawaited (a compiled plan giving up)
        # without a warning, and the read it started is the one every later lookup shares.
        return asyncio.ensure_future(self.get(key))

    def built(self, key: K, build: Callable[[Row], R]) -> R | Awaitable[R | None] | None:
        """`build(row)` of the row with that key (None without one), at once when the table is
        read, built once per read: a page of fifty deals at two stages builds two stages.

        `build` must be one function for the life of the table (it is part of the memo's key)
        and its objects must not be changed by their users.
        """
        task = self._read_task
        if task is not None and task.done() and not task.cancelled() and not task.exception():
            built = self._built
            found = built.get((build, key), _NOT_BUILT)
            if found is _NOT_BUILT:
                row = task.result()[1].get(key)
                if row is None:
                    return None
                found = built[build, key] = build(row)
            made: R = found
            return made
        return asyncio.ensure_future(self._build_later(key, build))

    async def _build_later(self, key: K, build: Callable[[Row], R]) -> R | None:
        row = await self.get(key)
        return None if row is None else build(row)

    async def load_many(self, keys: Iterable[K]) -> None:
        """Read the table now, so that `lookup` of these (or any) keys answers at once."""
        await self._loaded()

    def forget(self) -> None:
        """Drop what was read, after a change to the table."""
        self._read_task = None
        self._built = {}
