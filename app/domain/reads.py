"""Batched reads by key, for the per-request loaders: one statement per batch, whatever its size."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import (
    access_t,
    contact_access_t,
    contact_t,
    currency_t,
    custom_field_t,
    employee_t,
    field_value_t,
    member_t,
    opportunity_t,
    stage_t,
)
from app.domain.access import contact_readable, opportunity_visible
from app.domain.caller import Caller
from app.domain.enums import CustomFieldType

Row = RowMapping


async def _by_key(conn: AsyncConnection, stmt: Any, key: str) -> dict[Any, Row]:
    return {row[key]: row for row in (await conn.execute(stmt)).mappings()}


async def employees(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """Employees by id."""
    return await _by_key(conn, select(employee_t).where(employee_t.c.id.in_(ids)), "id")


async def currencies(conn: AsyncConnection, abbrs: Sequence[str]) -> dict[str, Row]:
    """Currencies by abbreviation."""
    stmt = select(currency_t).where(currency_t.c.abbreviation.in_(abbrs))
    return await _by_key(conn, stmt, "abbreviation")


async def stages(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Row]:
    """Stages by id."""
    return await _by_key(conn, select(stage_t).where(stage_t.c.id.in_(ids)), "id")


async def contacts(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> dict[int, Row]:
    """The contacts among `ids` that the caller may read."""
    stmt = select(contact_t).where(and_(contact_t.c.id.in_(ids), contact_readable(caller)))
    return await _by_key(conn, stmt, "id")


async def opportunities(
    conn: AsyncConnection, caller: Caller, ids: Sequence[int]
) -> dict[int, Row]:
    """The deals among `ids` that the caller may read."""
    stmt = select(opportunity_t).where(
        and_(opportunity_t.c.id.in_(ids), opportunity_visible(caller))
    )
    return await _by_key(conn, stmt, "id")


async def _grouped(conn: AsyncConnection, stmt: Any) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for owner, value in await conn.execute(stmt):
        grouped[owner].append(value)
    return grouped


async def member_ids(conn: AsyncConnection, deal_ids: Sequence[int]) -> dict[int, list[int]]:
    """Contact ids taking part in each deal, in id order."""
    stmt = (
        select(member_t.c.opportunity_id, member_t.c.contact_id)
        .where(member_t.c.opportunity_id.in_(deal_ids))
        .order_by(member_t.c.opportunity_id, member_t.c.contact_id)
    )
    return await _grouped(conn, stmt)


async def access_ids(conn: AsyncConnection, deal_ids: Sequence[int]) -> dict[int, list[uuid.UUID]]:
    """Employees on each deal's access list, by name."""
    stmt = (
        select(access_t.c.opportunity_id, access_t.c.employee_id)
        .join(employee_t, employee_t.c.id == access_t.c.employee_id)
        .where(access_t.c.opportunity_id.in_(deal_ids))
        .order_by(access_t.c.opportunity_id, employee_t.c.display_name, employee_t.c.id)
    )
    return await _grouped(conn, stmt)


async def contact_access_ids(
    conn: AsyncConnection, contact_ids: Sequence[int]
) -> dict[int, list[uuid.UUID]]:
    """Employees on each private contact's access list, by name."""
    stmt = (
        select(contact_access_t.c.contact_id, contact_access_t.c.employee_id)
        .join(employee_t, employee_t.c.id == contact_access_t.c.employee_id)
        .where(contact_access_t.c.contact_id.in_(contact_ids))
        .order_by(contact_access_t.c.contact_id, employee_t.c.display_name, employee_t.c.id)
    )
    return await _grouped(conn, stmt)


async def custom_field_values(
    conn: AsyncConnection, deal_ids: Sequence[int]
) -> dict[int, list[Mapping[Any, Any]]]:
    """Each deal's custom fields as shown (spec 4.6): stored values plus every Heading field."""
    definitions = custom_field_t.c
    stmt = (
        select(
            field_value_t.c.opportunity_id,
            definitions.id,
            definitions.label,
            definitions.field_type,
            definitions.position,
            definitions.mask,
            field_value_t.c.value,
        )
        .join(field_value_t, definitions.id == field_value_t.c.field_id, isouter=True)
        .where(
            definitions.entity_type == "opportunity",
            or_(
                field_value_t.c.opportunity_id.in_(deal_ids),
                definitions.field_type == int(CustomFieldType.HEADING),
            ),
        )
        .order_by(definitions.position, definitions.id)
    )
    grouped: dict[int, list[Mapping[Any, Any]]] = defaultdict(list)
    headings: list[Mapping[Any, Any]] = []
    for row in (await conn.execute(stmt)).mappings():
        if row["field_type"] == CustomFieldType.HEADING:
            if not any(h["id"] == row["id"] for h in headings):
                headings.append(row)
            continue
        grouped[row["opportunity_id"]].append(row)
    result: dict[int, list[Mapping[Any, Any]]] = {}
    for deal_id in deal_ids:
        merged = [
            *grouped.get(deal_id, []),
            *({**h, "value": None, "opportunity_id": deal_id} for h in headings),
        ]
        merged.sort(key=lambda r: (r["position"], r["id"]))
        result[deal_id] = merged
    return result


async def all_stages(conn: AsyncConnection) -> list[Row]:
    """Every stage in pipeline order."""
    result = await conn.execute(select(stage_t).order_by(stage_t.c.sort_order, stage_t.c.id))
    return list(result.mappings())


async def all_currencies(conn: AsyncConnection) -> list[Row]:
    """Every currency, ordered by abbreviation."""
    result = await conn.execute(select(currency_t).order_by(currency_t.c.abbreviation))
    return list(result.mappings())


async def field_definitions(conn: AsyncConnection, entity_type: str) -> list[Row]:
    """Custom-field definitions of one kind of record, in display order."""
    result = await conn.execute(
        select(custom_field_t)
        .where(custom_field_t.c.entity_type == entity_type)
        .order_by(custom_field_t.c.position, custom_field_t.c.id)
    )
    return list(result.mappings())
