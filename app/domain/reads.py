"""Batched reads by key, for the per-request loaders: one statement per batch, whatever its size."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, and_, func, literal, or_, select, union_all
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


@dataclass(slots=True)
class DealContacts:
    """The contacts of one deal that the caller may read."""

    primary: Row | None = None
    members: list[Row] = field(default_factory=list)


async def deal_contacts(
    conn: AsyncConnection, caller: Caller, deal_ids: Sequence[int]
) -> dict[int, DealContacts]:
    """Primary contact and members of each deal, in one statement; members in id order."""
    readable = contact_readable(caller)
    as_member = (
        select(member_t.c.opportunity_id.label("_deal"), literal(True).label("_member"), contact_t)
        .join(contact_t, contact_t.c.id == member_t.c.contact_id)
        .where(member_t.c.opportunity_id.in_(deal_ids), readable)
    )
    as_primary = (
        select(opportunity_t.c.id.label("_deal"), literal(False).label("_member"), contact_t)
        .join(contact_t, contact_t.c.id == opportunity_t.c.contact_id)
        .where(opportunity_t.c.id.in_(deal_ids), readable)
    )
    both = union_all(as_member, as_primary).subquery()
    stmt = select(both).order_by(both.c._deal, both.c.id)
    found: dict[int, DealContacts] = defaultdict(DealContacts)
    for row in (await conn.execute(stmt)).mappings():
        contacts = found[row["_deal"]]
        if row["_member"]:
            contacts.members.append(row)
        else:
            contacts.primary = row
    return found


async def _employees_of(
    conn: AsyncConnection, owner: Any, link: Any, owners: Sequence[Any]
) -> dict[Any, list[Row]]:
    stmt = (
        select(owner.label("_owner"), employee_t)
        .join(employee_t, employee_t.c.id == link)
        .where(owner.in_(owners))
        .order_by(owner, employee_t.c.display_name, employee_t.c.id)
    )
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in (await conn.execute(stmt)).mappings():
        grouped[row["_owner"]].append(row)
    return grouped


async def access_lists(conn: AsyncConnection, deal_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Employees on each deal's access list, by name."""
    return await _employees_of(conn, access_t.c.opportunity_id, access_t.c.employee_id, deal_ids)


async def contact_access_lists(
    conn: AsyncConnection, contact_ids: Sequence[int]
) -> dict[int, list[Row]]:
    """Employees on each private contact's access list, by name."""
    return await _employees_of(
        conn, contact_access_t.c.contact_id, contact_access_t.c.employee_id, contact_ids
    )


async def opportunity_counts(
    conn: AsyncConnection, caller: Caller, stage_ids: Sequence[int]
) -> dict[int, int]:
    """How many deals the caller may see at each stage."""
    stmt = (
        select(opportunity_t.c.stage_id, func.count())
        .where(opportunity_t.c.stage_id.in_(stage_ids), opportunity_visible(caller))
        .group_by(opportunity_t.c.stage_id)
    )
    return {stage_id: int(count) for stage_id, count in await conn.execute(stmt)}


async def all_employees(conn: AsyncConnection) -> list[Row]:
    """Every employee, by name."""
    result = await conn.execute(
        select(employee_t).order_by(employee_t.c.display_name, employee_t.c.id)
    )
    return list(result.mappings())


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


async def field_value_counts(
    conn: AsyncConnection, caller: Caller, field_ids: Sequence[int]
) -> dict[int, int]:
    """How many deals the caller may see have a value for each custom field."""
    stmt = (
        select(field_value_t.c.field_id, func.count())
        .join(opportunity_t, opportunity_t.c.id == field_value_t.c.opportunity_id)
        .where(field_value_t.c.field_id.in_(field_ids), opportunity_visible(caller))
        .group_by(field_value_t.c.field_id)
    )
    return {field_id: int(count) for field_id, count in await conn.execute(stmt)}
