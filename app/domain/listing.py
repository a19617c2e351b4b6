"""Filtered, ordered, paged lists of deals and contacts (spec 3, GET opportunity/filter)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    exists,
    func,
    select,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import (
    contact_t,
    employee_t,
    member_t,
    opportunity_t,
    stage_t,
)
from app.domain.access import contact_readable, opportunity_visible
from app.domain.bounds import MAX_ORDER_TERMS
from app.domain.caller import Caller
from app.domain.close_dates import close_date, close_date_families, window_parts
from app.domain.enums import StageType
from app.domain.errors import DomainError, ErrorCode
from app.domain.opportunity_counts import visible_stage_counts, visible_total
from app.domain.opportunity_sorts import (
    DEFAULT_OPPORTUNITY_ORDER,
    OWN_COLUMN_SORTS,
    OpportunitySort,
    opportunity_key,
)
from app.domain.page_memo import keeper, kept_pages
from app.domain.page_query import fetch_page, read_kept_page
from app.domain.paging import Page, PageRequest, SortKey
from app.domain.search import common_words, opportunity_search, search_words
from app.domain.stage_walk import Family, GroupWalk, WalkPart

__all__ = ["OpportunityFilter", "OpportunitySort", "opportunity_page"]


@dataclass(frozen=True, kw_only=True)
class OpportunityFilter:
    """Conditions a deal must meet; unset ones do not apply."""

    responsible_id: uuid.UUID | None = None
    stage_id: int | None = None
    stage_type: StageType | None = None
    contact_id: int | None = None
    contact_also_member: bool = False
    close_date_from: datetime | None = None
    close_date_to: datetime | None = None
    search: str | None = None


def order_terms(order: Sequence[Any]) -> None:
    """Refuse an order of more terms than any index serves."""
    if len(order) > MAX_ORDER_TERMS:
        raise DomainError.one(
            ErrorCode.TOO_LONG, "orderBy", f"Order by at most {MAX_ORDER_TERMS} terms."
        )


def opportunity_conditions(
    caller: Caller, where: OpportunityFilter, *, sqlite: bool, common: bool = False
) -> list[ColumnElement[bool]]:
    """The SQL conditions a deal meets to be in the caller's list under `where`, privacy first."""
    opportunity = opportunity_t.c
    conditions: list[ColumnElement[bool]] = [opportunity_visible(caller)]
    if where.responsible_id is not None:
        conditions.append(opportunity.responsible_id == where.responsible_id)
    if where.stage_id is not None:
        conditions.append(opportunity.stage_id == where.stage_id)
    if where.stage_type is not None:
        conditions.append(stage_t.c.stage_type == int(where.stage_type))
    if where.contact_id is not None:
        # A contact the caller may not read filters exactly as a missing one: to nothing.
        conditions.append(
            exists().where(contact_t.c.id == where.contact_id, contact_readable(caller))
        )
        if where.contact_also_member:
            # Two index reads (primary contact, member) joined, not an OR across relations.
            either = union(
                select(opportunity_t.c.id).where(opportunity_t.c.contact_id == where.contact_id),
                select(member_t.c.opportunity_id).where(member_t.c.contact_id == where.contact_id),
            )
            conditions.append(opportunity.id.in_(either))
        else:
            conditions.append(opportunity.contact_id == where.contact_id)
    if where.close_date_from is not None:
        conditions.append(close_date() >= where.close_date_from)
    if where.close_date_to is not None:
        conditions.append(close_date() <= where.close_date_to)
    if words := search_words(where.search):
        conditions.append(opportunity_search(words, sqlite=sqlite, common=common))
    return conditions


def _walk_for(
    order: Sequence[tuple[OpportunitySort, bool]],
    where: OpportunityFilter,
    *,
    sqlite: bool,
    common: bool,
) -> tuple[GroupWalk | None, list[Family] | None]:
    """How to read the list group by group, if its order allows; None: one sorted range.

    A selective filter (a contact, rare words) finds its rows faster than a walk. A responsible
    keeps the walk in stage order only: each stage's deals of one employee are an index range
    (responsible, stage, title, id; migration 0010), read as the unfiltered walk reads a stage.
    """
    first, descending = order[0]
    rare_words = bool(where.search) and not common
    other_order = where.responsible_id is not None and first is not OpportunitySort.STAGE
    if where.contact_id is not None or rare_words or other_order:
        return None, None

    def only(group: FromClause) -> ColumnElement[bool]:
        kept: list[ColumnElement[bool]] = [true()]
        if where.stage_id is not None:
            kept.append(group.c.id == where.stage_id)
        if where.stage_type is not None:
            kept.append(group.c.stage_type == int(where.stage_type))
        return and_(*kept)

    by_stage = GroupWalk(
        groups=stage_t,
        link=opportunity_t.c.stage_id,
        row_id=opportunity_t.c.id,
        lateral=not sqlite,
        only=only,
    )
    if first is OpportunitySort.STAGE:
        return by_stage, None
    if len(order) > 1:
        return None, None
    if first is OpportunitySort.CLOSE_DATE:
        return by_stage, close_date_families(descending, sqlite)
    if first is OpportunitySort.RESPONSIBLE:
        # Twenty-odd employees, each an index range (responsible_id, id).
        by_employee = GroupWalk(
            groups=employee_t,
            link=opportunity_t.c.responsible_id,
            row_id=opportunity_t.c.id,
            lateral=not sqlite,
            group_key=lambda g: func.lower(g.c.display_name),
        )
        return by_employee, None
    return None, None


