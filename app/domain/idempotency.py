"""Idempotent creates: a retry with the same Idempotency-Key returns the first result.

Keys are scoped to the API key that sent them and expire after a configurable time. The
record is written in the create's own transaction, so a create and its key stand or fall
together; a concurrent duplicate loses on the unique constraint and is answered as a retry.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import idempotency_t, opportunity_t, utcnow
from app.db.types import exact_money
from app.domain.access import opportunity_visible
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode, FieldError

KEY_MAX = 255
FIELD = "idempotencyKey"


@dataclass(frozen=True, slots=True)
class Idempotency:
    """The key a create was sent with, the API key it belongs to, and how long it holds."""

    key: str
    api_key_id: int
    ttl: timedelta


def key_errors(key: str | None) -> list[FieldError]:
    """Why an idempotency key cannot be used."""
    if key is not None and not key.strip():
        return [FieldError(ErrorCode.INVALID, FIELD, "The idempotency key is empty.")]
    if key is not None and len(key) > KEY_MAX:
        return [FieldError(ErrorCode.TOO_LONG, FIELD, f"Keys are at most {KEY_MAX} characters.")]
    return []


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(exact_money(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


def fingerprint(request: Any) -> str:
    """A digest of what was asked, to tell a retry from a different request under one key."""
    fields = {f.name: _plain(getattr(request, f.name)) for f in dataclasses.fields(request)}
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def replay(
    conn: AsyncConnection, idempotency: Idempotency, request_hash: str, caller: Caller
) -> Mapping[Any, Any] | None:
    """The opportunity created earlier under this key, or None if the key is new (or expired).

    Raises CONFLICT when the key was used for a different request, or when the deal is gone
    or no longer visible to the caller (both alike: a replay shows no more than a read would).
    """
    where = and_(
        idempotency_t.c.api_key_id == idempotency.api_key_id,
        idempotency_t.c.key == idempotency.key,
    )
    record = (await conn.execute(select(idempotency_t).where(where))).mappings().first()
    if record is None:
        return None
    if record["expires_at"] <= utcnow():
        await conn.execute(delete(idempotency_t).where(idempotency_t.c.id == record["id"]))
        return None
    if record["request_hash"] != request_hash:
        raise DomainError.one(
            ErrorCode.CONFLICT, FIELD, "This idempotency key was used for a different request."
        )
    found = await conn.execute(
        select(opportunity_t).where(
            opportunity_t.c.id == record["opportunity_id"], opportunity_visible(caller)
        )
    )
    opportunity = found.mappings().first()
    if opportunity is None:
        raise DomainError.one(
            ErrorCode.CONFLICT, FIELD, "The opportunity created under this key no longer exists."
        )
    return opportunity


async def remember(
    conn: AsyncConnection, idempotency: Idempotency, request_hash: str, opportunity_id: int
) -> None:
    """Record the key with the create's result, in the create's transaction."""
    now = utcnow()
    await conn.execute(
        insert(idempotency_t).values(
            api_key_id=idempotency.api_key_id,
            key=idempotency.key,
            request_hash=request_hash,
            opportunity_id=opportunity_id,
            created_at=now,
            expires_at=now + idempotency.ttl,
        )
    )


async def forget_expired(conn: AsyncConnection) -> None:
    """Drop every expired key."""
    await conn.execute(delete(idempotency_t).where(idempotency_t.c.expires_at <= utcnow()))
