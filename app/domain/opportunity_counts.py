"""How many deals a caller may see, from the counters the triggers keep (migrations 0004, 0006)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, union_all

from app.db.models import private_count_t, stage_count_t, stage_t
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
