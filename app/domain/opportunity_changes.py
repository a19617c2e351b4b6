"""Changing stored deals: the original's update, delete, stage, access, member and field routes.

Each change is one transaction that refuses before it writes. A deal the caller may not see is
NOT_FOUND, as in the original, so that a refusal says nothing about private deals. What a change
reads under lock is in app.domain.opportunity_locks, the parts it writes in
app.domain.opportunity_parts, and who may see a deal in app.domain.opportunity_access.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import access_t, field_value_t, member_t, utcnow
from app.domain.access import can_edit_opportunity
from app.domain.bounds import MAX_MEMBERS, batch_errors, over_cap
from app.domain.caller import Caller
from app.domain.contacts import MSG_NOT_FOUND as MSG_CONTACT_NOT_FOUND
from app.domain.enums import StageType
from app.domain.errors import (
    MSG_ACCESS_DENIED,
    MSG_STAGE_NOT_FOUND,
    DomainError,
    ErrorCode,
    FieldError,
    check_version,
)
from app.domain.listing import OpportunityFilter
from app.domain.opportunity_access import (
    MSG_ACCESS_OWNERS_ONLY,
    batch_where,
    owns_access,
    set_access,
    set_access_many,
)
from app.domain.opportunity_checks import validation_errors
from app.domain.opportunity_locks import (
    MSG_NOT_FOUND,
    access_lists,
    opportunity_field_exists,
    readable_contact_exists,
    stage_for_change,
    visible_opportunities,
    visible_opportunity,
)
from app.domain.opportunity_parts import (
    access_holders,
    delete_with_parts,
    member_link,
    replace_custom_field_values,
    replace_members,
    touch,
    write_access,
)
from app.domain.opportunity_patch import OpportunityPatch

__all__ = [
    "MSG_ACCESS_OWNERS_ONLY",
    "MSG_FIELD_NOT_FOUND",
    "MSG_NOT_FOUND",
    "add_member",
    "delete_opportunities",
    "delete_opportunities_where",
    "delete_opportunity",
    "remove_member",
    "set_access",
    "set_access_many",
    "set_custom_field",
    "set_stage",
    "update_opportunity",
]

Row = Mapping[Any, Any]
MSG_FIELD_NOT_FOUND = "The custom field is not found."


async def _editable(
    conn: AsyncConnection, caller: Caller, opportunities: Sequence[Row]
) -> list[Row]:
    """Those of `opportunities` the caller may edit (spec 7 canEdit; canDelete is the same)."""
    holders = await access_lists(conn, opportunities)
    return [
        row
        for row in opportunities
        if can_edit_opportunity(
            caller,
            responsible_id=row["responsible_id"],
            created_by=row["created_by"],
            is_private=row["is_private"],
            access_ids=holders.get(row["id"], set()),
        )
    ]


async def _require_edit(
    conn: AsyncConnection, caller: Caller, opportunity: Row, code: ErrorCode
) -> None:
    if not await _editable(conn, caller, [opportunity]):
        message = MSG_NOT_FOUND if code is ErrorCode.NOT_FOUND else MSG_ACCESS_DENIED
        raise DomainError.one(code, "id", message)


# --- PUT opportunity/{id} and updateOpportunity -------------------------------------------------


async def update_opportunity(
    *,
    db: Database,
    caller: Caller,
    opportunity_id: int,
    patch: OpportunityPatch,
    expected_version: int | None = None,
) -> Row:
    """Change the values `patch` gives; the original's PUT gives them all.

    Refused in this order: NOT_FOUND, CONFLICT (`expected_version` is not the stored one),
    the create's checks, FORBIDDEN. Given members replace them (the primary contact is not
    added), given field values theirs (an empty one removes it); who may see the deal changes
    only for an administrator or its creator, and is silently kept for anyone else.
    """
    async with db.write() as conn:
        stored = await visible_opportunity(conn, caller, opportunity_id)
        check_version(stored, expected_version)
        listed = await access_lists(conn, [stored]) if patch.changes_access else {}
        new = patch.applied_to(stored, listed.get(opportunity_id, set()))
        if errors := await validation_errors(conn, caller, patch.checked(new)):
            raise DomainError(errors)
        await _require_edit(conn, caller, stored, ErrorCode.FORBIDDEN)
        values = patch.columns(new)
        access: list[uuid.UUID] | None = None
        if patch.changes_access and owns_access(caller, stored):
            access = await access_holders(
                conn, caller, is_private=new.is_private, access_list=new.access_list
            )
            values["is_private"] = bool(access)
        row = await touch(conn, caller, opportunity_id, changed=patch.changed, **values)
        if patch.members is not None:
            await replace_members(conn, caller, opportunity_id, patch.members)
        await replace_custom_field_values(conn, opportunity_id, new.custom_fields)
        if access is not None:
            await conn.execute(delete(access_t).where(access_t.c.opportunity_id == opportunity_id))
            if access:
                await write_access(
                    conn, caller, opportunity_id, access, notify=new.is_notify, now=utcnow()
                )
    return row


# --- DELETE opportunity/{id} and PUT opportunity (batch) ---------------------------------------


async def _delete_editable(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> list[Row]:
    """Delete those of `ids` the caller may see and edit; returns them as they were."""
    deleted = await _editable(conn, caller, await visible_opportunities(conn, caller, ids))
    await delete_with_parts(conn, deleted)
    return deleted


async def delete_opportunity(*, db: Database, caller: Caller, opportunity_id: int) -> Row:
    """Delete a deal and everything that belongs to it; returns the deal as it was."""
    async with db.write() as conn:
        stored = await visible_opportunity(conn, caller, opportunity_id)
        await _require_edit(conn, caller, stored, ErrorCode.FORBIDDEN)
        await delete_with_parts(conn, [stored])
    return stored


async def delete_opportunities(*, db: Database, caller: Caller, ids: Sequence[int]) -> list[Row]:
    """Delete the listed deals the caller may see and edit, skipping the others silently.

    Returns the deleted deals as they were, in the order listed.
    """
    if not ids:
        raise DomainError.one(ErrorCode.REQUIRED, "ids", "List the opportunities to delete.")
    if errors := batch_errors(ids):
        raise DomainError(errors)
    async with db.write() as conn:
        return await _delete_editable(conn, caller, ids)


async def delete_opportunities_where(
    *, db: Database, caller: Caller, where: OpportunityFilter
) -> list[Row]:
    """Delete every deal the caller may see and edit that meets `where` (DELETE opportunity/filter).

    An empty filter means every such deal, as in the original. Returns the deleted deals as
    they were, in the default list order (stage, then title).
    """
    async with db.write() as conn:
        return await _delete_editable(conn, caller, await batch_where(conn, caller, where))


# --- PUT opportunity/{id}/stage/{stageid} -------------------------------------------------------


async def set_stage(*, db: Database, caller: Caller, opportunity_id: int, stage_id: int) -> Row:
    """Move a deal to a stage: it takes the stage's probability, and a close date when closed."""
    async with db.write() as conn:
        stored = await visible_opportunity(conn, caller, opportunity_id)
        # The original answers "not found" here, not "access denied".
        await _require_edit(conn, caller, stored, ErrorCode.NOT_FOUND)
        stage = await stage_for_change(conn, stage_id)
        if stage is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "stageId", MSG_STAGE_NOT_FOUND)
        closed = stage.stage_type != StageType.OPEN
        return await touch(
            conn,
            caller,
            opportunity_id,
            stage_id=stage_id,
            success_probability=stage.success_probability,
            actual_close_date=utcnow() if closed else None,
        )