async def opportunity_page(
    *,
    db: Database,
    caller: Caller,
    where: OpportunityFilter,
    order: Sequence[tuple[OpportunitySort, bool]],
    page: PageRequest,
    with_total: bool,
    columns: frozenset[str] | None = None,
) -> Page:
    """One page of the deals the caller may see, filtered and ordered; id breaks ties.

    `columns`: the deal's columns the rows need (None: all of them); `id` is always read.
    """
    order_terms(order)
    order = list(order or DEFAULT_OPPORTUNITY_ORDER)
    words = search_words(where.search)
    windowed = where.close_date_from is not None or where.close_date_to is not None
    # A first page built from the arguments alone (no counts, words or window read first) is
    # kept to reuse; pages after a cursor are too many and too rarely read twice to keep.
    memo = None
    if not (words or windowed or page.offset or page.after or page.before):
        memo = (caller.id, caller.is_admin, where, tuple(order), page, with_total, columns)
        kept = kept_pages(db).get(memo)
        if kept is not None:
            async with db.read() as conn:
                return await read_kept_page(conn, kept, page, with_total=with_total)
    keys = [opportunity_key(sort, descending, db.is_sqlite) for sort, descending in order]
    if all(sort is not OpportunitySort.ID for sort, _ in order):
        keys.append(SortKey(opportunity_t.c.id, order[-1][1], "int"))
    unfiltered = where == OpportunityFilter()
    total = _counted_total(caller, where)
    # An offset skips whole stages by their counts when the list is read stage by stage.
    by_stage_counts = unfiltered and order[0][0] is OpportunitySort.STAGE
    group_counts = visible_stage_counts(caller) if by_stage_counts else None
    # Skipped rows need no join when the keys after the stage are the deal's own columns.
    own_keys = all(sort in OWN_COLUMN_SORTS for sort, _ in order[1:])
    narrow = select(opportunity_t.c.id).where(opportunity_visible(caller)) if own_keys else None
    async with db.read() as conn:
        common = bool(words) and await common_words(conn, words, sqlite=db.is_sqlite)
        conditions = opportunity_conditions(caller, where, sqlite=db.is_sqlite, common=common)
        source = opportunity_t.join(stage_t, stage_t.c.id == opportunity_t.c.stage_id)
        if any(sort is OpportunitySort.RESPONSIBLE for sort, _ in order):
            # Only that order reads the employee: without the join, an index that holds every
            # column a page's conditions name finds the page on index entries alone.
            source = source.join(employee_t, employee_t.c.id == opportunity_t.c.responsible_id)
        query = select(*_page_columns(columns)).select_from(source).where(*conditions)
        walk, families = _walk_for(order, where, sqlite=db.is_sqlite, common=common)
        parts = await _window_parts(
            conn, query, where=where, walk=walk, families=families, page=page, sqlite=db.is_sqlite
        )
        return await fetch_page(
            conn,
            query,
            keys,
            page,
            with_total=with_total,
            walk=walk,
            total=total,
            group_counts=group_counts,
            narrow=narrow,
            families=families,
            parts=parts,
            source=source,
            keep=None if memo is None else keeper(db, memo),
        )


def _page_columns(columns: frozenset[str] | None) -> list[ColumnElement[Any]]:
    """The deal's columns a page reads, in the table's order."""
    if columns is None:
        return list(opportunity_t.c)
    return [c for c in opportunity_t.c if c.name in columns or c.name == "id"]


async def _window_parts(
    conn: AsyncConnection,
    query: Select[Any],
    *,
    where: OpportunityFilter,
    walk: GroupWalk | None,
    families: list[Family] | None,
    page: PageRequest,
    sqlite: bool,
) -> list[WalkPart] | None:
    """Under a close-date window, how a walk stage by stage reads each stage (close_dates)."""
    windowed = where.close_date_from is not None or where.close_date_to is not None
    if walk is None or walk.only is None or families or page.offset or not windowed:
        return None
    return await window_parts(
        conn,
        query,
        start=where.close_date_from,
        end=where.close_date_to,
        sqlite=sqlite,
        only=walk.only,
    )


def _counted_total(caller: Caller, where: OpportunityFilter) -> ColumnElement[int] | None:
    """The list's total from the counters when its filter names stages only, else None."""
    if replace(where, stage_id=None, stage_type=None) != OpportunityFilter():
        return None
    stages: list[ColumnElement[bool]] = []
    if where.stage_id is not None:
        stages.append(stage_t.c.id == where.stage_id)
    if where.stage_type is not None:
        stages.append(stage_t.c.stage_type == int(where.stage_type))
    return visible_total(caller, and_(*stages) if stages else None)


async def opportunity_ids_where(
    conn: AsyncConnection, caller: Caller, where: OpportunityFilter, *, limit: int
) -> list[int]:
    """Ids of the first `limit` deals the caller may see that meet `where`, in list order."""
    query = (
        select(opportunity_t.c.id)
        .join(stage_t, stage_t.c.id == opportunity_t.c.stage_id)
        .where(*opportunity_conditions(caller, where, sqlite=conn.dialect.name == "sqlite"))
        .order_by(stage_t.c.sort_order, func.lower(opportunity_t.c.title), opportunity_t.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
