"""The portal's CRM settings (the original's CRMSettings): its default currency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import crm_settings_t, currency_t, utcnow
from app.domain.caller import Caller
from app.domain.errors import DomainError, ErrorCode, require_admin

Row = Mapping[Any, Any]
MSG_ADMINS_ONLY = "Only administrators can change the CRM settings."
MSG_UNKNOWN_CURRENCY = "No currency has that abbreviation."
_DEFAULT = select(currency_t).join(
    crm_settings_t, crm_settings_t.c.default_currency == currency_t.c.abbreviation
)


async def default_currency(conn: AsyncConnection) -> Row:
    """The currency amounts are summed up in by default (USD until an administrator sets one)."""
    return (await conn.execute(_DEFAULT)).mappings().one()


async def set_default_currency(*, db: Database, caller: Caller, abbreviation: str) -> Row:
    """Make a currency, named in any letter case, the default (administrators only)."""
    require_admin(caller, MSG_ADMINS_ONLY)
    code = abbreviation.strip().upper()
    if not code:
        raise DomainError.one(ErrorCode.REQUIRED, "abbreviation", "Name a currency.")
    async with db.write() as conn:
        found = await conn.execute(select(currency_t).where(currency_t.c.abbreviation == code))
        currency = found.mappings().first()
        if currency is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "abbreviation", MSG_UNKNOWN_CURRENCY)
        await conn.execute(
            update(crm_settings_t).values(
                default_currency=code, updated_at=utcnow(), updated_by=caller.id
            )
        )
        return currency
