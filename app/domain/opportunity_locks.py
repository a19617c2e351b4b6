"""What a change reads before it writes, locked until it commits (SQLite has one writer anyway).

Opportunities are locked for update in id order, so two batches over the same ones cannot
deadlock; a row a change refers to (stage, contact, custom field) takes a key-share lock, so it
cannot be deleted before the change that refers to it is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import access_t, contact_t, custom_field_t, opportunity_t, stage_t
from app.domain.access import contact_readable, opportunity_visible
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode
from app.domain.id_chunks import chunks, in_order

Opportunity = Mapping[Any, Any]
MSG_NOT_FOUND = "The opportunity is not found."


async def visible_opportunities(
    conn: AsyncConnection, caller: Caller, ids: Sequence[int]
) -> list[Opportunity]:
    """The deals among `ids` the caller may see, locked for the change, in the order of `ids`."""
    found: list[Opportunity] = []
    for chunk in chunks(sorted(set(ids))):
        result = await conn.execute(
            select(opportunity_t)
            .where(opportunity_t.c.id.in_(chunk), opportunity_visible(caller))
            .order_by(opportunity_t.c.id)
            .with_for_update(of=opportunity_t)
        )
        found.extend(result.mappings())
    return in_order(ids, found)


async def visible_opportunity(
    conn: AsyncConnection, caller: Caller, opportunity_id: int
) -> Opportunity:
    """The deal, locked for the change; NOT_FOUND when there is none the caller may see."""
    rows = await visible_opportunities(conn, caller, [opportunity_id])
    if not rows:
        raise DomainError.one(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND)
    return rows[0]


async def access_lists(
    conn: AsyncConnection, opportunities: Sequence[Opportunity]
) -> dict[int, set[uuid.UUID]]:
    """Who is on the access list of each private one of `opportunities` (read under its lock)."""
    holders: dict[int, set[uuid.UUID]] = {}
    private = [row["id"] for row in opportunities if row["is_private"]]
    for chunk in chunks(private):
        result = await conn.execute(
            select(access_t.c.opportunity_id, access_t.c.employee_id).where(
                access_t.c.opportunity_id.in_(chunk)
            )
        )
        for opportunity_id, employee_id in result:
            holders.setdefault(opportunity_id, set()).add(employee_id)
    return holders


async def stage_for_change(conn: AsyncConnection, stage_id: int) -> Row[Any, Any] | None:
    """The stage's probability and type, or None when there is no such stage."""
    found = await conn.execute(
        select(stage_t.c.success_probability, stage_t.c.stage_type)
        .where(stage_t.c.id == stage_id)
        .with_for_update(read=True, key_share=True)
    )
    return found.first()


async def readable_contact_exists(conn: AsyncConnection, caller: Caller, contact_id: int) -> bool:
    """Whether the contact exists and the caller may read it."""
    found = await conn.execute(
        select(contact_t.c.id)
        .where(contact_t.c.id == contact_id, contact_readable(caller))
        .with_for_update(read=True, key_share=True, of=contact_t)
    )
    return found.first() is not None


async def opportunity_field_exists(conn: AsyncConnection, field_id: int) -> bool:
    """Whether the custom field exists and is one of opportunities."""
    found = await conn.execute(
        select(custom_field_t.c.id)
        .where(custom_field_t.c.id == field_id, custom_field_t.c.entity_type == "opportunity")
        .with_for_update(read=True, key_share=True)
    )
    return found.first() is not None
