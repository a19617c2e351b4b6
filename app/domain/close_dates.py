"""When a deal closes, for its order and filters: expected at open stages, actual otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, literal_column

from app.db.models import opportunity_t, stage_t
from app.db.types import UTCDateTime
from app.domain.enums import StageType
from app.domain.paging import SortKey
from app.domain.stage_walk import Family

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
