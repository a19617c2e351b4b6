"""Changing stored deals: the original's update, delete, stage, access, member and field routes.

Each change is one transaction that refuses before it writes. A deal the caller may not see is
NOT_FOUND, as in the original, so that a refusal says nothing about private deals.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import (
    access_t,
    contact_t,
    custom_field_t,
    field_value_t,
    member_t,
    opportunity_t,
    stage_t,
    utcnow,
)
from app.domain.access import can_edit_opportunity, contact_readable, opportunity_visible
from app.domain.bounds import (
    MAX_BATCH,
    MAX_MEMBERS,
    access_list_errors,
    batch_errors,
    over_cap,
)
from app.domain.caller import Caller
from app.domain.contacts import MSG_NOT_FOUND as MSG_CONTACT_NOT_FOUND
from app.domain.enums import StageType
from app.domain.errors import (
    MSG_ACCESS_DENIED,
    MSG_STAGE_NOT_FOUND,
    DomainError,
    ErrorCode,
    FieldError,
)
from app.domain.listing import OpportunityFilter, opportunity_ids_where
from app.domain.opportunities import (
    NewOpportunity,
    access_holders,
    custom_field_rows,
    deal_values,
    readable_contacts,
    validation_errors,
    write_access,
)

Row = Mapping[Any, Any]
MSG_NOT_FOUND = "The opportunity is not found."
MSG_FIELD_NOT_FOUND = "The custom field is not found."
MSG_ACCESS_OWNERS_ONLY = "Only administrators and the deal's creator can change who may see it."
_ID_CHUNK = 500  # stays far below every driver's bind-parameter limit


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _ID_CHUNK):
        yield ids[start : start + _ID_CHUNK]


def _in_order(ids: Sequence[int], rows: Iterable[Row]) -> list[Row]:
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


async def _visible(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> list[Row]:
    """The deals among `ids` the caller may see, locked for the change, in the order of `ids`."""
    found: list[Row] = []
    # Locking in id order: two batches over the same deals cannot deadlock (PostgreSQL).
    for chunk in _chunks(sorted(set(ids))):
        result = await conn.execute(
            select(opportunity_t)
            .where(opportunity_t.c.id.in_(chunk), opportunity_visible(caller))
            .order_by(opportunity_t.c.id)
            .with_for_update(of=opportunity_t)
        )
        found.extend(result.mappings())
    return _in_order(ids, found)


async def _one_visible(conn: AsyncConnection, caller: Caller, deal_id: int) -> Row:
    rows = await _visible(conn, caller, [deal_id])
    if not rows:
        raise DomainError.one(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND)
    return rows[0]


async def _editable(conn: AsyncConnection, caller: Caller, deals: Sequence[Row]) -> list[Row]:
    """Those of `deals` the caller may edit (spec 7 canEdit; canDelete is the same)."""
    holders: dict[int, set[uuid.UUID]] = {}
    private = [deal["id"] for deal in deals if deal["is_private"]]
    for chunk in _chunks(private):
        result = await conn.execute(
            select(access_t.c.opportunity_id, access_t.c.employee_id).where(
                access_t.c.opportunity_id.in_(chunk)
            )
        )
        for deal_id, employee_id in result:
            holders.setdefault(deal_id, set()).add(employee_id)
    return [
        deal
        for deal in deals
        if can_edit_opportunity(
            caller,
            responsible_id=deal["responsible_id"],
            created_by=deal["created_by"],
            is_private=deal["is_private"],
            access_ids=holders.get(deal["id"], set()),
        )
    ]


async def _require_edit(conn: AsyncConnection, caller: Caller, deal: Row, code: ErrorCode) -> None:
    if not await _editable(conn, caller, [deal]):
        message = MSG_NOT_FOUND if code is ErrorCode.NOT_FOUND else MSG_ACCESS_DENIED
        raise DomainError.one(code, "id", message)


def _owns_access(caller: Caller, deal: Row) -> bool:
    """Only administrators and the creator may change who sees a deal (spec 2.5, step 5)."""
    return caller.is_admin or deal["created_by"] == caller.id


async def _touch(conn: AsyncConnection, caller: Caller, deal_id: int, **values: Any) -> Row:
    """Set `values` and the audit columns on a deal; returns the deal as stored."""
    result = await conn.execute(
        update(opportunity_t)
        .where(opportunity_t.c.id == deal_id)
        .values(**values, updated_at=utcnow(), updated_by=caller.id)
        .returning(*opportunity_t.c)
    )
    return result.mappings().one()


async def _apply_access(
    conn: AsyncConnection, caller: Caller, ids: Sequence[int], holders: list[uuid.UUID]
) -> list[Row]:
    """Give every deal in `ids` the access list `holders` ([] = public); no notices."""
    changed: list[Row] = []
    for chunk in _chunks(ids):
        await conn.execute(delete(access_t).where(access_t.c.opportunity_id.in_(chunk)))
        if holders:
            await conn.execute(
                insert(access_t),
                [{"opportunity_id": i, "employee_id": uid} for i in chunk for uid in holders],
            )
        result = await conn.execute(
            update(opportunity_t)
            .where(opportunity_t.c.id.in_(chunk))
            .values(is_private=bool(holders), updated_at=utcnow(), updated_by=caller.id)
            .returning(*opportunity_t.c)
        )
        changed.extend(result.mappings())
    return _in_order(ids, changed)


# --- PUT opportunity/{id} -----------------------------------------------------------------------


async def update_opportunity(
    *, db: Database, caller: Caller, opportunity_id: int, new: NewOpportunity
) -> Row:
    """Replace a deal as the original's PUT does: every value, omitted ones by their defaults.

    Members are replaced only by a non-empty list (the primary contact is not added); custom
    fields only get values (empty ones are skipped); who may see the deal changes only when the
    caller is an administrator or its creator, otherwise that part is ignored.
    """
    async with db.write() as conn:
        stored = await _one_visible(conn, caller, opportunity_id)
        if errors := await validation_errors(conn, caller, new):
            raise DomainError(errors)
        await _require_edit(conn, caller, stored, ErrorCode.FORBIDDEN)
        values = deal_values(new)
        holders: list[uuid.UUID] | None = None
        if _owns_access(caller, stored):
            holders = await access_holders(
                conn, caller, is_private=new.is_private, access_list=new.access_list
            )
            values["is_private"] = bool(holders)
        row = await _touch(conn, caller, opportunity_id, **values)
        if new.members:
            await _replace_members(conn, caller, opportunity_id, new.members)
        await _set_custom_fields(conn, opportunity_id, new.custom_fields)
        if holders is not None:
            await conn.execute(delete(access_t).where(access_t.c.opportunity_id == opportunity_id))
            if holders:
                await write_access(
                    conn, caller, opportunity_id, holders, notify=new.is_notify, now=utcnow()
                )
    return row


async def _replace_members(
    conn: AsyncConnection, caller: Caller, deal_id: int, ids: Sequence[int]
) -> None:
    # As the original's SetMembers: the whole set is replaced by the listed contacts the caller
    # may read; unknown and hidden ones drop out, even if that leaves none.
    wanted = list(dict.fromkeys(ids))
    found = await readable_contacts(conn, caller, wanted)
    await conn.execute(delete(member_t).where(member_t.c.opportunity_id == deal_id))
    rows = [{"opportunity_id": deal_id, "contact_id": cid} for cid in wanted if cid in found]
    if rows:
        await conn.execute(insert(member_t), rows)


async def _set_custom_fields(
    conn: AsyncConnection, deal_id: int, values: Sequence[tuple[int, str | None]]
) -> None:
    rows = await custom_field_rows(conn, deal_id, values)
    if not rows:
        return
    await conn.execute(
        delete(field_value_t).where(
            field_value_t.c.opportunity_id == deal_id,
            field_value_t.c.field_id.in_([r["field_id"] for r in rows]),
        )
    )
    await conn.execute(insert(field_value_t), rows)


# --- DELETE opportunity/{id} and PUT opportunity (batch) ---------------------------------------


async def _delete(conn: AsyncConnection, deals: Sequence[Row]) -> None:
    # Members, access entries, custom-field values and queued notices go with the deal
    # (ON DELETE CASCADE); idempotency records keep the key and lose the deal (SET NULL).
    ids = [deal["id"] for deal in deals]
    for chunk in _chunks(ids):
        await conn.execute(delete(opportunity_t).where(opportunity_t.c.id.in_(chunk)))


async def delete_opportunity(*, db: Database, caller: Caller, opportunity_id: int) -> Row:
    """Delete a deal and everything that belongs to it; returns the deal as it was."""
    async with db.write() as conn:
        deal = await _one_visible(conn, caller, opportunity_id)
        await _require_edit(conn, caller, deal, ErrorCode.FORBIDDEN)
        await _delete(conn, [deal])
    return deal


async def delete_opportunities(*, db: Database, caller: Caller, ids: Sequence[int]) -> list[Row]:
    """Delete the listed deals the caller may see and edit, skipping the others silently.

    Returns the deleted deals as they were, in the order listed.
    """
    if not ids:
        raise DomainError.one(ErrorCode.REQUIRED, "ids", "List the opportunities to delete.")
    if errors := batch_errors(ids):
        raise DomainError(errors)
    async with db.write() as conn:
        deals = await _editable(conn, caller, await _visible(conn, caller, ids))
        await _delete(conn, deals)
    return deals


async def delete_opportunities_where(
    *, db: Database, caller: Caller, where: OpportunityFilter
) -> list[Row]:
    """Delete every deal the caller may see and edit that meets `where` (DELETE opportunity/filter).

    An empty filter means every such deal, as in the original. Returns the deleted deals as
    they were, in the default list order (stage, then title).
    """
    async with db.write() as conn:
        ids = await opportunity_ids_where(conn, caller, where, limit=MAX_BATCH + 1)
        if len(ids) > MAX_BATCH:
            # All or nothing: a partial delete would leave the caller guessing what remains.
            raise DomainError.one(
                ErrorCode.TOO_LONG,
                "filter",
                f"More than {MAX_BATCH} opportunities match; narrow the filter.",
            )
        deals = await _editable(conn, caller, await _visible(conn, caller, ids))
        await _delete(conn, deals)
    return deals


# --- PUT opportunity/{id}/stage/{stageid} -------------------------------------------------------


async def set_stage(*, db: Database, caller: Caller, opportunity_id: int, stage_id: int) -> Row:
    """Move a deal to a stage: it takes the stage's probability, and a close date when closed."""
    async with db.write() as conn:
        deal = await _one_visible(conn, caller, opportunity_id)
        # The original answers "not found" here, not "access denied".
        await _require_edit(conn, caller, deal, ErrorCode.NOT_FOUND)
        # Key-share lock (PostgreSQL): the stage cannot be deleted before the deal refers to it.
        found = await conn.execute(
            select(stage_t.c.success_probability, stage_t.c.stage_type)
            .where(stage_t.c.id == stage_id)
            .with_for_update(read=True, key_share=True)
        )
        stage = found.first()
        if stage is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "stageId", MSG_STAGE_NOT_FOUND)
        closed = stage.stage_type != StageType.OPEN
        return await _touch(
            conn,
            caller,
            opportunity_id,
            stage_id=stage_id,
            success_probability=stage.success_probability,
            actual_close_date=utcnow() if closed else None,
        )


