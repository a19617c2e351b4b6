"""One page of a list: the statement by keyset, by offset or stage by stage, and the total."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.domain.paging import Page, PageRequest, SortKey, beyond, cursor_encoder, decode_cursor
from app.domain.stage_walk import Family, GroupWalk, WalkPart, merge_statement, walk_steps
from app.domain.walk_offsets import locate_offset, offset_statement


@dataclass(slots=True)
class KeptPage:
    """A page's statements as built for one list and one set of arguments, to run again."""

    # Read in turn until one page is found (a walk's later groups only when the first is short).
    statements: Sequence[Select[Any]]
    keys: Sequence[SortKey]
    counted: ColumnElement[Any]
    # Compiled on their first direct run; they live as long as the kept page.
    prepared: list[direct.Prepared] | None = None


def _sorted_statement(
    query: Select[Any],
    keys: Sequence[SortKey],
    *,
    size: int,
    after: list[Any] | None,
    before: list[Any] | None,
    offset: int | None,
    backward: bool,
) -> Select[Any]:
    """`size` rows between the cursors in the order of `keys`, read as one sorted range."""
    labelled = [key.expr.label(f"_k{i}") for i, key in enumerate(keys)]
    stmt = query.add_columns(*labelled)
    if after is not None:
        stmt = stmt.where(beyond(keys, after, forward=True))
    if before is not None:
        stmt = stmt.where(beyond(keys, before, forward=False))
    ordering = [(k.expr.asc() if k.descending == backward else k.expr.desc()) for k in keys]
    stmt = stmt.order_by(*ordering).limit(size)
    return stmt.offset(offset) if offset else stmt


async def fetch_page(
    conn: AsyncConnection,
    query: Select[Any],
    keys: Sequence[SortKey],
    request: PageRequest,
    *,
    with_total: bool,
    walk: GroupWalk | None = None,
    total: ColumnElement[Any] | None = None,
    group_counts: Select[Any] | None = None,
    narrow: Select[Any] | None = None,
    families: Sequence[Family] | None = None,
    parts: Sequence[WalkPart] | None = None,
    source: FromClause | None = None,
    keep: Callable[[KeptPage], None] | None = None,
) -> Page:
    """Run `query` (already filtered) for one page in the order of `keys` (unique as a whole).

    `walk` reads the page group by group when the first key allows it; `total` counts the
    list some cheaper way than counting `query`; `group_counts` (group, link, rows of the list
    there) lets an offset skip whole groups with `walk`, and `narrow` skip ids without joins;
    `families` makes `walk` a merge of each group's own index order (stage_walk.merge_statement);
    `parts` read some groups of `walk` with queries of their own (stage_walk.walk_steps);
    `source` is `query`'s FROM when known (else worked out by compiling `query`); `keep`
    receives the statement when it depends on the arguments alone (no offset, so no counts).
    """
    size = request.size()
    backward = request.last is not None or (request.before is not None and request.first is None)
    after = None if request.after is None else decode_cursor(request.after, keys, "after")
    before = None if request.before is None else decode_cursor(request.before, keys, "before")
    counted = (
        total
        if total is not None
        else query.with_only_columns(func.count()).order_by(None).scalar_subquery()
    )
    statements: list[Select[Any]]
    if walk is not None and request.offset and group_counts is not None:
        counts = [(row[0], row[1], int(row[2])) for row in await conn.execute(group_counts)]
        at = locate_offset(counts, request.offset, descending=keys[0].descending)
        # Past the last row there is nothing to read.
        statements = (
            []
            if at is None
            else [offset_statement(walk, query, keys=keys, size=size + 1, at=at, narrow=narrow)]
        )
    elif walk is not None and families and not request.offset and (after is None or before is None):
        statements = [
            merge_statement(
                walk,
                query,
                families=families,
                size=size + 1,
                cursor=after or before,
                backward=backward,
            )
        ]
    elif (
        walk is not None
        and not families
        and not request.offset
        and (after is None or before is None)
    ):
        statements = walk_steps(
            walk,
            query,
            keys=keys,
            size=size + 1,
            cursor=after or before,
            backward=backward,
            parts=parts,
            source=source,
        )
    else:
        statements = [
            _sorted_statement(
                query,
                keys,
                size=size + 1,
                after=after,
                before=before,
                offset=request.offset,
                backward=backward,
            )
        ]
    if with_total:
        statements = [stmt.add_columns(counted.label("_total")) for stmt in statements]
    if keep is not None and statements and not request.offset:  # an offset rests on counts
        keep(KeptPage(statements, keys, counted))
    rows: list[Mapping[str, Any]] = []
    for stmt in statements:
        if len(rows) > size:
            break
        rows += (await conn.execute(stmt)).mappings()
    return await _page_of(conn, rows, keys, request, with_total=with_total, counted=counted)


async def read_kept_page(
    conn: AsyncConnection, kept: KeptPage, request: PageRequest, *, with_total: bool
) -> Page:
    """The page a kept statement reads now (app.db.direct: it is compiled once)."""
    if kept.prepared is None:
        kept.prepared = [direct.Prepared(stmt, conn.dialect) for stmt in kept.statements]
    size = request.size()
    rows: list[Mapping[str, Any]] = []
    for stmt, prepared in zip(kept.statements, kept.prepared, strict=True):
        if len(rows) > size:
            break
        rows += await direct.fetch(conn, stmt, prepared=prepared)
    return await _page_of(
        conn, rows, kept.keys, request, with_total=with_total, counted=kept.counted
    )


async def _page_of(
    conn: AsyncConnection,
    rows: list[Mapping[str, Any]],
    keys: Sequence[SortKey],
    request: PageRequest,
    *,
    with_total: bool,
    counted: ColumnElement[Any],
) -> Page:
    """The page of `rows`, read one past its size in the page's reading order."""
    size = request.size()
    backward = request.last is not None or (request.before is not None and request.first is None)
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    found_total: int | None = None
    if with_total:
        if rows:
            found_total = int(rows[0]["_total"])
        else:
            found_total = int((await conn.execute(select(counted))).scalar_one())
    return Page(
        rows=rows,
        cursors=list(map(cursor_encoder(keys), rows)),
        has_next=more if not backward else request.before is not None,
        has_previous=more if backward else (request.after is not None or bool(request.offset)),
        total=found_total,
    )
