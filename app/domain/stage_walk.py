"""Lists whose first key is a stage: read stage by stage, each an index range.

A page in stage order is at most a page from each stage, read in index order, instead of a sort
of the whole list. A page at an offset first finds, from the counts of each stage, the stage the
offset falls in, and skips only inside that stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, literal, select, true, union_all

from app.domain.paging import SortKey, beyond


@dataclass(frozen=True, slots=True)
class GroupWalk:
    """A list whose first key is a column of a small table (stages): read group by group.

    Each group's rows are an index range (link, rest of the keys), so a page reads at most a
    page per group instead of sorting the whole list. PostgreSQL joins each group LATERAL;
    SQLite, which has no LATERAL, looks each group's ids up with a correlated LIMIT subquery.
    """

    groups: FromClause
    link: ColumnElement[Any]
    row_id: ColumnElement[Any]
    lateral: bool
    # The first key as read from a group's row; by default the group's column of that name.
    group_key: Callable[[FromClause], ColumnElement[Any]] | None = None
    # Groups the list's filter leaves empty, skipped whole rather than searched row by row.
    only: Callable[[FromClause], ColumnElement[bool]] | None = None

    def key_of(self, group: FromClause, first: SortKey) -> ColumnElement[Any]:
        """The first sort key of the rows in `group` (an alias of the groups table)."""
        if self.group_key is not None:
            return self.group_key(group)
        column: ColumnElement[Any] = group.c[first.expr.name]
        return column


@dataclass(frozen=True, slots=True)
class WalkPart:
    """Some of a walk's groups, found by a query of their own (the same rows, another index)."""

    only: Callable[[FromClause], ColumnElement[bool]]
    query: Select[Any]


def _parts(
    walk: GroupWalk, query: Select[Any], parts: Sequence[WalkPart] | None
) -> list[tuple[GroupWalk, Select[Any]]]:
    """Each part's walk (its groups only) and query; the whole walk when there are no parts."""
    if not parts:  # none, or no group at all: the walk as it is finds nothing either
        return [(walk, query)]
    return [(replace(walk, only=_both(walk.only, part.only)), part.query) for part in parts]


def _both(
    kept: Callable[[FromClause], ColumnElement[bool]] | None,
    narrowed: Callable[[FromClause], ColumnElement[bool]],
) -> Callable[[FromClause], ColumnElement[bool]]:
    if kept is None:
        return narrowed
    return lambda g: and_(kept(g), narrowed(g))


def _walk_branch(
    walk: GroupWalk,
    query: Select[Any],
    *,
    keys: Sequence[SortKey],
    labelled: list[Any],
    size: int,
    groups_where: Callable[[FromClause], Any],
    rest_where: ColumnElement[bool],
    ordering: list[Any],
    source: FromClause | None = None,
) -> Select[Any]:
    """The first `size` rows in `ordering` of each group `groups_where` keeps, past `rest_where`."""
    outer = walk.groups.alias("walk")
    groups_where = _both(walk.only, groups_where)
    inner = query.where(walk.link == outer.c.id, rest_where).order_by(*ordering).limit(size)
    # The page's rows are read by id, without the list's conditions (the ids already meet them).
    # get_final_froms compiles the query (a millisecond a page): the caller's FROM is at hand.
    froms = [source] if source is not None else query.get_final_froms()
    by_id = select(*query.selected_columns).select_from(*froms)
    if walk.lateral:
        # Each group's ids and keys only: where an index holds every column the conditions
        # name (0010), PostgreSQL checks them on index entries alone, reading only kept rows.
        each = inner.with_only_columns(walk.row_id.label("_row"), *labelled).lateral("page")
        walked = select(each).select_from(outer.join(each, true()))
        found = walked.where(groups_where(outer)).subquery("found")
        by_key = [found.c[key.name] for key in labelled]
        return by_id.add_columns(*by_key).join(found, walk.row_id == found.c["_row"])
    # The group condition inside the correlated list: outside, an index on it could lead
    # SQLite to start from the rows and run the list once per row instead of once per group;
    # an indexed filter outside (a responsible) would do the same.
    ids = inner.where(groups_where(outer)).with_only_columns(walk.row_id).correlate(outer)
    return by_id.add_columns(*labelled).join(outer, walk.row_id.in_(ids))


