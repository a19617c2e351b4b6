"""Why a create (or a full update) refuses its input: the input's own checks, then stored data.

Both run in the original's order (spec 2.2) and every refusal is collected, not the first.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import contact_t, currency_t, employee_t, stage_t
from app.db.types import MONEY_PRECISION, MONEY_SCALE
from app.domain.access import caller_params, contact_readable
from app.domain.bounds import access_list_errors, custom_value_errors, member_errors
from app.domain.caller import Caller
from app.domain.errors import MSG_ACCESS_DENIED, MSG_STAGE_NOT_FOUND, ErrorCode, FieldError

if TYPE_CHECKING:
    from app.domain.opportunities import NewOpportunity

TITLE_MAX = 255
NIL_UUID = uuid.UUID(int=0)


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


def bound_errors(new: NewOpportunity, caller: Caller) -> list[FieldError]:
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


async def reference_errors(
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
    return bound_errors(new, caller) + await reference_errors(conn, caller, new, currency)
