"""Several independent reads in one round trip: each statement's rows as one array column.

A request's relations (a deal's contacts, its custom fields...) are separate statements read on
one connection, one after another: on PostgreSQL each is a round trip, and what the service pays
for one is mostly the trip (a send, a wake-up, a receive), not the rows. Here the statements are
sent as one: `SELECT ARRAY(SELECT ROW(s.*) FROM (<first>) AS s), ARRAY(...)`. PostgreSQL sends
each row as a record that names its columns' types, which asyncpg decodes with the same codecs
as a plain result, so each statement's rows go through its own result processors unchanged
(`direct.Prepared.rows`): the same values as apart. Where that cannot be done exactly (SQLite,
a statement never run alone, a text with a quoted literal, a listener that counts statements)
each runs on its own, as `direct.fetch` runs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util.concurrency import greenlet_spawn

from app.db import direct

Read = tuple[ClauseElement, Mapping[str, Any]]
_PLACEHOLDER = re.compile(r"\$(\d+)")


async def fetch_together(conn: AsyncConnection, reads: Sequence[Read]) -> list[list[direct.Row]]:
    """Every row of each read, in order, as `direct.fetch` would give them one by one."""
    combined = _combined(conn, reads) if len(reads) > 1 else None
    if combined is None:
        return await _each_alone(conn, reads)
    return await _fetch_combined(conn, combined)


async def _each_alone(conn: AsyncConnection, reads: Sequence[Read]) -> list[list[direct.Row]]:
    return [await direct.fetch(conn, statement, params) for statement, params in reads]


async def _fetch_combined(
    conn: AsyncConnection, combined: tuple[Any, str, list[Any], list[direct.Prepared]]
) -> list[list[direct.Row]]:
    adapted, text, bound, prepared = combined
    sync = conn.sync_connection
    assert sync is not None
    try:
        _, rows = await direct._run(adapted, text, bound, described=True)
    except BaseException as error:
        await greenlet_spawn(direct._handle, sync, error, text, bound)
        raise  # not reached: the call above raises
    record = rows[0]
    return [
        each.rows(sync.dialect, None, record[index] or ()) for index, each in enumerate(prepared)
    ]


async def fetch_if_found(
    conn: AsyncConnection, first: Read, rest: Sequence[Read]
) -> tuple[list[direct.Row], list[list[direct.Row]]]:
    """The rows of `first`, and of each of `rest` when `first` found any (else none).

    Where the reads combine, all are sent at once (one round trip; the rest's rows are dropped
    when `first` found none); elsewhere `rest` runs only after `first` found rows, so a miss
    costs one statement.
    """
    combined = _combined(conn, [first, *rest]) if rest else None
    if combined is not None:
        found = await _fetch_combined(conn, combined)
        return (found[0], found[1:]) if found[0] else ([], [])
    head = await direct.fetch(conn, *first)
    if not head:
        return [], []
    return head, await _each_alone(conn, rest)


def _combined(
    conn: AsyncConnection, reads: Sequence[Read]
) -> tuple[Any, str, list[Any], list[direct.Prepared]] | None:
    """The adapted connection, one text, its parameters and each read's statement; or None."""
    sync = conn.sync_connection
    proxied = None if sync is None else sync._dbapi_connection
    if sync is None or proxied is None or sync.dialect.name != "postgresql":
        return None
    if direct._listened(sync):
        return None
    texts: list[str] = []
    offsets: list[int] = []
    bound: list[Any] = []
    prepared: list[direct.Prepared] = []
    for statement, params in reads:
        each = direct._prepared(statement, sync.dialect)
        binding = None if each.results is None else each.bind(params)
        # A statement's column types are learnt from its first run on its own.
        if binding is None:
            return None
        text, values = binding
        texts.append(text)
        offsets.append(len(bound))
        bound.extend(values)
        prepared.append(each)
    joined = _joined(tuple(texts), tuple(offsets))
    if joined is None:
        return None
    return proxied.dbapi_connection, joined, bound, prepared


@lru_cache(maxsize=256)
def _joined(texts: tuple[str, ...], offsets: tuple[int, ...]) -> str | None:
    """The texts as one statement, each one's rows an array, its placeholders moved up by its
    offset; None if a text holds a quote (renumbering could reach into a literal).

    Kept per texts and offsets (a handful of combinations): building it per request was a
    regular-expression pass and a call per placeholder.
    """
    if any("'" in text or '"' in text for text in texts):
        return None
    # Compiled from the app's own statements, values bound: nothing here comes from a client.
    parts = [
        f"ARRAY(SELECT ROW(s.*) FROM ({_renumbered(text, offset)}) AS s)"  # noqa: S608
        for text, offset in zip(texts, offsets, strict=True)
    ]
    return "SELECT " + ", ".join(parts)


def _renumbered(text: str, offset: int) -> str:
    """The text with each `$n` placeholder moved up by `offset`."""
    return _PLACEHOLDER.sub(lambda found: f"${int(found.group(1)) + offset}", text)
