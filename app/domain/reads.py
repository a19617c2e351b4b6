"""Batched reads by key, for the per-request loaders: one statement per batch, whatever its size."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    bindparam,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.db.counter_tables import private_count_t, stage_count_t
from app.db.models import (
    access_t,
    contact_access_t,
    contact_t,
    currency_t,
    custom_field_t,
    employee_t,
    member_t,
    opportunity_t,
    stage_t,
)
from app.domain.access import CALLER_ID, caller_params, contact_readable, opportunity_visible
from app.domain.caller import Caller
from app.domain.opportunity_counts import field_value_count_rows

Row = Mapping[str, Any]
# Every statement here is built once (per kind of caller) and run by app.db.direct with
# parameters: building, cache-keying and executing a Core statement through SQLAlchemy's
# execute cost more than SQLite or PostgreSQL did on these small, indexed reads.
IDS: BindParameter[Any] = bindparam("ids", expanding=True)


async def _by_key(
    conn: AsyncConnection, stmt: Any, params: Mapping[str, Any], key: str
) -> dict[Any, Row]:
    return {row[key]: row for row in await direct.fetch(conn, stmt, params)}


_EMPLOYEES = select(employee_t).where(employee_t.c.id.in_(IDS))


async def employees(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """Employees by id."""
    return await _by_key(conn, _EMPLOYEES, {"ids": ids}, "id")


@cache
def _contacts(admin: bool) -> Select[Any]:
    return select(contact_t).where(contact_t.c.id.in_(IDS), contact_readable(None, admin=admin))


async def contacts(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> dict[int, Row]:
    """The contacts among `ids` that the caller may read."""
    params = {"ids": ids, **caller_params(caller)}
    return await _by_key(conn, _contacts(caller.is_admin), params, "id")


@cache
def _opportunities(admin: bool) -> Select[Any]:
    return select(opportunity_t).where(
        opportunity_t.c.id.in_(IDS), opportunity_visible(None, admin=admin)
    )


def opportunities_read(caller: Caller, ids: Sequence[int]) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters of `opportunities`, for reading it with others."""
    return _opportunities(caller.is_admin), {"ids": ids, **caller_params(caller)}


async def opportunities(
    conn: AsyncConnection, caller: Caller, ids: Sequence[int]
) -> dict[int, Row]:
    """The deals among `ids` that the caller may read."""
    statement, params = opportunities_read(caller, ids)
    return await _by_key(conn, statement, params, "id")


@dataclass(slots=True)
class OpportunityContacts:
    """The contacts of one deal that the caller may read."""

    primary: Row | None = None
    members: list[Row] = field(default_factory=list)


@lru_cache(maxsize=256)
def _opportunity_contacts(admin: bool, columns: frozenset[str] | None) -> Select[Any]:
    readable = contact_readable(None, admin=admin)
    # Every column, or those the request reads (sorted: one statement per set of columns).
    read = [contact_t] if columns is None else [contact_t.c[name] for name in sorted(columns)]
    as_member = (
        select(
            member_t.c.opportunity_id.label("_opportunity"),
            literal(True).label("_member"),
            *read,
        )
        .join(contact_t, contact_t.c.id == member_t.c.contact_id)
        .where(member_t.c.opportunity_id.in_(IDS), readable)
    )
    as_primary = (
        select(opportunity_t.c.id.label("_opportunity"), literal(False).label("_member"), *read)
        .join(contact_t, contact_t.c.id == opportunity_t.c.contact_id)
        .where(opportunity_t.c.id.in_(IDS), readable)
    )
    # Unordered: grouped_contacts orders each deal's few members, cheaper than SQL's sorter.
    return select(union_all(as_member, as_primary).subquery())


