"""An opportunity's parts, as create and changes write them: members, custom-field values, access.

Ids that refer to nothing (or to what the caller may not read) drop out silently, as in the
original; the refusals for them are decided before (app.domain.opportunity_checks).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.db.models import (
    access_t,
    contact_t,
    custom_field_t,
    employee_t,
    field_value_t,
    member_t,
    notification_t,
    opportunity_t,
    utcnow,
)
from app.domain.access import caller_params, contact_readable
from app.domain.caller import Caller
from app.domain.events import ACCESS_FIELDS, EventKind, changed_names, note
from app.domain.id_chunks import chunks, in_order, unique
from app.domain.reads import IDS

NOTIFY_ACCESS_GRANTED = "opportunity_access_granted"

# Built once, executed with parameters (see app.domain.reads).
_OPPORTUNITY_FIELDS = select(custom_field_t.c.id).where(
    custom_field_t.c.id.in_(IDS), custom_field_t.c.entity_type == "opportunity"
)
_EMPLOYEES = select(employee_t.c.id).where(employee_t.c.id.in_(IDS))
_INSERT_MEMBERS = insert(member_t)


async def _existing(
    conn: AsyncConnection, stmt: Any, ids: Sequence[Any], params: Mapping[str, Any] | None = None
) -> set[Any]:
    """Those of `ids` that `stmt` (a prepared select of one column `IN :ids`) finds."""
    found: set[Any] = set()
    for chunk in chunks(ids):
        rows = await direct.fetch(conn, stmt, {"ids": list(chunk), **(params or {})})
        found.update(value for row in rows for value in row.values())
    return found


@cache
def _readable_contacts(admin: bool) -> Select[Any]:
    readable = contact_readable(None, admin=admin)
    return select(contact_t.c.id).where(contact_t.c.id.in_(IDS), readable)


async def readable_contacts(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> set[int]:
    """Those of `ids` that are contacts the caller may read."""
    return await _existing(conn, _readable_contacts(caller.is_admin), ids, caller_params(caller))


async def readable_members(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> list[int]:
    """The listed contacts the caller may read, each once, in order; the others drop out."""
    wanted = unique(ids)
    if not wanted:
        return []
    found = await readable_contacts(conn, caller, wanted)
    return [contact_id for contact_id in wanted if contact_id in found]


async def add_members(conn: AsyncConnection, opportunity_id: int, ids: Sequence[int]) -> None:
    """Link contacts (checked by `readable_members`) to an opportunity."""
    if ids:
        await conn.execute(
            _INSERT_MEMBERS, [{"opportunity_id": opportunity_id, "contact_id": c} for c in ids]
        )


async def replace_members(
    conn: AsyncConnection, caller: Caller, opportunity_id: int, ids: Sequence[int]
) -> None:
    """As the original's SetMembers: the listed contacts the caller may read, even if none."""
    members = await readable_members(conn, caller, ids)
    await conn.execute(delete(member_t).where(member_t.c.opportunity_id == opportunity_id))
    await add_members(conn, opportunity_id, members)


def written(caller: Caller, now: datetime) -> dict[str, Any]:
    """The columns every write to a deal sets: who, when, and the next version."""
    return {"updated_at": now, "updated_by": caller.id, "version": opportunity_t.c.version + 1}


async def touch(
    conn: AsyncConnection,
    caller: Caller,
    opportunity_id: int,
    *,
    changed: Sequence[str] | None = None,
    **values: Any,
) -> Mapping[Any, Any]:
    """Set `values` on a deal, as a write by `caller`; returns the deal as stored.

    Publishes the change once committed: `changed` names what changed (by default `values`);
    a change that names the stage is a stage change.
    """
    result = await conn.execute(
        update(opportunity_t)
        .where(opportunity_t.c.id == opportunity_id)
        .values(**values, **written(caller, utcnow()))
        .returning(*opportunity_t.c)
    )
    row = result.mappings().one()
    names = changed_names(values) if changed is None else list(changed)
    kind = EventKind.STAGE_CHANGED if "stageId" in names else EventKind.UPDATED
    note(conn, kind, row, names)
    return row


def member_link(opportunity_id: int, contact_id: int) -> Any:
    """The condition that picks one membership."""
    return and_(member_t.c.opportunity_id == opportunity_id, member_t.c.contact_id == contact_id)


def _latest(values: Iterable[tuple[int, str | None]]) -> dict[int, str]:
    """Each field's value, trimmed; the last of duplicate ids wins."""
    return {field_id: (value or "").strip() for field_id, value in values}


