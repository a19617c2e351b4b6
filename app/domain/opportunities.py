"""Creating an opportunity: the one place that decides and writes a deal (spec section 2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import (
    access_t,
    contact_t,
    currency_t,
    custom_field_t,
    employee_t,
    field_value_t,
    member_t,
    notification_t,
    opportunity_t,
    stage_t,
    utcnow,
)
from app.db.types import MONEY_PRECISION, MONEY_SCALE
from app.domain.access import caller_params, contact_readable
from app.domain.bounds import access_list_errors, custom_value_errors, member_errors
from app.domain.caller import Caller
from app.domain.enums import BidType
from app.domain.errors import (
    MSG_ACCESS_DENIED,
    MSG_STAGE_NOT_FOUND,
    DomainError,
    ErrorCode,
    FieldError,
)
from app.domain.idempotency import Idempotency, fingerprint, key_errors, remember, replay
from app.domain.reads import IDS

TITLE_MAX = 255
NIL_UUID = uuid.UUID(int=0)
NOTIFY_ACCESS_GRANTED = "opportunity_access_granted"
_ID_CHUNK = 500  # stays far below every driver's bind-parameter limit

# Built once, executed with parameters (see app.domain.reads).
_INSERT_DEAL = insert(opportunity_t).returning(*opportunity_t.c)
_OPPORTUNITY_FIELDS = select(custom_field_t.c.id).where(
    custom_field_t.c.id.in_(IDS), custom_field_t.c.entity_type == "opportunity"
)
_EMPLOYEES = select(employee_t.c.id).where(employee_t.c.id.in_(IDS))
_INSERT_MEMBERS = insert(member_t)
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


@dataclass(frozen=True, slots=True)
class _Checked:
    currency: str
    members: list[int] = field(default_factory=list)


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _ID_CHUNK):
        yield values[start : start + _ID_CHUNK]


def money_error(value: Decimal | None, field_name: str) -> FieldError | None:
    """Why a money amount cannot be stored exactly as decimal(50,9), or None."""
    if value is None:
        return None
    try:
        if not value.is_finite():
            raise InvalidOperation
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
    except (InvalidOperation, AssertionError):
        return FieldError(ErrorCode.INVALID, field_name, f"{field_name} must be a finite number.")
    if exponent < -MONEY_SCALE and value != value.quantize(Decimal(1).scaleb(-MONEY_SCALE)):
        return FieldError(
            ErrorCode.INVALID,
            field_name,
            f"{field_name} has more than {MONEY_SCALE} digits after the decimal point.",
        )
    if value.adjusted() >= MONEY_PRECISION - MONEY_SCALE:
        return FieldError(
            ErrorCode.INVALID,
            field_name,
            f"{field_name} has more than {MONEY_PRECISION - MONEY_SCALE} digits before the "
            "decimal point.",
        )
    return None


def _input_errors(new: NewOpportunity) -> list[FieldError]:
    """Checks that need no database, in the original's order (spec 2.2, step 1)."""
    errors: list[FieldError] = []
    if not new.title:
        errors.append(FieldError(ErrorCode.REQUIRED, "title", "A title is required."))
    elif len(new.title) > TITLE_MAX:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG,
                "title",
                f"The title is longer than {TITLE_MAX} characters.",
            )
        )
    if new.responsible_id is None or new.responsible_id == NIL_UUID:
        errors.append(
            FieldError(ErrorCode.REQUIRED, "responsibleId", "A responsible user is required.")
        )
    if new.stage_id is None or new.stage_id <= 0:
        errors.append(FieldError(ErrorCode.REQUIRED, "stageId", "A stage is required."))
    if not new.bid_currency_abbr:
        errors.append(FieldError(ErrorCode.REQUIRED, "bidCurrencyAbbr", "A currency is required."))
    if (bad_money := money_error(new.bid_value, "bidValue")) is not None:
        errors.append(bad_money)
    errors += member_errors(new.members, new.contact_id)
    errors += custom_value_errors(new.custom_fields)
    return errors


def _bound_errors(new: NewOpportunity, caller: Caller) -> list[FieldError]:
    """Checks that need no database: the input's own, then the caps that need the caller."""
    return _input_errors(new) + access_list_errors(
        new.access_list, caller.id, is_private=new.is_private
    )


@cache
def _references(admin: bool) -> Select[bool, bool, bool, bool, bool]:
    """Whether each thing a create refers to exists (and the contact is readable): one row."""
    contact = contact_t.c
    return select(
        exists().where(stage_t.c.id == bindparam("stage_id")).label("stage"),
        exists().where(contact.id == bindparam("contact_id")).label("contact"),
        exists()
        .where(contact.id == bindparam("contact_id"), contact_readable(None, admin=admin))
        .label("contact_readable"),
        exists().where(currency_t.c.abbreviation == bindparam("currency")).label("currency"),
        exists().where(employee_t.c.id == bindparam("responsible_id")).label("responsible"),
    )


async def _reference_errors(
    conn: AsyncConnection, caller: Caller, new: NewOpportunity, currency: str
) -> list[FieldError]:
    """Checks against stored data, in the original's order (spec 2.2, steps 2-4), one query."""
    contact_id = new.contact_id or 0
    params = {
        "stage_id": new.stage_id or 0,
        "contact_id": contact_id,
        "currency": currency,
        "responsible_id": new.responsible_id or NIL_UUID,
        **caller_params(caller),
    }
    row = (await conn.execute(_references(caller.is_admin), params)).one()
    errors: list[FieldError] = []
    if new.stage_id and new.stage_id > 0 and not row.stage:
        errors.append(FieldError(ErrorCode.NOT_FOUND, "stageId", MSG_STAGE_NOT_FOUND))
    if contact_id != 0:
        if not row.contact:
            errors.append(FieldError(ErrorCode.NOT_FOUND, "contactId", "The contact is not found."))
        elif not row.contact_readable:
            errors.append(FieldError(ErrorCode.FORBIDDEN, "contactId", MSG_ACCESS_DENIED))
    if currency and not row.currency:
        errors.append(
            FieldError(
                ErrorCode.NOT_FOUND,
                "bidCurrencyAbbr",
                f"Unknown currency {currency!r}.",
            )
        )
    if new.responsible_id and new.responsible_id != NIL_UUID and not row.responsible:
        errors.append(
            FieldError(
                ErrorCode.NOT_FOUND,
                "responsibleId",
                "The responsible user is not found.",
            )
        )
    return errors


