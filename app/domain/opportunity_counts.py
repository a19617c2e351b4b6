"""How many deals a caller may see, from counters kept by triggers (migrations 0004, 0006, 0009)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select, union_all

from app.db.counter_tables import (
    field_value_count_t,
    field_value_private_count_t,
    private_count_t,
    stage_count_t,
)
from app.db.models import stage_t
from app.domain.access import CALLER_ID
from app.domain.caller import Caller


def visible_total(caller: Caller, stages: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    """How many deals the caller may see (at the stages `stages` keeps), from the counters.

    Public deals per stage (migration 0004) and, per employee and stage, the private deals
    that list them (0006): a few rows read whatever the number of deals.
    """
    counters = stage_count_t.c
    public = select(func.coalesce(func.sum(counters.total), 0))
    listed = private_count_t.c
    private = select(func.coalesce(func.sum(listed.total), 0)).where(
        listed.employee_id == caller.id
    )
    if stages is not None:
        public = public.join(stage_t, stage_t.c.id == counters.stage_id).where(stages)
        private = private.join(stage_t, stage_t.c.id == listed.stage_id).where(stages)
    if caller.is_admin:
        return public.scalar_subquery()
    public = public.where(counters.is_private.is_(False))
    return public.scalar_subquery() + private.scalar_subquery()


def visible_stage_counts(caller: Caller) -> Select[Any]:
    """(stage sort order, stage, deals the caller may see there), from the counters."""
    counters = stage_count_t.c
    public = (
        select(stage_t.c.sort_order.label("grouped"), stage_t.c.id.label("link"), counters.total)
        .select_from(stage_count_t)
        .join(stage_t, stage_t.c.id == counters.stage_id)
    )
    if caller.is_admin:
        each = public.subquery("each_part")
    else:
        listed = private_count_t.c
        private = (
            select(stage_t.c.sort_order, stage_t.c.id, listed.total)
            .select_from(private_count_t)
            .join(stage_t, stage_t.c.id == listed.stage_id)
            .where(listed.employee_id == caller.id)
        )
        each = union_all(public.where(counters.is_private.is_(False)), private).subquery(
            "each_part"
        )
    return select(each.c.grouped, each.c.link, func.sum(each.c.total)).group_by(
        each.c.grouped, each.c.link
    )


@cache
def field_value_count_rows(admin: bool) -> Any:
    """(field, count) rows whose sums per field are the deals the caller may see with a value.

    Built once per kind of caller: the fields are bound as `ids`, the caller as `caller_id`.
    An admin's count is all values of the field; anyone else's the values of public deals and
    their own count of the values of private deals listing them (0009): a row or two per field.
    """
    fields: BindParameter[Any] = bindparam("ids", expanding=True)
    counters = field_value_count_t.c
    if admin:
        return select(counters.field_id, counters.total).where(counters.field_id.in_(fields))
    public = select(counters.field_id, counters.total - counters.private_total)
    listed = field_value_private_count_t.c
    private = select(listed.field_id, listed.total).where(
        listed.employee_id == CALLER_ID, listed.field_id.in_(fields)
    )
    return union_all(public.where(counters.field_id.in_(fields)), private)
