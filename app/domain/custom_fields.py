"""Custom-field definitions: the extra fields an administrator adds to deals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, insert, select

from app.db.engine import Database
from app.db.models import custom_field_t, utcnow
from app.domain.caller import Caller
from app.domain.enums import CustomFieldType
from app.domain.errors import DomainError, ErrorCode, FieldError

LABEL_MAX = 255
EntityType = Literal["opportunity", "contact"]


@dataclass(frozen=True, kw_only=True)
class NewCustomFieldDefinition:
    """A field definition; position 0 means 'after the last one'."""

    label: str
    field_type: CustomFieldType = CustomFieldType.TEXT_FIELD
    position: int = 0
    mask: str = ""
    entity_type: EntityType = "opportunity"


async def create_definition(
    db: Database, caller: Caller, new: NewCustomFieldDefinition
) -> Mapping[Any, Any]:
    """Add a custom field definition (administrators only)."""
    if not caller.is_admin:
        raise DomainError.one(
            ErrorCode.FORBIDDEN, None, "Only administrators can add custom fields."
        )
    label = new.label.strip()
    if not label:
        raise DomainError.one(ErrorCode.REQUIRED, "label", "A label is required.")
    if len(label) > LABEL_MAX:
        raise DomainError.one(ErrorCode.TOO_LONG, "label", f"The label is longer than {LABEL_MAX}.")
    if new.position < 0:
        raise DomainError([FieldError(ErrorCode.INVALID, "position", "The position must be >= 0.")])
    async with db.write() as conn:
        position = new.position
        if position == 0:
            last = await conn.execute(
                select(func.coalesce(func.max(custom_field_t.c.position), 0)).where(
                    custom_field_t.c.entity_type == new.entity_type
                )
            )
            position = int(last.scalar_one()) + 1
        now = utcnow()
        inserted = await conn.execute(
            insert(custom_field_t)
            .values(
                entity_type=new.entity_type,
                label=label,
                field_type=int(new.field_type),
                position=position,
                mask=new.mask,
                created_at=now,
                created_by=caller.id,
                updated_at=now,
                updated_by=caller.id,
            )
            .returning(*custom_field_t.c)
        )
        return inserted.mappings().one()
