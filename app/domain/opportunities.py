"""Creating an opportunity: the one place that decides and writes a deal (spec section 2).

What refuses an input is in app.domain.opportunity_checks; how members, custom-field values and
the access list are written is in app.domain.opportunity_parts (the changes share both).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import field_value_t, opportunity_t, utcnow
from app.domain.caller import Caller
from app.domain.enums import BidType
from app.domain.errors import DomainError
from app.domain.events import EventKind, note
from app.domain.idempotency import Idempotency, fingerprint, key_errors, remember, replay
from app.domain.opportunity_checks import (
    NIL_UUID,
    TITLE_MAX,
    bound_errors,
    money_error,
    validation_errors,
)

# Looked up here at each create, so a test can stand in for the first query of one.
from app.domain.opportunity_checks import reference_errors as _reference_errors
from app.domain.opportunity_parts import (
    NOTIFY_ACCESS_GRANTED,
    access_holders,
    add_members,
    custom_field_values,
    readable_contacts,
    readable_members,
    write_access,
)

# Importable from here, where they were first defined.
__all__ = [
    "NIL_UUID",
    "NOTIFY_ACCESS_GRANTED",
    "TITLE_MAX",
    "NewOpportunity",
    "access_holders",
    "create_opportunity",
    "custom_field_values",
    "money_error",
    "opportunity_values",
    "readable_contacts",
    "validation_errors",
    "write_access",
]

# Built once, executed with parameters (see app.domain.reads).
_INSERT_OPPORTUNITY = insert(opportunity_t).returning(*opportunity_t.c)
_INSERT_FIELD_VALUES = insert(field_value_t)


@dataclass(frozen=True, kw_only=True)
class NewOpportunity:
    """What a client asks to create; omitted values carry the legacy defaults."""

    title: str | None
    responsible_id: uuid.UUID | None
    stage_id: int | None
    bid_currency_abbr: str | None
    description: str | None = None
    bid_type: BidType = BidType.FIXED_BID
    bid_value: Decimal | None = None
    per_period_value: int | None = None
    success_probability: int | None = None
    contact_id: int | None = None
    members: Sequence[int] = ()
    actual_close_date: datetime | None = None
    expected_close_date: datetime | None = None
    custom_fields: Sequence[tuple[int, str | None]] = ()
    is_private: bool = False
    access_list: Sequence[uuid.UUID] = ()
    is_notify: bool = False


def opportunity_values(new: NewOpportunity) -> dict[str, Any]:
    """The columns a create, or a full update, takes from the input, normalised as the original."""
    return {
        "title": new.title,
        "description": new.description,
        "responsible_id": new.responsible_id,
        "contact_id": new.contact_id if new.contact_id and new.contact_id > 0 else None,
        "stage_id": new.stage_id,
        "bid_currency": (new.bid_currency_abbr or "").upper(),
        "bid_type": int(new.bid_type),
        "bid_value": new.bid_value or Decimal(0),
        "per_period_value": new.per_period_value or 0,
        "success_probability": min(max(new.success_probability or 0, 0), 100),
        "actual_close_date": new.actual_close_date,
        "expected_close_date": new.expected_close_date,
    }


async def create_opportunity(
    *,
    db: Database,
    caller: Caller,
    new: NewOpportunity,
    idempotency: Idempotency | None = None,
) -> Mapping[Any, Any]:
    """Create a deal with its members, custom-field values and access list, all or nothing.

    Returns the stored opportunity row; raises DomainError listing every refused input. With
    an idempotency key, a repeat of the same request returns the deal created the first time.
    """
    request_hash = fingerprint(new) if idempotency else ""
    try:
        return await _create(db, caller, new, idempotency, request_hash)
    except IntegrityError:
        if idempotency is None:
            raise
        # A concurrent request with the same key committed first: this one is its retry.
        async with db.read() as conn:
            earlier = await replay(conn, idempotency, request_hash, caller)
        if earlier is None:
            raise
        return earlier


async def _create(
    db: Database,
    caller: Caller,
    new: NewOpportunity,
    idempotency: Idempotency | None,
    request_hash: str,
) -> Mapping[Any, Any]:
    errors = bound_errors(new, caller)
    errors += key_errors(idempotency.key if idempotency else None)
    currency = (new.bid_currency_abbr or "").upper()
    async with db.write() as conn:
        if idempotency and not errors:
            earlier = await replay(conn, idempotency, request_hash, caller)
            if earlier is not None:
                return earlier
        errors += await _reference_errors(conn, caller, new, currency)
        if errors:
            raise DomainError(errors)
        holders = await access_holders(
            conn, caller, is_private=new.is_private, access_list=new.access_list
        )
        # The primary contact is always a member (spec 2.3); unknown or unreadable ids drop out.
        primary = [new.contact_id] if new.contact_id and new.contact_id > 0 else []
        members = await readable_members(conn, caller, [*new.members, *primary])
        fields = await custom_field_values(conn, new.custom_fields)
        # Checked before the deal's row goes in: its insert takes the stage's counter row (and
        # its values the fields' counter rows) until the commit, which other creates then wait
        # for; no read of ours keeps them waiting longer.
        now = utcnow()
        values = {
            **opportunity_values(new),
            "is_private": bool(holders),
            "created_at": now,
            "created_by": caller.id,
            "updated_at": now,
            "updated_by": caller.id,
        }
        opportunity = (await conn.execute(_INSERT_OPPORTUNITY, values)).mappings().one()
        opportunity_id = opportunity["id"]
        await add_members(conn, opportunity_id, members)
        await _write_custom_fields(conn, opportunity_id, fields)
        if holders:
            await write_access(conn, caller, opportunity_id, holders, notify=new.is_notify, now=now)
        if idempotency:
            await remember(conn, idempotency, request_hash, opportunity_id)
        note(conn, EventKind.CREATED, opportunity)
    return opportunity


async def _write_custom_fields(
    conn: AsyncConnection, opportunity_id: int, fields: Sequence[tuple[int, str]]
) -> None:
    if fields:
        rows = [{"opportunity_id": opportunity_id, "field_id": f, "value": v} for f, v in fields]
        await conn.execute(_INSERT_FIELD_VALUES, rows)