async def custom_field_values(
    conn: AsyncConnection, values: Sequence[tuple[int, str | None]]
) -> list[tuple[int, str]]:
    """The values a new deal stores: trimmed, of opportunity fields only (spec 2.4)."""
    # Empty values are skipped before the last of duplicate ids wins.
    latest = _latest((field_id, value) for field_id, value in values if (value or "").strip())
    if not latest:
        return []
    known = await _existing(conn, _OPPORTUNITY_FIELDS, list(latest))
    return [(fid, text) for fid, text in latest.items() if fid in known]


async def replace_custom_field_values(
    conn: AsyncConnection, opportunity_id: int, values: Sequence[tuple[int, str | None]]
) -> None:
    """Store the given values over the stored ones, an empty one removing its field's value.

    Fields not given keep their values; unknown fields and those of contacts drop out.
    """
    latest = _latest(values)
    if not latest:
        return
    known = await _existing(conn, _OPPORTUNITY_FIELDS, list(latest))
    if not known:
        return
    await conn.execute(
        delete(field_value_t).where(
            field_value_t.c.opportunity_id == opportunity_id,
            field_value_t.c.field_id.in_(sorted(known)),
        )
    )
    rows = [
        {"opportunity_id": opportunity_id, "field_id": fid, "value": text}
        for fid, text in latest.items()
        if fid in known and text
    ]
    if rows:
        await conn.execute(insert(field_value_t), rows)


async def access_holders(
    conn: AsyncConnection,
    caller: Caller,
    *,
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[uuid.UUID]:
    """Who may see the deal if it is private (spec 2.5): [] when it stays public.

    Private only when asked with a non-empty list; the caller is always added. Unknown users
    cannot be stored (the list refers to employees), so they drop out.
    """
    requested = unique(access_list)
    if not (is_private and requested):
        return []
    known = await _existing(conn, _EMPLOYEES, requested)
    return unique([*(uid for uid in requested if uid in known), caller.id])


async def write_access(
    conn: AsyncConnection,
    caller: Caller,
    opportunity_id: int,
    holders: list[uuid.UUID],
    *,
    notify: bool,
    now: datetime,
) -> None:
    """Store a private deal's access list; with `notify`, queue a notice for all but the caller."""
    await conn.execute(
        insert(access_t),
        [{"opportunity_id": opportunity_id, "employee_id": uid} for uid in holders],
    )
    notified = [uid for uid in holders if uid != caller.id] if notify else []
    if notified:
        await conn.execute(
            insert(notification_t),
            [
                {
                    "recipient_id": uid,
                    "kind": NOTIFY_ACCESS_GRANTED,
                    "opportunity_id": opportunity_id,
                    "created_at": now,
                    "created_by": caller.id,
                }
                for uid in notified
            ],
        )


async def replace_access(
    conn: AsyncConnection,
    caller: Caller,
    ids: Sequence[int],
    holders: list[uuid.UUID],
    *,
    now: datetime,
) -> list[Mapping[Any, Any]]:
    """Give every deal in `ids` the access list `holders` ([] = public); no notices."""
    changed: list[Mapping[Any, Any]] = []
    for chunk in chunks(ids):
        await conn.execute(delete(access_t).where(access_t.c.opportunity_id.in_(chunk)))
        if holders:
            await conn.execute(
                insert(access_t),
                [{"opportunity_id": i, "employee_id": uid} for i in chunk for uid in holders],
            )
        result = await conn.execute(
            update(opportunity_t)
            .where(opportunity_t.c.id.in_(chunk))
            .values(is_private=bool(holders), **written(caller, now))
            .returning(*opportunity_t.c)
        )
        changed.extend(result.mappings())
    for row in changed:
        note(conn, EventKind.ACCESS_CHANGED, row, ACCESS_FIELDS)
    return in_order(ids, changed)


async def delete_with_parts(
    conn: AsyncConnection, opportunities: Sequence[Mapping[Any, Any]]
) -> None:
    """Delete the deals; their parts go with them."""
    # Members, access entries, custom-field values and queued notices go with the deal
    # (ON DELETE CASCADE); idempotency records keep the key and lose the deal (SET NULL).
    ids = [row["id"] for row in opportunities]
    for row in opportunities:
        note(conn, EventKind.DELETED, row)
    for chunk in chunks(ids):
        await conn.execute(delete(opportunity_t).where(opportunity_t.c.id.in_(chunk)))