def opportunity_contacts_read(
    caller: Caller, opportunity_ids: Sequence[int], columns: frozenset[str] | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters of `opportunity_contacts`, for reading it with others.

    `columns`: the contact columns to read (the id always), or None for all of them.
    """
    statement = _opportunity_contacts(caller.is_admin, columns)
    return statement, {"ids": opportunity_ids, **caller_params(caller)}


_by_id = itemgetter("id")


def grouped_contacts(rows: Sequence[Row]) -> dict[int, OpportunityContacts]:
    """The rows of `opportunity_contacts_read` by deal, each deal's members in id order."""
    found: dict[int, OpportunityContacts] = defaultdict(OpportunityContacts)
    for row in rows:
        contacts = found[row["_opportunity"]]
        if row["_member"]:
            contacts.members.append(row)
        else:
            contacts.primary = row
    for contacts in found.values():
        if len(contacts.members) > 1:
            contacts.members.sort(key=_by_id)
    return found


async def opportunity_contacts(
    conn: AsyncConnection, caller: Caller, opportunity_ids: Sequence[int]
) -> dict[int, OpportunityContacts]:
    """Primary contact and members of each deal, in one statement; members in id order."""
    statement, params = opportunity_contacts_read(caller, opportunity_ids)
    return grouped_contacts(await direct.fetch(conn, statement, params))


def _employees_of(owner: Any, link: Any) -> Select[Any]:
    return (
        select(owner.label("_owner"), employee_t)
        .join(employee_t, employee_t.c.id == link)
        .where(owner.in_(IDS))
        .order_by(owner, employee_t.c.display_name, employee_t.c.id)
    )


async def _grouped(conn: AsyncConnection, stmt: Any, owners: Sequence[Any]) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in await direct.fetch(conn, stmt, {"ids": owners}):
        grouped[row["_owner"]].append(row)
    return grouped


_ACCESS_LISTS = _employees_of(access_t.c.opportunity_id, access_t.c.employee_id)
_CONTACT_ACCESS_LISTS = _employees_of(contact_access_t.c.contact_id, contact_access_t.c.employee_id)


async def access_lists(
    conn: AsyncConnection, opportunity_ids: Sequence[int]
) -> dict[int, list[Row]]:
    """Employees on each deal's access list, by name."""
    return await _grouped(conn, _ACCESS_LISTS, opportunity_ids)


async def contact_access_lists(
    conn: AsyncConnection, contact_ids: Sequence[int]
) -> dict[int, list[Row]]:
    """Employees on each private contact's access list, by name."""
    return await _grouped(conn, _CONTACT_ACCESS_LISTS, contact_ids)


@cache
def _opportunity_counts(admin: bool) -> Any:
    # Public deals (all deals for an admin) and the caller's private ones from the counters
    # the triggers keep (migrations 0004, 0006): a few rows, whatever the number of deals.
    counters = stage_count_t.c
    kept = select(counters.stage_id, counters.total).where(counters.stage_id.in_(IDS))
    if admin:
        return kept
    listed = private_count_t.c
    private = select(listed.stage_id, listed.total).where(
        listed.employee_id == CALLER_ID, listed.stage_id.in_(IDS)
    )
    return union_all(kept.where(counters.is_private.is_(False)), private)


async def opportunity_counts(
    conn: AsyncConnection, caller: Caller, stage_ids: Sequence[int]
) -> dict[int, int]:
    """How many deals the caller may see at each stage."""
    params = {"ids": stage_ids, **caller_params(caller)}
    counts: dict[int, int] = defaultdict(int)
    for row in await direct.fetch(conn, _opportunity_counts(caller.is_admin), params):
        counts[row["stage_id"]] += int(row["total"])
    return {stage_id: count for stage_id, count in counts.items() if count}


_ALL_EMPLOYEES = select(employee_t).order_by(employee_t.c.display_name, employee_t.c.id)


async def all_employees(conn: AsyncConnection) -> list[Row]:
    """Every employee, by name."""
    return await direct.fetch(conn, _ALL_EMPLOYEES)


_ALL_STAGES = select(stage_t).order_by(stage_t.c.sort_order, stage_t.c.id)
_ALL_CURRENCIES = select(currency_t).order_by(currency_t.c.abbreviation)
_FIELD_DEFINITIONS = (
    select(custom_field_t)
    .where(custom_field_t.c.entity_type == bindparam("entity_type"))
    .order_by(custom_field_t.c.position, custom_field_t.c.id)
)
_FIELD_DEFINITIONS_BY_ID = select(custom_field_t).where(custom_field_t.c.id.in_(IDS))


async def field_definitions_by_id(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Row]:
    """Custom-field definitions (of any kind of record) by id."""
    return await _by_key(conn, _FIELD_DEFINITIONS_BY_ID, {"ids": ids}, "id")


async def all_stages(conn: AsyncConnection) -> list[Row]:
    """Every stage in pipeline order."""
    return await direct.fetch(conn, _ALL_STAGES)


async def all_currencies(conn: AsyncConnection) -> list[Row]:
    """Every currency, ordered by abbreviation."""
    return await direct.fetch(conn, _ALL_CURRENCIES)


async def field_definitions(conn: AsyncConnection, entity_type: str) -> list[Row]:
    """Custom-field definitions of one kind of record, in display order."""
    return await direct.fetch(conn, _FIELD_DEFINITIONS, {"entity_type": entity_type})


async def field_value_counts(
    conn: AsyncConnection, caller: Caller, field_ids: Sequence[int]
) -> dict[int, int]:
    """How many deals the caller may see have a value for each custom field."""
    params = {"ids": field_ids, **caller_params(caller)}
    counts: dict[int, int] = defaultdict(int)
    for field_id, count in await conn.execute(field_value_count_rows(caller.is_admin), params):
        counts[field_id] += int(count)
    return {field_id: count for field_id, count in counts.items() if count}
