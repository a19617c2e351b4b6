"""API keys: random, shown once, stored as a digest, checked without timing leaks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import direct
from app.db.engine import Database
from app.db.models import api_key_t, employee_t, reference_stamp_t, utcnow
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode

KEY_BYTES = 32


def new_key() -> str:
    """A fresh API key (256 random bits, URL-safe)."""
    return "crm_" + secrets.token_urlsafe(KEY_BYTES)


def digest(key: str) -> str:
    """The stored form of a key. Keys carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key as shown, once, to its holder, and the id it can be revoked by."""

    id: int
    key: str


async def store_key(conn: AsyncConnection, employee_id: uuid.UUID, key: str) -> int:
    """Record `key` as a valid key of the employee; returns the key's id."""
    inserted = await conn.execute(
        insert(api_key_t)
        .values(
            employee_id=employee_id,
            digest=digest(key),
            prefix=key[:12],
            created_at=utcnow(),
        )
        .returning(api_key_t.c.id)
    )
    return int(inserted.scalar_one())


async def key_exists(conn: AsyncConnection, key: str) -> bool:
    """True when `key` (revoked or not) is already stored."""
    found = await conn.execute(select(api_key_t.c.id).where(api_key_t.c.digest == digest(key)))
    return found.first() is not None


_EMPLOYEE_COLUMNS = tuple(column.name for column in employee_t.c)
# Read with the key at no extra round trip: whether the worker's copy of stages and employees holds.
_STAMP = (
    select(reference_stamp_t.c.value)
    .where(reference_stamp_t.c.id == 1)
    .scalar_subquery()
    .label("reference_stamp")
)
_BY_DIGEST = (
    select(api_key_t.c.id.label("key_id"), api_key_t.c.digest, employee_t, _STAMP)
    .join(employee_t, employee_t.c.id == api_key_t.c.employee_id)
    .where(
        api_key_t.c.digest == bindparam("digest"),
        api_key_t.c.revoked_at.is_(None),
        or_(api_key_t.c.expires_at.is_(None), api_key_t.c.expires_at > bindparam("now")),
    )
)


async def authenticate(conn: AsyncConnection, presented: str) -> Caller | None:
    """The employee holding the presented key, or None."""
    wanted = digest(presented)
    found = await direct.fetch(conn, _BY_DIGEST, {"digest": wanted, "now": utcnow()})
    row = found[0] if found else None
    # The lookup is by digest, so its timing says nothing about the key; the comparison
    # below is constant-time all the same, so that no code path ever compares secrets naively.
    if row is None or not hmac.compare_digest(row["digest"], wanted):
        return None
    employee = {name: row[name] for name in _EMPLOYEE_COLUMNS}
    return Caller(
        id=row["id"],
        display_name=row["display_name"],
        is_admin=row["is_admin"],
        key_id=row["key_id"],
        employee=employee,
        reference_stamp=row["reference_stamp"],
    )


async def employee_caller(db: Database, employee_id: uuid.UUID) -> Caller | None:
    """The employee as a caller without a key (signed in by password), or None when gone."""
    async with db.read() as conn:
        found = await conn.execute(select(employee_t).where(employee_t.c.id == employee_id))
        row = found.mappings().first()
    if row is None:
        return None
    employee = {name: row[name] for name in _EMPLOYEE_COLUMNS}
    return Caller(
        id=row["id"], display_name=row["display_name"], is_admin=row["is_admin"], employee=employee
    )


def bearer_token(authorization: str | None) -> str | None:
    """The key in an `Authorization: <key>` or `Authorization: Bearer <key>` header."""
    if not authorization:
        return None
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


async def caller_for(*, db: Database, authorization: str | None) -> Caller | None:
    """The caller named by an Authorization header, or None when it names no valid key."""
    token = bearer_token(authorization)
    if token is None:
        return None
    async with db.read() as conn:
        return await authenticate(conn, token)


async def issue_key(*, db: Database, caller: Caller, employee_id: uuid.UUID) -> IssuedKey:
    """A fresh key for an employee: administrators for anyone, everyone else for themselves."""
    if not (caller.is_admin or caller.id == employee_id):
        raise DomainError.one(
            ErrorCode.FORBIDDEN, "employeeId", "Only administrators can issue keys for others."
        )
    key = new_key()
    async with db.write() as conn:
        known = await conn.execute(select(exists().where(employee_t.c.id == employee_id)))
        if not known.scalar():
            raise DomainError.one(ErrorCode.NOT_FOUND, "employeeId", "The employee is not found.")
        return IssuedKey(id=await store_key(conn, employee_id, key), key=key)


async def revoke_key(*, db: Database, caller: Caller, key_id: int) -> Mapping[Any, Any]:
    """Stop a key from signing in: administrators any key, everyone else their own.

    Revoking a revoked key changes nothing. Returns the key's id, owner and revocation time.
    """
    shown = (api_key_t.c.id, api_key_t.c.employee_id, api_key_t.c.revoked_at)
    async with db.write() as conn:
        row = (
            (await conn.execute(select(*shown).where(api_key_t.c.id == key_id).with_for_update()))
            .mappings()
            .first()
        )
        if row is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "keyId", "The API key is not found.")
        if not (caller.is_admin or caller.id == row["employee_id"]):
            raise DomainError.one(
                ErrorCode.FORBIDDEN, "keyId", "Only administrators can revoke others' keys."
            )
        if row["revoked_at"] is not None:
            return row
        revoked = await conn.execute(
            update(api_key_t)
            .where(api_key_t.c.id == key_id)
            .values(revoked_at=utcnow())
            .returning(*shown)
        )
        return revoked.mappings().one()
