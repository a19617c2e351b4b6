"""Contacts: the people and companies deals refer to."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import Database
from app.db.models import contact_access_t, contact_t, currency_t, employee_t, utcnow
from app.domain.caller import Caller
from app.domain.enums import ShareType
from app.domain.errors import DomainError, ErrorCode, FieldError

NAME_MAX = 255


@dataclass(frozen=True, kw_only=True)
class NewContact:
    """A person (first and last name) or a company (company name)."""

    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    title: str | None = None
    share_type: ShareType = ShareType.READ_WRITE
    access_list: Sequence[uuid.UUID] = ()
    currency_abbr: str | None = None


def display_name(row: Mapping[Any, Any]) -> str:
    """'First Last' for a person, the company name for a company."""
    if row["is_company"]:
        return str(row["company_name"] or "")
    return " ".join(part for part in (row["first_name"], row["last_name"]) if part)


def _errors(new: NewContact) -> list[FieldError]:
    errors: list[FieldError] = []
    first, last, company = (
        (new.first_name or "").strip(),
        (new.last_name or "").strip(),
        (new.company_name or "").strip(),
    )
    if first or last:
        if not first:
            errors.append(FieldError(ErrorCode.REQUIRED, "firstName", "A first name is required."))
        if not last:
            errors.append(FieldError(ErrorCode.REQUIRED, "lastName", "A last name is required."))
        if company:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    "companyName",
                    "Give a person's names or a company name, not both.",
                )
            )
    elif not company:
        errors.append(
            FieldError(
                ErrorCode.REQUIRED,
                "companyName",
                "A company name or a person's names are required.",
            )
        )
    for name, value in (
        ("firstName", first),
        ("lastName", last),
        ("companyName", company),
        ("title", new.title or ""),
    ):
        if len(value) > NAME_MAX:
            errors.append(FieldError(ErrorCode.TOO_LONG, name, f"{name} is too long."))
    return errors


async def _currency_error(conn: AsyncConnection, abbr: str) -> FieldError | None:
    known = (await conn.execute(select(exists().where(currency_t.c.abbreviation == abbr)))).scalar()
    if known:
        return None
    return FieldError(ErrorCode.NOT_FOUND, "currencyAbbr", f"Unknown currency {abbr!r}.")


async def create_contact(db: Database, caller: Caller, new: NewContact) -> Mapping[Any, Any]:
    """Store a contact; a private one (share type NONE) is visible to its list and its creator."""
    errors = _errors(new)
    currency = (new.currency_abbr or "").upper() or None
    async with db.write() as conn:
        if currency and (bad := await _currency_error(conn, currency)):
            errors.append(bad)
        if errors:
            raise DomainError(errors)
        now = utcnow()
        is_company = not (new.first_name or new.last_name)
        row = (
            (
                await conn.execute(
                    insert(contact_t)
                    .values(
                        is_company=is_company,
                        first_name=None if is_company else (new.first_name or "").strip(),
                        last_name=None if is_company else (new.last_name or "").strip(),
                        company_name=(new.company_name or "").strip() if is_company else None,
                        title=new.title or None,
                        share_type=int(new.share_type),
                        currency_abbr=currency,
                        created_at=now,
                        created_by=caller.id,
                        updated_at=now,
                        updated_by=caller.id,
                    )
                    .returning(*contact_t.c)
                )
            )
            .mappings()
            .one()
        )
        if new.share_type == ShareType.NONE:
            requested = list(dict.fromkeys([*new.access_list, caller.id]))
            known = set(
                (
                    await conn.execute(
                        select(employee_t.c.id).where(employee_t.c.id.in_(requested))
                    )
                ).scalars()
            )
            await conn.execute(
                insert(contact_access_t),
                [
                    {"contact_id": row["id"], "employee_id": uid}
                    for uid in requested
                    if uid in known
                ],
            )
    return row