def walk_statement(
    walk: GroupWalk,
    query: Select[Any],
    *,
    keys: Sequence[SortKey],
    size: int,
    cursor: list[Any] | None,
    backward: bool,
    parts: Sequence[WalkPart] | None = None,
    source: FromClause | None = None,
) -> Select[Any]:
    """The first `size` rows past the cursor (or from the start), group by group.

    `parts` read their groups each with its own query; without them, `query` reads every group.
    """
    ordering = [(k.expr.asc() if k.descending == backward else k.expr.desc()) for k in keys]
    shared: dict[str, Any] = {
        "keys": keys,
        "labelled": [key.expr.label(f"_k{i}") for i, key in enumerate(keys)],
        "size": size,
        "ordering": ordering[1:],
        "source": source,
    }
    ascending = keys[0].descending == backward

    def group(outer: FromClause) -> ColumnElement[Any]:
        return walk.key_of(outer, keys[0])

    first = None if cursor is None else literal(cursor[0], type_=keys[0].expr.type)
    branches = []
    for part_walk, part_query in _parts(walk, query, parts):
        if cursor is None:
            branches.append(
                _walk_branch(
                    part_walk,
                    part_query,
                    groups_where=lambda _g: true(),
                    rest_where=true(),
                    **shared,
                )
            )
            continue
        branches += [
            # The rest of the cursor's group, from just past the cursor.
            _walk_branch(
                part_walk,
                part_query,
                groups_where=lambda g: group(g) == first,
                rest_where=beyond(keys[1:], cursor[1:], not backward),
                **shared,
            ),
            # Every later group, from its start.
            _walk_branch(
                part_walk,
                part_query,
                groups_where=lambda g: group(g) > first if ascending else group(g) < first,
                rest_where=true(),
                **shared,
            ),
        ]
    both = branches[0] if len(branches) == 1 else union_all(*branches)
    found = both.subquery("walked")
    order = [
        (found.c[f"_k{i}"].asc() if k.descending == backward else found.c[f"_k{i}"].desc())
        for i, k in enumerate(keys)
    ]
    return select(found).order_by(*order).limit(size)


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

    later = _walk_branch(
        walk,
        query,
        keys=keys,
        labelled=labelled,
        size=size,
        groups_where=later_group,
        rest_where=true(),
        ordering=ordering[1:],
    )
    found = union_all(select(inside), later).subquery("walked")
    order = [
        (found.c[f"_k{i}"].desc() if k.descending else found.c[f"_k{i}"].asc())
        for i, k in enumerate(keys)
    ]
    return select(found).order_by(*order).limit(size)


@dataclass(frozen=True, slots=True)
class Family:
    """Groups whose rows share how the sort keys are read (e.g. open stages: expected date)."""

    groups_where: Callable[[FromClause], ColumnElement[bool]]
    keys: Sequence[SortKey]


def merge_statement(
    walk: GroupWalk,
    query: Select[Any],
    *,
    families: Sequence[Family],
    size: int,
    cursor: list[Any] | None,
    backward: bool,
) -> Select[Any]:
    """The first `size` rows past the cursor when every group is an index range of the order.

    The first key is not the group's: each group gives its first `size` rows past the cursor
    (read by the family's keys, which equal the list's keys inside those groups) and the union
    is sorted once: a page reads at most a page per group.
    """
    branches = []
    for family in families:
        keys = family.keys
        ordering = [(k.expr.asc() if k.descending == backward else k.expr.desc()) for k in keys]
        branches.append(
            _walk_branch(
                walk,
                query,
                keys=keys,
                labelled=[key.expr.label(f"_k{i}") for i, key in enumerate(keys)],
                size=size,
                groups_where=family.groups_where,
                rest_where=true() if cursor is None else beyond(keys, cursor, not backward),
                ordering=ordering,
            )
        )
    found = union_all(*branches).subquery("merged")
    first = families[0].keys
    order = [
        (found.c[f"_k{i}"].asc() if k.descending == backward else found.c[f"_k{i}"].desc())
        for i, k in enumerate(first)
    ]
    return select(found).order_by(*order).limit(size)