async def validation_errors(
    conn: AsyncConnection, caller: Caller, new: NewOpportunity
) -> list[FieldError]:
    """Every reason the create refuses `new`, in its order; a full update runs the same checks."""
    currency = (new.bid_currency_abbr or "").upper()
    return _bound_errors(new, caller) + await _reference_errors(conn, caller, new, currency)


def deal_values(new: NewOpportunity) -> dict[str, Any]:
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


async def _existing(
    conn: AsyncConnection, stmt: Any, ids: Sequence[Any], params: Mapping[str, Any] | None = None
) -> set[Any]:
    """Those of `ids` that `stmt` (a prepared select of one column `IN :ids`) finds."""
    found: set[Any] = set()
    for chunk in _chunks(ids):
        result = await conn.execute(stmt, {"ids": list(chunk), **(params or {})})
        found.update(result.scalars())
    return found


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
    errors = _bound_errors(new, caller)
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
        now = utcnow()
        values = {
            **deal_values(new),
            "is_private": bool(holders),
            "created_at": now,
            "created_by": caller.id,
            "updated_at": now,
            "updated_by": caller.id,
        }
        opportunity = (await conn.execute(_INSERT_DEAL, values)).mappings().one()
        deal_id = opportunity["id"]
        await _write_members(conn, caller, deal_id, new)
        await _write_custom_fields(conn, deal_id, new.custom_fields)
        if holders:
            await write_access(conn, caller, deal_id, holders, notify=new.is_notify, now=now)
        if idempotency:
            await remember(conn, idempotency, request_hash, deal_id)
    return opportunity


async def _write_members(
    conn: AsyncConnection, caller: Caller, deal_id: int, new: NewOpportunity
) -> None:
    # The primary contact is always a member (spec 2.3); unknown or unreadable ids drop out.
    wanted = _unique(
        [
            *new.members,
            *([new.contact_id] if new.contact_id and new.contact_id > 0 else []),
        ]
    )
    if not wanted:
        return
    found = await readable_contacts(conn, caller, wanted)
    rows = [{"opportunity_id": deal_id, "contact_id": cid} for cid in wanted if cid in found]
    if rows:
        await conn.execute(_INSERT_MEMBERS, rows)


@cache
def _readable_contacts(admin: bool) -> Select[Any]:
    readable = contact_readable(None, admin=admin)
    return select(contact_t.c.id).where(contact_t.c.id.in_(IDS), readable)


async def readable_contacts(conn: AsyncConnection, caller: Caller, ids: Sequence[int]) -> set[int]:
    """Those of `ids` that are contacts the caller may read."""
    return await _existing(conn, _readable_contacts(caller.is_admin), ids, caller_params(caller))


async def _write_custom_fields(
    conn: AsyncConnection, deal_id: int, values: Sequence[tuple[int, str | None]]
) -> None:
    rows = await custom_field_rows(conn, deal_id, values)
    if rows:
        await conn.execute(_INSERT_FIELD_VALUES, rows)


async def custom_field_rows(
    conn: AsyncConnection, deal_id: int, values: Sequence[tuple[int, str | None]]
) -> list[dict[str, Any]]:
    """The values to store for a deal: trimmed, of opportunity fields only (spec 2.4)."""
    # Empty values are skipped and the last of duplicate ids wins.
    latest: dict[int, str] = {}
    for field_id, value in values:
        text = (value or "").strip()
        if text:
            latest[field_id] = text
    if not latest:
        return []
    known = await _existing(conn, _OPPORTUNITY_FIELDS, list(latest))
    return [
        {"opportunity_id": deal_id, "field_id": fid, "value": text}
        for fid, text in latest.items()
        if fid in known
    ]


async def access_holders(
    conn: AsyncConnection,
    caller: Caller,
    *,
    is_private: bool,
    access_list: Sequence[uuid.UUID],
) -> list[uuid.UUID]:
    """Who may see the deal if it is private (spec 2.5): [] when it stays public.

    Private only when asked with a non-empty list; the caller is always added. Unknown users
    cannot be stored (the list refers to employees), so they drop out.
    """
    requested = _unique(access_list)
    if not (is_private and requested):
        return []
    known = await _existing(conn, _EMPLOYEES, requested)
    return _unique([*(uid for uid in requested if uid in known), caller.id])


async def write_access(
    conn: AsyncConnection,
    caller: Caller,
    deal_id: int,
    holders: list[uuid.UUID],
    *,
    notify: bool,
    now: datetime,
) -> None:
    """Store a private deal's access list; with `notify`, queue a notice for all but the caller."""
    await conn.execute(
        insert(access_t),
        [{"opportunity_id": deal_id, "employee_id": uid} for uid in holders],
    )
    notified = [uid for uid in holders if uid != caller.id] if notify else []
    if notified:
        await conn.execute(
            insert(notification_t),
            [
                {
                    "recipient_id": uid,
                    "kind": NOTIFY_ACCESS_GRANTED,
                    "opportunity_id": deal_id,
                    "created_at": now,
                    "created_by": caller.id,
                }
                for uid in notified
            ],
        )
