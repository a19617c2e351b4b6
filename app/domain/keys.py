"""API keys: random, shown once, stored as a digest, checked without timing leaks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import api_key_t, employee_t, utcnow
from app.domain.caller import Caller

KEY_BYTES = 32


def new_key() -> str:
    """A fresh API key (256 random bits, URL-safe)."""
    return "crm_" + secrets.token_urlsafe(KEY_BYTES)


def digest(key: str) -> str:
    """The stored form of a key. Keys carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


async def store_key(conn: AsyncConnection, employee_id: uuid.UUID, key: str) -> None:
    """Record `key` as a valid key of the employee."""
    await conn.execute(
        insert(api_key_t).values(
            employee_id=employee_id,
            digest=digest(key),
            prefix=key[:12],
            created_at=utcnow(),
        )
    )


async def key_exists(conn: AsyncConnection, key: str) -> bool:
    """True when `key` (revoked or not) is already stored."""
    found = await conn.execute(select(api_key_t.c.id).where(api_key_t.c.digest == digest(key)))
    return found.first() is not None


async def authenticate(conn: AsyncConnection, presented: str) -> Caller | None:
    """The employee holding the presented key, or None."""
    wanted = digest(presented)
    row = (
        await conn.execute(
            select(
                api_key_t.c.digest,
                employee_t.c.id,
                employee_t.c.display_name,
                employee_t.c.is_admin,
            )
            .join(employee_t, employee_t.c.id == api_key_t.c.employee_id)
            .where(and_(api_key_t.c.digest == wanted, api_key_t.c.revoked_at.is_(None)))
        )
    ).first()
    # The lookup is by digest, so its timing says nothing about the key; the comparison
    # below is constant-time all the same, so that no code path ever compares secrets naively.
    if row is None or not hmac.compare_digest(row.digest, wanted):
        return None
    return Caller(id=row.id, display_name=row.display_name, is_admin=row.is_admin)


def bearer_token(authorization: str | None) -> str | None:
    """The key in an `Authorization: <key>` or `Authorization: Bearer <key>` header."""
    if not authorization:
        return None
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


async def caller_for(db: Database, authorization: str | None) -> Caller | None:
    """The caller named by an Authorization header, or None when it names no valid key."""
    token = bearer_token(authorization)
    if token is None:
        return None
    async with db.read() as conn:
        return await authenticate(conn, token)
