"""Employees (portal users) and their API keys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import api_key_t, employee_t, system_flag_t, utcnow
from app.domain.bounds import MAX_EMPLOYEES, ensure_room
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode, FieldError, require_admin
from app.domain.keys import IssuedKey, key_exists, new_key, store_key

NAME_MAX = 255
BOOTSTRAP_FLAG = "bootstrap_admin"
MSG_ADMINS_ONLY = "Only administrators can add employees."


def _name_errors(display_name: str, title: str | None) -> list[FieldError]:
    errors = []
    if not display_name.strip():
        errors.append(FieldError(ErrorCode.REQUIRED, "displayName", "A display name is required."))
    elif len(display_name) > NAME_MAX:
        errors.append(
            FieldError(ErrorCode.TOO_LONG, "displayName", "The display name is too long.")
        )
    if title and len(title) > NAME_MAX:
        errors.append(FieldError(ErrorCode.TOO_LONG, "title", "The title is too long."))
    return errors


async def _insert_employee(
    conn: AsyncConnection,
    *,
    display_name: str,
    title: str | None,
    is_admin: bool,
    actor: uuid.UUID | None,
) -> Mapping[Any, Any]:
    now = utcnow()
    inserted = await conn.execute(
        insert(employee_t)
        .values(
            id=uuid.uuid4(),
            display_name=display_name.strip(),
            title=title or None,
            is_admin=is_admin,
            created_at=now,
            created_by=actor,
            updated_at=now,
            updated_by=actor,
        )
        .returning(*employee_t.c)
    )
    return inserted.mappings().one()


async def _with_first_key(
    *,
    db: Database,
    display_name: str,
    title: str | None,
    is_admin: bool,
    actor: uuid.UUID | None,
) -> tuple[Mapping[Any, Any], IssuedKey]:
    if errors := _name_errors(display_name, title):
        raise DomainError(errors)
    key = new_key()
    async with db.write() as conn:
        await ensure_room(conn, employee_t, MAX_EMPLOYEES, "employees")
        row = await _insert_employee(
            conn, display_name=display_name, title=title, is_admin=is_admin, actor=actor
        )
        key_id = await store_key(conn, row["id"], key)
    return row, IssuedKey(id=key_id, key=key)


async def create_employee(
    # Positional as well as by keyword: the benchmark's seeders (scripts/benchlib) pass it so.
    db: Database,
    *,
    display_name: str,
    title: str | None = None,
    is_admin: bool = False,
    actor: Caller | None = None,
) -> tuple[uuid.UUID, str]:
    """Add an employee with a fresh API key; returns (id, key). Only admins may add one."""
    if actor is not None:
        require_admin(actor, MSG_ADMINS_ONLY)
    row, issued = await _with_first_key(
        db=db,
        display_name=display_name,
        title=title,
        is_admin=is_admin,
        actor=actor.id if actor else None,
    )
    return row["id"], issued.key


async def add_employee(
    *,
    db: Database,
    caller: Caller,
    display_name: str,
    title: str | None = None,
    is_admin: bool = False,
) -> tuple[Mapping[Any, Any], IssuedKey]:
    """Add an employee with a first API key, to be shown once (administrators only)."""
    require_admin(caller, MSG_ADMINS_ONLY)
    return await _with_first_key(
        db=db, display_name=display_name, title=title, is_admin=is_admin, actor=caller.id
    )


async def ensure_bootstrap_admin(*, db: Database, configured_key: str | None) -> str | None:
    """Make sure someone can sign in; returns a key only when one was generated just now.

    With a configured key, the 'Administrator' holds it (created on first start). Without
    one, and with no key stored at all, a key is generated for a new 'Administrator'.
    """
    async with db.write() as conn:
        if configured_key:
            if await key_exists(conn, configured_key):
                return None
            admin_id = await _bootstrap_admin(conn)
            await store_key(conn, admin_id, configured_key)
            return None
        if (await conn.execute(select(api_key_t.c.id).limit(1))).first() is not None:
            return None
        generated = new_key()
        await store_key(conn, await _bootstrap_admin(conn), generated)
        return generated


async def _bootstrap_admin(conn: AsyncConnection) -> uuid.UUID:
    flag = (
        await conn.execute(
            select(system_flag_t.c.value).where(system_flag_t.c.name == BOOTSTRAP_FLAG)
        )
    ).scalar()
    if flag is not None:
        return uuid.UUID(flag)
    admin = await _insert_employee(
        conn, display_name="Administrator", title=None, is_admin=True, actor=None
    )
    admin_id: uuid.UUID = admin["id"]
    await conn.execute(
        insert(system_flag_t).values(name=BOOTSTRAP_FLAG, value=str(admin_id), created_at=utcnow())
    )
    return admin_id
