"""Stages: how an administrator shapes the sales pipeline (spec 3, the opportunity/stage routes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import opportunity_t, stage_t, utcnow
from app.domain.bounds import MAX_STAGES, ensure_room, over_cap
from app.domain.caller import Caller
from app.domain.enums import StageType
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
from app.domain.events import EventKind, noted_stages
from app.domain.ordering import store_order

TITLE_MAX = 255
COLOR_MAX = 50
MSG_ADMINS_ONLY = "Only administrators can change stages."
# What an edit replaces, as the schema names it.
STAGE_FIELDS = ("title", "description", "color", "successProbability", "stageType")
MSG_NOT_FOUND = "The stage is not found."
# The original's messages (CRMErrorsResource), kept word for word.
MSG_IN_USE_EDIT = "Can't be edited. There are some opportunities at this stage."
MSG_IN_USE_DELETE = "Can't be deleted. There are some opportunities at this stage."


@dataclass(frozen=True, kw_only=True)
class StageFields:
    """Everything a stage carries but its id and place in the pipeline."""

    title: str
    color: str
    description: str | None = None
    success_probability: int = 0
    stage_type: StageType = StageType.OPEN


def _color_errors(color: str, *, required: bool) -> list[FieldError]:
    """A new stage needs a colour (DealMilestoneDao.Create); a change may clear it, as the
    original's Edit and ChangeColor check none."""
    if not required and not color.strip():
        return []
    return text_errors("color", color.strip(), max_length=COLOR_MAX, label="A color")


def _field_errors(fields: StageFields, *, new: bool) -> list[FieldError]:
    errors = text_errors("title", fields.title.strip(), max_length=TITLE_MAX, label="A title")
    errors += _color_errors(fields.color, required=new)
    if not 0 <= fields.success_probability <= 100:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                "successProbability",
                "The success probability must be between 0 and 100.",
            )
        )
    return errors


def _values(fields: StageFields, caller: Caller) -> dict[str, Any]:
    return {
        "title": fields.title.strip(),
        "description": fields.description or None,
        "color": fields.color.strip(),
        "success_probability": fields.success_probability,
        "stage_type": int(fields.stage_type),
        "updated_at": utcnow(),
        "updated_by": caller.id,
    }


async def _locked(conn: AsyncConnection, stage_id: int) -> Mapping[Any, Any] | None:
    # FOR UPDATE (PostgreSQL; SQLite's writer is exclusive anyway): a deal being created at this
    # stage holds a key-share lock on it, so the in-use check below waits for it and sees it.
    result = await conn.execute(select(stage_t).where(stage_t.c.id == stage_id).with_for_update())
    return result.mappings().first()


async def _in_use(conn: AsyncConnection, stage_id: int) -> bool:
    used = await conn.execute(select(exists().where(opportunity_t.c.stage_id == stage_id)))
    return bool(used.scalar())


def _noted(
    conn: AsyncConnection, kind: EventKind, row: Mapping[Any, Any], changed: Sequence[str] = ()
) -> Mapping[Any, Any]:
    noted_stages(conn, kind, [row], changed)
    return row


async def create_stage(*, db: Database, caller: Caller, fields: StageFields) -> Mapping[Any, Any]:
    """Add a stage at the end of the pipeline (administrators only)."""
    require_admin(caller, MSG_ADMINS_ONLY)
    if errors := _field_errors(fields, new=True):
        raise DomainError(errors)
    async with db.write() as conn:
        await ensure_room(conn, stage_t, MAX_STAGES, "stages")
        last = await conn.execute(select(func.max(stage_t.c.sort_order)))
        highest = last.scalar()
        now = utcnow()
        inserted = await conn.execute(
            insert(stage_t)
            .values(
                **_values(fields, caller),
                sort_order=0 if highest is None else int(highest) + 1,
                created_at=now,
                created_by=caller.id,
            )
            .returning(*stage_t.c)
        )
        return _noted(conn, EventKind.CREATED, inserted.mappings().one())


