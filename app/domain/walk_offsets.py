"""A page at an offset of a list read group by group (app.domain.stage_walk).

It first finds, from the counts of each group, the group the offset falls in, and skips only
inside that group; the later groups are walked from their start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, literal, select, true

from app.domain.paging import SortKey
from app.domain.stage_walk import GroupWalk, in_order, walk_branch


@dataclass(frozen=True, slots=True)
class GroupOffset:
    """Where an offset falls in a group walk: the group, the links in it, rows to skip there."""

    group: Any
    links: tuple[Any, ...]
    skip: int
    rows: int  # in the group, for the caller: a skip past half of them is read from the end


def locate_offset(
    counts: Sequence[tuple[Any, Any, int]], offset: int, *, descending: bool
) -> GroupOffset | None:
    """The group an offset falls in, from (group, link, rows) counts; None past the last row."""
    groups: dict[Any, tuple[list[Any], int]] = {}
    for group, link, count in counts:
        links, total = groups.get(group, ([], 0))
        groups[group] = ([*links, link], total + count)
    before = 0
    for group in sorted(groups, reverse=descending):
        links, count = groups[group]
        if offset < before + count:
            return GroupOffset(group, tuple(sorted(links)), offset - before, count)
        before += count
    return None


def offset_statement(
    walk: GroupWalk,
    query: Select[Any],
    *,
    keys: Sequence[SortKey],
    size: int,
    at: GroupOffset,
    narrow: Select[Any] | None,
) -> Select[Any]:
    """`size` rows from the offset: skipped inside its group only, then the later groups walked.

    The skipped rows are read as ids alone, from `narrow` (the list's row ids without the
    joins the page's columns need) when given: skipping costs an index entry per row.
    """
    labelled = [key.expr.label(f"_k{i}") for i, key in enumerate(keys)]
    ordering = [(k.expr.desc() if k.descending else k.expr.asc()) for k in keys]
    group = literal(at.group, type_=keys[0].expr.type)
    in_group = walk.link == at.links[0] if len(at.links) == 1 else walk.link.in_(at.links)
    ids = (narrow if narrow is not None else query.with_only_columns(walk.row_id)).where(in_group)
    taken = min(size, at.rows - at.skip)
    if at.skip > at.rows // 2:
        # Past the middle of its group the same ids are fewer entries away from the end: a
        # deep page skips at most half a group, whichever end it is nearer.
        reverse = [(k.expr.asc() if k.descending else k.expr.desc()) for k in keys]
        skipped = ids.order_by(*reverse[1:]).limit(taken).offset(at.rows - at.skip - taken)
    else:
        skipped = ids.order_by(*ordering[1:]).limit(size).offset(at.skip)
    inside = query.add_columns(*labelled).where(walk.row_id.in_(skipped)).subquery("inside")

    def later_group(outer: FromClause) -> ColumnElement[bool]:
        key = walk.key_of(outer, keys[0])
        return key < group if keys[0].descending else key > group

    later = walk_branch(
        walk,
        query,
        keys=keys,
        labelled=labelled,
        size=size,
        groups_where=later_group,
        rest_where=true(),
        ordering=ordering[1:],
    )
    return in_order([select(inside), later], keys, size, backward=False)
