"""Lists whose first key is a stage: read stage by stage, each an index range.

A page in stage order is at most a page from each stage, read in index order, instead of a sort
of the whole list; the stage it starts in first, the later ones only when it falls short. Pages
at an offset are in app.domain.walk_offsets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    func,
    literal,
    select,
    true,
    union_all,
)

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


def walk_branch(
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


def walk_steps(
    walk: GroupWalk,
    query: Select[Any],
    *,
    keys: Sequence[SortKey],
    size: int,
    cursor: list[Any] | None,
    backward: bool,
    parts: Sequence[WalkPart] | None = None,
    source: FromClause | None = None,
) -> list[Select[Any]]:
    """The first `size` rows past the cursor (or from the start), group by group, as two
    statements read in turn until `size` rows are found: the group the page starts in (the
    cursor's, else the first), then every later group.

    Read as one statement, a page read `size` rows from every group and sorted them all; most
    pages lie in one group (a list screen's first page in the first stage), so the later
    groups are read only for a page the first does not fill. `parts` read their groups each
    with its own query; without them, `query` reads every group.
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

    if cursor is None:
        first: ColumnElement[Any] = _first_group(walk, keys[0], ascending=ascending)
        rest_where: ColumnElement[bool] = true()
    else:
        first = literal(cursor[0], type_=keys[0].expr.type)
        rest_where = beyond(keys[1:], cursor[1:], not backward)
    walks = _parts(walk, query, parts)
    starting = [
        walk_branch(w, q, groups_where=lambda g: group(g) == first, rest_where=rest_where, **shared)
        for w, q in walks
    ]
    later = [
        walk_branch(
            w,
            q,
            groups_where=lambda g: group(g) > first if ascending else group(g) < first,
            rest_where=true(),
            **shared,
        )
        for w, q in walks
    ]
    return [in_order(starting, keys, size, backward), in_order(later, keys, size, backward)]


def _first_group(walk: GroupWalk, first: SortKey, *, ascending: bool) -> ColumnElement[Any]:
    """The first key of the group a list read from the start begins in (None: no group)."""
    groups = walk.groups.alias("first_group")
    key = walk.key_of(groups, first)
    found = select(func.min(key) if ascending else func.max(key))
    if walk.only is not None:
        found = found.where(walk.only(groups))
    return found.scalar_subquery()


def in_order(
    branches: Sequence[Select[Any]], keys: Sequence[SortKey], size: int, backward: bool
) -> Select[Any]:
    """The first `size` of the branches' rows in the list's reading order."""
    both = branches[0] if len(branches) == 1 else union_all(*branches)
    found = both.subquery("walked")
    order = [
        (found.c[f"_k{i}"].asc() if k.descending == backward else found.c[f"_k{i}"].desc())
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
            walk_branch(
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
    return in_order(branches, families[0].keys, size, backward)