async def update_stage(
    *,
    db: Database,
    caller: Caller,
    stage_id: int,
    fields: StageFields,
    expected_version: int | None = None,
) -> Mapping[Any, Any]:
    """Replace a stage's title, description, color, probability and type (administrators only).

    A stage some deal is at cannot be edited, only recolored (as in the original). CONFLICT,
    before the other checks, when `expected_version` is given and is not the stored one.
    """
    require_admin(caller, MSG_ADMINS_ONLY)
    errors = _field_errors(fields, new=False)
    async with db.write() as conn:
        stored = await _locked(conn, stage_id)
        if stored is None:
            errors.append(FieldError(ErrorCode.NOT_FOUND, "id", MSG_NOT_FOUND))
        else:
            check_version(stored, expected_version)
            if await _in_use(conn, stage_id):
                errors.append(FieldError(ErrorCode.CONFLICT, None, MSG_IN_USE_EDIT))
        if errors:
            raise DomainError(errors)
        updated = await conn.execute(
            update(stage_t)
            .where(stage_t.c.id == stage_id)
            .values(**_values(fields, caller), version=stage_t.c.version + 1)
            .returning(*stage_t.c)
        )
        return _noted(conn, EventKind.UPDATED, updated.mappings().one(), STAGE_FIELDS)


async def set_stage_color(
    *, db: Database, caller: Caller, stage_id: int, color: str
) -> Mapping[Any, Any]:
    """Recolor a stage, even one deals are at (administrators only)."""
    require_admin(caller, MSG_ADMINS_ONLY)
    if errors := _color_errors(color, required=False):
        raise DomainError(errors)
    async with db.write() as conn:
        updated = await conn.execute(
            update(stage_t)
            .where(stage_t.c.id == stage_id)
            .values(
                color=color.strip(),
                updated_at=utcnow(),
                updated_by=caller.id,
                version=stage_t.c.version + 1,
            )
            .returning(*stage_t.c)
        )
        row = found_or_refused(updated.mappings().first(), MSG_NOT_FOUND)
        return _noted(conn, EventKind.UPDATED, row, ("color",))


async def reorder_stages(
    *, db: Database, caller: Caller, ids: Sequence[int]
) -> list[Mapping[Any, Any]]:
    """Give each listed stage its 0-based index as sort order; returns them in that order.

    Stages left out keep their sort order (administrators only).
    """
    require_admin(caller, MSG_ADMINS_ONLY)
    if errors := over_cap("ids", len(ids), MAX_STAGES, "stages"):
        raise DomainError(errors)
    async with db.write() as conn:
        # The pipeline is short: reading every stage avoids an IN list as long as the input.
        # Locking them all in id order first means two reorders queue instead of deadlocking
        # on rows each updated in its own order (PostgreSQL; SQLite has one writer).
        locked = select(stage_t.c.id).order_by(stage_t.c.id).with_for_update()
        stored = (await conn.execute(locked)).scalars().all()
        if errors := order_errors(ids, stored, what="stage ids"):
            raise DomainError(errors)
        rows = await store_order(
            conn, stage_t, "sort_order", ids, start=0, caller=caller, now=utcnow()
        )
        noted_stages(conn, EventKind.UPDATED, rows, ("sortOrder",))
        return rows


async def delete_stage(*, db: Database, caller: Caller, stage_id: int) -> Mapping[Any, Any]:
    """Delete a stage no deal is at; returns it as it was (administrators only)."""
    require_admin(caller, MSG_ADMINS_ONLY)
    async with db.write() as conn:
        stage = found_or_refused(await _locked(conn, stage_id), MSG_NOT_FOUND)
        if await _in_use(conn, stage_id):
            raise DomainError.one(ErrorCode.CONFLICT, None, MSG_IN_USE_DELETE)
        await conn.execute(delete(stage_t).where(stage_t.c.id == stage_id))
        _noted(conn, EventKind.DELETED, stage)
    return stage