# --- PUT opportunity/{id}/access and PUT opportunity/access ------------------------------------


async def set_access(
    *,
    db: Database,
    caller: Caller,
    opportunity_id: int,
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> Row:
    """Make a deal private to a list (the caller added) or public; administrators and creator."""
    if errors := access_list_errors(access_list, caller.id, is_private=is_private):
        raise DomainError(errors)
    async with db.write() as conn:
        deal = await _one_visible(conn, caller, opportunity_id)
        if not _owns_access(caller, deal):
            raise DomainError.one(ErrorCode.FORBIDDEN, "id", MSG_ACCESS_OWNERS_ONLY)
        holders = await access_holders(conn, caller, is_private=is_private, access_list=access_list)
        [row] = await _apply_access(conn, caller, [opportunity_id], holders)
        return row


async def set_access_many(
    *,
    db: Database,
    caller: Caller,
    ids: Sequence[int],
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[Row]:
    """set_access for each listed deal the caller may see and owns; the others are skipped.

    Returns the changed deals, in the order listed.
    """
    if not ids:
        raise DomainError.one(ErrorCode.REQUIRED, "ids", "List the opportunities to change.")
    errors = batch_errors(ids) + access_list_errors(access_list, caller.id, is_private=is_private)
    if errors:
        raise DomainError(errors)
    async with db.write() as conn:
        owned = [d["id"] for d in await _visible(conn, caller, ids) if _owns_access(caller, d)]
        holders = await access_holders(conn, caller, is_private=is_private, access_list=access_list)
        return await _apply_access(conn, caller, owned, holders)


# --- POST and DELETE opportunity/{id}/contact/{contactid} ---------------------------------------


async def _member_change(
    conn: AsyncConnection, caller: Caller, deal_id: int, contact_id: int
) -> None:
    """Refuse unless the deal and the contact are visible and the caller may edit the deal."""
    deal = await _one_visible(conn, caller, deal_id)
    # Key-share lock (PostgreSQL): the contact cannot be deleted before the link is written.
    found = await conn.execute(
        select(contact_t.c.id)
        .where(contact_t.c.id == contact_id, contact_readable(caller))
        .with_for_update(read=True, key_share=True, of=contact_t)
    )
    if found.first() is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "contactId", MSG_CONTACT_NOT_FOUND)
    await _require_edit(conn, caller, deal, ErrorCode.FORBIDDEN)


def _link(deal_id: int, contact_id: int) -> Any:
    return and_(member_t.c.opportunity_id == deal_id, member_t.c.contact_id == contact_id)


async def add_member(*, db: Database, caller: Caller, opportunity_id: int, contact_id: int) -> Row:
    """Make a contact take part in a deal; adding a member again changes nothing."""
    async with db.write() as conn:
        await _member_change(conn, caller, opportunity_id, contact_id)
        linked = await conn.execute(select(exists().where(_link(opportunity_id, contact_id))))
        if not linked.scalar():
            members = await conn.execute(
                select(func.count()).where(member_t.c.opportunity_id == opportunity_id)
            )
            if errors := over_cap("contactId", members.scalar_one() + 1, MAX_MEMBERS, "members"):
                raise DomainError(errors)
            await conn.execute(
                insert(member_t).values(opportunity_id=opportunity_id, contact_id=contact_id)
            )
        return await _touch(conn, caller, opportunity_id)


async def remove_member(
    *, db: Database, caller: Caller, opportunity_id: int, contact_id: int
) -> Row:
    """Take a contact out of a deal's members, even its primary contact (as the original)."""
    async with db.write() as conn:
        await _member_change(conn, caller, opportunity_id, contact_id)
        await conn.execute(delete(member_t).where(_link(opportunity_id, contact_id)))
        return await _touch(conn, caller, opportunity_id)


# --- POST opportunity/{id}/customfield/{fieldid} ------------------------------------------------


async def set_custom_field(
    *, db: Database, caller: Caller, opportunity_id: int, field_id: int, value: str | None
) -> Row:
    """Set one custom-field value of a deal, trimmed; an empty value removes the stored one.

    As the original, anyone who can see the deal may; the field must be an opportunity field.
    """
    text = (value or "").strip()
    async with db.write() as conn:
        errors: list[FieldError] = []
        deals = await _visible(conn, caller, [opportunity_id])
        if not deals:
            errors.append(FieldError(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND))
        # Key-share lock (PostgreSQL): the field cannot be deleted before the value is written.
        is_field = await conn.execute(
            select(custom_field_t.c.id)
            .where(custom_field_t.c.id == field_id, custom_field_t.c.entity_type == "opportunity")
            .with_for_update(read=True, key_share=True)
        )
        if is_field.first() is None:
            errors.append(FieldError(ErrorCode.NOT_FOUND, "fieldId", MSG_FIELD_NOT_FOUND))
        if errors:
            raise DomainError(errors)
        await conn.execute(
            delete(field_value_t).where(
                field_value_t.c.opportunity_id == opportunity_id,
                field_value_t.c.field_id == field_id,
            )
        )
        if text:
            await conn.execute(
                insert(field_value_t).values(
                    opportunity_id=opportunity_id, field_id=field_id, value=text
                )
            )
        return await _touch(conn, caller, opportunity_id)
