"""Custom-field definitions: the extra fields an administrator adds to deals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import custom_field_t, field_value_t, utcnow
from app.domain.bounds import MAX_FIELD_DEFINITIONS, ensure_room, over_cap
from app.domain.caller import Caller
from app.domain.enums import CustomFieldType
from app.domain.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    check_version,
    found_or_refused,
    order_errors,
    require_admin,
    text_errors,
)
from app.domain.events import EventKind, noted_fields
from app.domain.field_masks import default_mask, options_kept, valid_mask
from app.domain.ordering import store_order

LABEL_MAX = 255
POSITION_MAX = 2**31 - 1  # a GraphQL Int, and the column's integer
EntityType = Literal["opportunity", "contact"]
MSG_NOT_FOUND = "The custom field is not found."


@dataclass(frozen=True, kw_only=True)
class NewCustomFieldDefinition:
    """A field definition; position 0 means 'after the last one'."""

    label: str
    field_type: CustomFieldType = CustomFieldType.TEXT_FIELD
    position: int = 0
    mask: str | None = None  # None: the field type's defaults (field_masks)
    entity_type: EntityType = "opportunity"


async def create_definition(
    # Positional as well as by keyword: the benchmark's seeders (scripts/benchlib) pass them so.
    db: Database,
    caller: Caller,
    new: NewCustomFieldDefinition,
) -> Mapping[Any, Any]:
    """Add a custom field definition (administrators only)."""
    require_admin(caller, "Only administrators can add custom fields.")
    label = new.label.strip()
    if not label:
        raise DomainError.one(ErrorCode.REQUIRED, "label", "A label is required.")
    if len(label) > LABEL_MAX:
        raise DomainError.one(ErrorCode.TOO_LONG, "label", f"The label is longer than {LABEL_MAX}.")
    if new.position < 0:
        raise DomainError([FieldError(ErrorCode.INVALID, "position", "The position must be >= 0.")])
    if new.mask is None:
        mask = default_mask(new.field_type)
    else:
        mask = valid_mask(new.field_type, new.mask)
    async with db.write() as conn:
        await ensure_room(
            conn,
            custom_field_t,
            MAX_FIELD_DEFINITIONS,
            f"custom fields of {new.entity_type} records",
            entity_type=new.entity_type,
        )
        position = new.position
        if position == 0:
            last = await conn.execute(
                select(func.coalesce(func.max(custom_field_t.c.position), 0)).where(
                    custom_field_t.c.entity_type == new.entity_type
                )
            )
            # Capped: after a field placed at the largest position, the next one shares it.
            position = min(int(last.scalar_one()) + 1, POSITION_MAX)
        now = utcnow()
        inserted = await conn.execute(
            insert(custom_field_t)
            .values(
                entity_type=new.entity_type,
                label=label,
                field_type=int(new.field_type),
                position=position,
                mask=mask,
                created_at=now,
                created_by=caller.id,
                updated_at=now,
                updated_by=caller.id,
            )
            .returning(*custom_field_t.c)
        )
        row = inserted.mappings().one()
        noted_fields(conn, EventKind.CREATED, [row])
        return row


async def update_definition(
    *,
    db: Database,
    caller: Caller,
    field_id: int,
    label: str,
    field_type: CustomFieldType,
    mask: str | None,
    expected_version: int | None = None,
) -> Mapping[Any, Any]:
    """Replace a definition's label and mask, and its type while no deal has a value of it.

    As CustomFieldDao.EditItem: with values the type stays, and a select box's new options
    (None or "" keeps them) must keep every old one. Open to every user: the original checks no
    role here. CONFLICT, before the other checks, when `expected_version` is not the stored one.
    """
    label = label.strip()
    errors = text_errors("label", label, max_length=LABEL_MAX, label="A label")
    async with db.write() as conn:
        # Locked, so that no other change comes between the version check and this one.
        found = await conn.execute(
            select(custom_field_t).where(custom_field_t.c.id == field_id).with_for_update()
        )
        stored = found.mappings().first()
        if stored is None:
            raise DomainError([*errors, FieldError(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND)])
        check_version(stored, expected_version)
        if errors:
            raise DomainError(errors)
        if await _has_values(conn, field_id):
            field_type = CustomFieldType(stored["field_type"])
            if field_type is CustomFieldType.SELECT_BOX:
                mask = options_kept(stored["mask"], mask or "")
            else:
                mask = stored["mask"] if mask is None else valid_mask(field_type, mask)
        else:
            mask = default_mask(field_type) if mask is None else valid_mask(field_type, mask)
        updated = await conn.execute(
            update(custom_field_t)
            .where(custom_field_t.c.id == field_id)
            .values(
                label=label,
                field_type=int(field_type),
                mask=mask,
                updated_at=utcnow(),
                updated_by=caller.id,
                version=custom_field_t.c.version + 1,
            )
            .returning(*custom_field_t.c)
        )
        row = updated.mappings().one()
        noted_fields(conn, EventKind.UPDATED, [row], ("label", "fieldType", "mask"))
        return row


async def _has_values(conn: AsyncConnection, field_id: int) -> bool:
    """Whether any record has a value of the field (HaveRelativeLink)."""
    found = await conn.execute(
        select(field_value_t.c.field_id).where(field_value_t.c.field_id == field_id).limit(1)
    )
    return found.first() is not None


async def delete_definition(*, db: Database, caller: Caller, field_id: int) -> Mapping[Any, Any]:
    """Delete a definition and, through the foreign key, every value of it (administrators only).

    Returns the definition as it was.
    """
    require_admin(caller, "Only administrators can delete custom fields.")
    async with db.write() as conn:
        deleted = await conn.execute(
            delete(custom_field_t)
            .where(custom_field_t.c.id == field_id)
            .returning(*custom_field_t.c)
        )
        row = found_or_refused(deleted.mappings().first(), MSG_NOT_FOUND)
        noted_fields(conn, EventKind.DELETED, [row])
        return row


async def reorder_definitions(
    *, db: Database, caller: Caller, ids: Sequence[int]
) -> list[Mapping[Any, Any]]:
    """Give each listed definition its 0-based index as position; returns them in that order.

    The list must not mix opportunity and contact fields; fields left out keep their
    position (administrators only).
    """
    require_admin(caller, "Only administrators can reorder custom fields.")
    if errors := over_cap("ids", len(ids), 2 * MAX_FIELD_DEFINITIONS, "custom fields"):
        raise DomainError(errors)
    async with db.write() as conn:
        # Definitions are few: reading them all avoids an IN list as long as the input. Locked
        # in id order, so that concurrent reorders queue instead of deadlocking.
        stored = await conn.execute(
            select(custom_field_t.c.id, custom_field_t.c.entity_type)
            .order_by(custom_field_t.c.id)
            .with_for_update()
        )
        kinds = {row.id: row.entity_type for row in stored}
        errors = order_errors(ids, kinds, what="custom field ids")
        if len({kinds[i] for i in ids if i in kinds}) > 1:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    "ids",
                    "Reorder the fields of opportunities and of contacts separately.",
                )
            )
        if errors:
            raise DomainError(errors)
        # Numbered from 0, as CustomFieldDao.ReorderFields numbers them.
        rows = await store_order(
            conn, custom_field_t, "position", ids, start=0, caller=caller, now=utcnow()
        )
        noted_fields(conn, EventKind.UPDATED, rows, ("position",))
        return rows
