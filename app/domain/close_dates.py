"""When a deal closes, for its order and filters: expected at open stages, actual otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import opportunity_t, stage_t
from app.db.types import UTCDateTime
from app.domain.enums import StageType
from app.domain.paging import SortKey
from app.domain.stage_walk import Family, WalkPart

# Unset close dates sort first, as the original's DateTime.MinValue does.
NO_DATE = datetime(1, 1, 1, tzinfo=UTC)


def close_date() -> ColumnElement[datetime]:
    """Expected close date for open stages, actual close date otherwise (spec 3)."""
    chosen = case(
        (stage_t.c.stage_type == int(StageType.OPEN), opportunity_t.c.expected_close_date),
        else_=opportunity_t.c.actual_close_date,
    )
    return func.coalesce(chosen, literal(NO_DATE, UTCDateTime), type_=UTCDateTime)


def no_date_sql(sqlite: bool) -> ColumnElement[datetime]:
    """NO_DATE written into the SQL, as migration 0008's close-date indexes hold it.

    On PostgreSQL that is `-infinity`: asyncpg sends NO_DATE (datetime.min) as `-infinity`, so a
    cursor or filter at an unset date meets the indexed value only if the index holds it too.
    """
    stored = "'0001-01-01 00:00:00.000000'" if sqlite else "'-infinity'::timestamptz"
    return literal_column(stored, UTCDateTime)


def close_date_families(descending: bool, sqlite: bool) -> list[Family]:
    """Open stages order by expected close date, the others by actual: each an index range."""
    opportunity = opportunity_t.c
    open_type = int(StageType.OPEN)

    def family(column: ColumnElement[Any], where: Any) -> Family:
        dated = func.coalesce(column, no_date_sql(sqlite), type_=UTCDateTime)
        keys = [SortKey(dated, descending, "datetime"), SortKey(opportunity.id, descending, "int")]
        return Family(groups_where=where, keys=keys)

    return [
        family(opportunity.expected_close_date, lambda g: g.c.stage_type == open_type),
        family(opportunity.actual_close_date, lambda g: g.c.stage_type != open_type),
    ]


# A stage whose close-date window holds fewer deals than this reads them by its close-date index
# and sorts them; one with more walks its own order, checking dates on the stage-order index
# (migration 0010): a page of n rows then costs about n x (stage / window) index entries.
RARE_WINDOW = 500


def _family_dates(sqlite: bool) -> list[tuple[Callable[[FromClause], Any], ColumnElement[Any]]]:
    """(stages of the family, the date its deals close by, as 0008's index holds it)."""
    opportunity, open_type = opportunity_t.c, int(StageType.OPEN)
    return [
        (lambda g: g.c.stage_type == open_type, opportunity.expected_close_date),
        (lambda g: g.c.stage_type != open_type, opportunity.actual_close_date),
    ]


def _inside(date: ColumnElement[Any], start: datetime | None, end: datetime | None) -> list[Any]:
    bounds = [] if start is None else [date >= start]
    return bounds if end is None else [*bounds, date <= end]


def _among(stages: list[int]) -> Callable[[FromClause], ColumnElement[bool]]:
    return lambda g: g.c.id.in_(stages)


async def window_parts(
    conn: AsyncConnection,
    query: Select[Any],
    *,
    start: datetime | None,
    end: datetime | None,
    sqlite: bool,
    only: Callable[[FromClause], ColumnElement[bool]],
) -> list[WalkPart]:
    """A stage walk of a list filtered to a close-date window, each stage read the cheaper way.

    One statement counts each stage's deals in the window on its close-date index, up to
    RARE_WINDOW. Stages where the window is rare read it by that index (the window written in
    the index's terms); the others walk the list's order with `query` as it is.
    """
    families = _family_dates(sqlite)
    probes = []
    for number, (family, column) in enumerate(families):
        probed = stage_t.alias("probed")
        date = func.coalesce(column, no_date_sql(sqlite), type_=UTCDateTime)
        rows = (
            select(literal(1))
            .where(opportunity_t.c.stage_id == probed.c.id, *_inside(date, start, end))
            .limit(RARE_WINDOW)
            .correlate(probed)
            .subquery("window_rows")
        )
        counted = select(func.count()).select_from(rows).scalar_subquery()
        probes.append(
            select(probed.c.id, literal(number), counted).where(family(probed), only(probed))
        )
    found = [(row[0], row[1], row[2]) for row in await conn.execute(union_all(*probes))]
    common = [stage for stage, _, count in found if count >= RARE_WINDOW]
    parts = [WalkPart(only=_among(common), query=query)] if common else []
    for number, (_, column) in enumerate(families):
        rare = [stage for stage, kind, count in found if kind == number and count < RARE_WINDOW]
        if rare:
            date = func.coalesce(column, no_date_sql(sqlite), type_=UTCDateTime)
            in_window = query.where(*_inside(date, start, end))
            parts.append(WalkPart(only=_among(rare), query=in_window))
    return parts
