"""What deals can be ordered by, and the SQL sort key of each."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import REAL, ColumnElement, Integer, cast, func, literal_column

from app.db.models import employee_t, opportunity_t, stage_t
from app.db.types import UTCDateTime
from app.domain.close_dates import close_date, no_date_sql
from app.domain.paging import KeyKind, SortKey


class OpportunitySort(StrEnum):
    """What deals can be ordered by."""

    TITLE = "title"
    RESPONSIBLE = "responsible"
    STAGE = "stage"
    BID_VALUE = "bid_value"
    CLOSE_DATE = "close_date"
    CREATED = "created"
    ID = "id"
    CONTACT = "contact"
    ACTUAL_CLOSE_DATE = "actual_close_date"
    EXPECTED_CLOSE_DATE = "expected_close_date"


def opportunity_key(sort: OpportunitySort, descending: bool, sqlite: bool) -> SortKey:
    """The ORDER BY term of `sort`, written as the index that serves it holds it."""
    opportunity = opportunity_t.c
    if sort is OpportunitySort.BID_VALUE and sqlite:
        # SQLite keeps money as exact text; it sorts by its numeric value.
        return SortKey(cast(opportunity.bid_value, REAL), descending, "float")
    # The original keeps "none" as 0 and an unset date as the earliest (DateTime.MinValue);
    # written as literals, not parameters, so that the expression matches migration 0013's index.
    no_contact = literal_column("0", Integer)
    keys: dict[OpportunitySort, tuple[ColumnElement[Any], KeyKind]] = {
        # Names sort case-insensitively, the same on SQLite (binary) and PostgreSQL (locale).
        OpportunitySort.TITLE: (func.lower(opportunity.title), "str"),
        OpportunitySort.RESPONSIBLE: (func.lower(employee_t.c.display_name), "str"),
        OpportunitySort.STAGE: (stage_t.c.sort_order, "int"),
        OpportunitySort.BID_VALUE: (opportunity.bid_value, "decimal"),
        OpportunitySort.CLOSE_DATE: (close_date(), "datetime"),
        OpportunitySort.CREATED: (opportunity.created_at, "datetime"),
        OpportunitySort.ID: (opportunity.id, "int"),
        OpportunitySort.CONTACT: (
            func.coalesce(opportunity.contact_id, no_contact, type_=Integer),
            "int",
        ),
        OpportunitySort.ACTUAL_CLOSE_DATE: (
            func.coalesce(opportunity.actual_close_date, no_date_sql(sqlite), type_=UTCDateTime),
            "datetime",
        ),
        OpportunitySort.EXPECTED_CLOSE_DATE: (
            func.coalesce(opportunity.expected_close_date, no_date_sql(sqlite), type_=UTCDateTime),
            "datetime",
        ),
    }
    expression, kind = keys[sort]
    return SortKey(expression, descending, kind)


# Orders whose keys read the deal's row alone (no stage, no responsible employee).
OWN_COLUMN_SORTS = frozenset(
    {
        OpportunitySort.TITLE,
        OpportunitySort.BID_VALUE,
        OpportunitySort.CREATED,
        OpportunitySort.ID,
        OpportunitySort.CONTACT,
        OpportunitySort.ACTUAL_CLOSE_DATE,
        OpportunitySort.EXPECTED_CLOSE_DATE,
    }
)
DEFAULT_OPPORTUNITY_ORDER = ((OpportunitySort.STAGE, False), (OpportunitySort.TITLE, False))
# How DealDao orders a stage's deals after the stage (GetCrudeDeals, DealSortedByType.Stage):
# contact, actual close date latest first, expected close date, title.
IN_STAGE_ORDER = (
    (OpportunitySort.CONTACT, False),
    (OpportunitySort.ACTUAL_CLOSE_DATE, True),
    (OpportunitySort.EXPECTED_CLOSE_DATE, False),
    (OpportunitySort.TITLE, False),
)