# --- POST and DELETE opportunity/{id}/contact/{contactid} ---------------------------------------


async def _member_change(
    conn: AsyncConnection, caller: Caller, opportunity_id: int, contact_id: int
) -> None:
    """Refuse unless the deal and the contact are visible and the caller may edit the deal."""
    stored = await visible_opportunity(conn, caller, opportunity_id)
    if not await readable_contact_exists(conn, caller, contact_id):
        raise DomainError.one(ErrorCode.NOT_FOUND, "contactId", MSG_CONTACT_NOT_FOUND)
    await _require_edit(conn, caller, stored, ErrorCode.FORBIDDEN)


async def add_member(*, db: Database, caller: Caller, opportunity_id: int, contact_id: int) -> Row:
    """Make a contact take part in a deal; adding a member again changes nothing."""
    async with db.write() as conn:
        await _member_change(conn, caller, opportunity_id, contact_id)
        linked = await conn.execute(select(exists().where(member_link(opportunity_id, contact_id))))
        if not linked.scalar():
            members = await conn.execute(
                select(func.count()).where(member_t.c.opportunity_id == opportunity_id)
            )
            if errors := over_cap("contactId", members.scalar_one() + 1, MAX_MEMBERS, "members"):
                raise DomainError(errors)
            await conn.execute(
                insert(member_t).values(opportunity_id=opportunity_id, contact_id=contact_id)
            )
        return await touch(conn, caller, opportunity_id, changed=["members"])


async def remove_member(
    *, db: Database, caller: Caller, opportunity_id: int, contact_id: int
) -> Row:
    """Take a contact out of a deal's members, even its primary contact (as the original)."""
    async with db.write() as conn:
        await _member_change(conn, caller, opportunity_id, contact_id)
        await conn.execute(delete(member_t).where(member_link(opportunity_id, contact_id)))
        return await touch(conn, caller, opportunity_id, changed=["members"])


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
        if not await visible_opportunities(conn, caller, [opportunity_id]):
            errors.append(FieldError(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND))
        if not await opportunity_field_exists(conn, field_id):
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
        return await touch(conn, caller, opportunity_id, changed=["customFields"])
